"""Label Studio XML labeling configs converted to Tessera label schemas, as far as tags map.

Object tags become fields: Text -> text, HyperText -> markdown (rendered sanitised),
Image -> image, Paragraphs -> chat, List -> json. Control tags become questions: Choices ->
single_choice / multi_choice, Labels over Text -> spans, RectangleLabels / PolygonLabels ->
boxes (normalized coordinates, as Label Studio stores percentages), Rating -> rating,
TextArea -> text, Pairwise -> pairwise, Ranker over a List -> ranking. A `Header` just before
a tag becomes its title; `visibleWhen="choice-selected"` becomes a condition. Everything
else is listed in `unsupported`, with the reason, never dropped silently.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import RESERVED_HOTKEYS, LabelSchema, parse_label_schema
from tessera.formats.safe_xml import parse_untrusted_xml

FIELD = "label_config"
OBJECT_TAGS = {
    "Text": "text",
    "HyperText": "markdown",
    "Image": "image",
    "Paragraphs": "chat",
    "List": "json",
}
CONTROL_TAGS = frozenset(
    {
        "Choices",
        "Labels",
        "RectangleLabels",
        "PolygonLabels",
        "Rating",
        "TextArea",
        "Pairwise",
        "Ranker",
    }
)
# Controls that mean nothing without the objects they point at.
NEEDS_OBJECTS = frozenset({"Labels", "RectangleLabels", "PolygonLabels", "Pairwise", "Ranker"})
CHILD_TAGS = frozenset({"Choice", "Label"})  # read with their parent
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_VARIABLE = re.compile(r"\$([A-Za-z0-9_-]{1,64})")


@dataclass(frozen=True)
class Unsupported:
    """A tag (or part of one) that has no Tessera equivalent and was not imported."""

    tag: str
    name: str | None
    reason: str


@dataclass(frozen=True)
class ConvertedConfig:
    schema: LabelSchema
    unsupported: tuple[Unsupported, ...]
    notes: tuple[str, ...]  # what was adapted on the way (renamed, hotkey dropped, ...)


@dataclass
class _Tag:
    element: ET.Element
    title: str | None  # from a Header just before it
    when: dict[str, object] | None  # from an enclosing View's visibleWhen


@dataclass
class _Conversion:
    fields: dict[str, dict[str, object]] = field(default_factory=dict)  # by field name
    objects: dict[str, str] = field(default_factory=dict)  # Label Studio name -> field name
    questions: list[dict[str, object]] = field(default_factory=list)
    sources: list[Unsupported] = field(default_factory=list)  # the tag of each question
    unsupported: list[Unsupported] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hotkeys: set[str] = field(default_factory=set)

    def skip(self, el: ET.Element, reason: str) -> None:
        self.unsupported.append(Unsupported(el.tag, el.get("name"), reason))


def convert_labelstudio_config(xml: str | bytes) -> ConvertedConfig:
    """Convert a Label Studio labeling config into a validated Tessera schema.

    Raises:
        InvalidInput: for XML that is malformed or hostile (DOCTYPE, entities, too large),
            or a config in which no object and control tags map.
    """
    root = parse_untrusted_xml(xml, field=FIELD)
    conv = _Conversion()
    tags = list(_walk(root, conv, None))
    for tag in tags:
        if tag.element.tag in OBJECT_TAGS:
            _object(tag, conv)
    for tag in tags:
        if tag.element.tag in CONTROL_TAGS:
            _control(tag, conv)
    return _finish(conv)


def _walk(el: ET.Element, conv: _Conversion, when: dict[str, object] | None) -> Iterator[_Tag]:
    """Tags in document order; Headers give the next tag its title, Views pass conditions."""
    header: ET.Element | None = None
    for child in el:
        tag = child.tag
        if tag == "Header":
            if header is not None:
                conv.skip(header, "a heading with no tag after it; Tessera lays out the page")
            header = child
        elif tag in OBJECT_TAGS or tag in CONTROL_TAGS:
            yield _Tag(child, _header_text(header), _condition(child, conv) or when)
            header = None
        elif tag == "Style":
            conv.skip(child, "styling; Tessera lays out the page itself")
        elif tag not in CHILD_TAGS:
            if tag != "View":
                conv.skip(child, "no Tessera equivalent")
            # Views (and unknown wrappers) pass their contents and conditions on.
            yield from _walk(child, conv, _condition(child, conv) or when)
    if header is not None:
        conv.skip(header, "a heading with no tag after it; Tessera lays out the page")


def _header_text(header: ET.Element | None) -> str | None:
    if header is None:
        return None
    return (header.get("value") or "".join(header.itertext())).strip()[:500] or None


def _condition(el: ET.Element, conv: _Conversion) -> dict[str, object] | None:
    kind = el.get("visibleWhen")
    if kind is None:
        return None
    target, values = el.get("whenTagName"), el.get("whenChoiceValue")
    if kind == "choice-selected" and target and values:
        chosen = [v.strip() for v in values.split(",") if v.strip()]
        return {"question": _NAME_CHARS.sub("_", target)[:64], "in": chosen}
    conv.skip(el, f"visibleWhen={kind!r} has no Tessera equivalent; shown always")
    return None


def _name(raw: str | None, el: ET.Element, conv: _Conversion) -> str | None:
    if not raw:
        conv.skip(el, "has no name")
        return None
    clean = _NAME_CHARS.sub("_", raw)[:64]
    if clean != raw:
        conv.notes.append(f"{el.tag} {raw!r} is named {clean!r}")
    return clean


def _object(tag: _Tag, conv: _Conversion) -> None:
    el = tag.element
    ls_name = el.get("name")
    value = el.get("value") or ""
    var = _VARIABLE.fullmatch(value.strip())
    if not ls_name or var is None:
        conv.skip(el, "needs a name and a value of the form $field (static values are layout)")
        return
    if el.tag == "Image" and el.get("valueList"):
        conv.skip(el, "image lists (valueList) have no Tessera equivalent")
        return
    ftype = OBJECT_TAGS[el.tag]
    name = _name(var.group(1), el, conv)
    if name is None:
        return
    existing = conv.fields.get(name)
    if existing is not None and existing["type"] != ftype:
        conv.skip(el, f"field {name!r} is already shown as {existing['type']}")
        return
    if existing is None:
        title = tag.title or el.get("title") or name
        conv.fields[name] = {"name": name, "type": ftype, "title": title[:500]}
    conv.objects[ls_name] = name
    if el.tag == "Paragraphs":
        who, what = el.get("nameKey", "author"), el.get("textKey", "text")
        conv.notes.append(
            f"Paragraphs {ls_name!r} becomes chat field {name!r}: convert each item's "
            f"{{{who!r}, {what!r}}} entries to {{'role', 'content'}} turns"
        )
    if el.tag == "Text" and el.get("valueType") == "url":
        conv.notes.append(f"Text {ls_name!r} loads text from a URL; import the text itself")


def _control(tag: _Tag, conv: _Conversion) -> None:
    el = tag.element
    if el.get("perRegion") == "true" or el.get("perItem") == "true":
        conv.skip(el, "per-region and per-item questions have no Tessera equivalent")
        return
    name = _name(el.get("name"), el, conv)
    if name is None:
        return
    targets = [t.strip() for t in (el.get("toName") or "").split(",") if t.strip()]
    fields = [conv.objects[t] for t in targets if t in conv.objects]
    missing = [t for t in targets if t not in conv.objects]
    if missing and el.tag in NEEDS_OBJECTS:
        conv.skip(el, f"toName {missing[0]!r} is not an object tag that was imported")
        return
    if missing:
        conv.notes.append(f"{el.tag} {name!r}: toName {missing[0]!r} was not imported")
    question = _CONVERTERS[el.tag](el, fields, conv)
    if question is None:
        return
    question = {
        "name": name,
        "title": tag.title or name,
        "required": el.get("required") == "true",  # Label Studio's default is optional
        **question,
    }
    if tag.when is not None:
        question["when"] = tag.when
    conv.questions.append(question)
    conv.sources.append(Unsupported(el.tag, el.get("name"), ""))


def _options(el: ET.Element, child: str, conv: _Conversion) -> list[dict[str, object]] | None:
    options: list[dict[str, object]] = []
    for c in el.iter(child):
        label = c.get("value")
        if not label:
            conv.skip(c, "has no value")
            continue
        option: dict[str, object] = {"value": c.get("alias") or label, "label": label}
        key = c.get("hotkey")
        if key:
            if len(key) == 1 and key not in RESERVED_HOTKEYS and key not in conv.hotkeys:
                option["hotkey"] = key
                conv.hotkeys.add(key)
            else:
                conv.notes.append(f"{child} {label!r}: hotkey {key!r} dropped (1 free key only)")
        options.append(option)
    if not options:
        conv.skip(el, f"has no {child} tags with values (dynamic labels are not supported)")
        return None
    return options


def _field_type(conv: _Conversion, name: str) -> object:
    return conv.fields[name]["type"]


def _choices(el: ET.Element, fields: list[str], conv: _Conversion) -> dict[str, object] | None:
    options = _options(el, "Choice", conv)
    if options is None:
        return None
    kind = "multi_choice" if el.get("choice") == "multiple" else "single_choice"
    return {"type": kind, "options": options}


def _labels(el: ET.Element, fields: list[str], conv: _Conversion) -> dict[str, object] | None:
    if len(fields) != 1 or _field_type(conv, fields[0]) != "text":
        conv.skip(el, "Labels map to spans over a Text tag only")
        return None
    labels = _options(el, "Label", conv)
    if labels is None:
        return None
    # Label Studio lets regions overlap.
    return {"type": "spans", "field": fields[0], "labels": labels, "allow_overlap": True}


def _shapes(el: ET.Element, fields: list[str], conv: _Conversion) -> dict[str, object] | None:
    if len(fields) != 1 or _field_type(conv, fields[0]) != "image":
        conv.skip(el, f"{el.tag} map to boxes over an Image tag only")
        return None
    labels = _options(el, "Label", conv)
    if labels is None:
        return None
    shape = "polygon" if el.tag == "PolygonLabels" else "rectangle"
    return {
        "type": "boxes",
        "field": fields[0],
        "labels": labels,
        "shapes": [shape],
        "coordinates": "normalized",
    }


def _rating(el: ET.Element, fields: list[str], conv: _Conversion) -> dict[str, object] | None:
    raw = el.get("maxRating", "5")
    if not raw.isdigit() or not 2 <= int(raw) <= 100:
        conv.skip(el, f"maxRating {raw!r} is not a whole number from 2 to 100")
        return None
    return {"type": "rating", "min": 1, "max": int(raw)}


def _text_area(el: ET.Element, fields: list[str], conv: _Conversion) -> dict[str, object] | None:
    if el.get("maxSubmissions") not in (None, "1"):
        conv.notes.append(f"TextArea {el.get('name')!r}: one text per answer, not several")
    return {"type": "text"}


def _pairwise(el: ET.Element, fields: list[str], conv: _Conversion) -> dict[str, object] | None:
    if len(fields) != 2 or fields[0] == fields[1]:
        conv.skip(el, "Pairwise needs two different objects in toName")
        return None
    return {"type": "pairwise", "a": fields[0], "b": fields[1], "allow_tie": False}


def _ranker(el: ET.Element, fields: list[str], conv: _Conversion) -> dict[str, object] | None:
    if any(True for _ in el.iter("Bucket")):
        conv.skip(el, "sorting into buckets has no Tessera equivalent (ranking orders only)")
        return None
    if len(fields) != 1 or _field_type(conv, fields[0]) != "json":
        conv.skip(el, "Ranker maps to ranking over a List tag only")
        return None
    return {"type": "ranking", "field": fields[0]}


_CONVERTERS = {
    "Choices": _choices,
    "Labels": _labels,
    "RectangleLabels": _shapes,
    "PolygonLabels": _shapes,
    "Rating": _rating,
    "TextArea": _text_area,
    "Pairwise": _pairwise,
    "Ranker": _ranker,
}


def _finish(conv: _Conversion) -> ConvertedConfig:
    """Validate; a question the schema refuses is listed as unsupported and the rest kept."""
    if not conv.questions or not conv.fields:
        found = ", ".join(sorted({u.tag for u in conv.unsupported})) or "none"
        raise InvalidInput(
            f"no Label Studio object and control tags that Tessera supports (found: {found})",
            field=FIELD,
        )
    fields = list(conv.fields.values())
    questions, sources = list(conv.questions), list(conv.sources)
    while True:
        try:
            schema = parse_label_schema({"fields": fields, "questions": questions})
        except InvalidInput as exc:
            index = _question_index(exc.field)
            if index is None or len(questions) == 1:
                raise
            if (exc.field or "").endswith(".when"):
                del questions[index]["when"]
                conv.notes.append(f"{sources[index].tag} {sources[index].name!r}: {exc.detail}")
                continue
            bad = sources.pop(index)
            conv.unsupported.append(Unsupported(bad.tag, bad.name, exc.detail))
            del questions[index]
            continue
        return ConvertedConfig(schema, tuple(conv.unsupported), tuple(conv.notes))


def _question_index(path: str | None) -> int | None:
    match = re.match(r"questions\[(\d+)\]", path or "")
    return int(match.group(1)) if match else None
