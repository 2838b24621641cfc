"""Field renderers of the annotate page: markdown, code, JSON and media references to safe HTML.

Item content is hostile. Every function here returns either plain text (which the templates
escape) or `Markup` built only from escaped text and fixed tags: markdown goes through
markdown-it with raw HTML off and then nh3 with a short allow-list (no images, no styles,
links get rel="noopener nofollow noreferrer"); code is escaped by pygments' formatter; JSON
trees are assembled here from escaped keys and values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from pygments import highlight  # type: ignore[import-untyped]
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexers import TextLexer, get_lexer_by_name  # type: ignore[import-untyped]
from pygments.util import ClassNotFound  # type: ignore[import-untyped]

# Highlighting is linear but not free: past this size code is shown plain (still escaped).
HIGHLIGHT_MAX_CHARS = 200_000
# A JSON value with more nodes than this is shown as one pretty-printed block.
JSON_TREE_MAX_NODES = 3_000
MEDIA_REF = re.compile(r"media:([A-Za-z0-9_-]{1,64})")

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MARKDOWN.disable("image")  # images would be fetched from wherever the item says
_TAGS = {
    "a", "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
_OPEN_NODE = Markup('<details class="json-node" open>')
_CLOSED_NODE = Markup('<details class="json-node">')
_FORMATTER = HtmlFormatter(nowrap=True)  # classes only: the CSP forbids inline styles


def markdown_html(text: str) -> Markup:
    """Markdown to sanitised HTML: raw HTML is shown as text, links are inert to the page."""
    html = _MARKDOWN.render(text)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow noreferrer",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - nh3 output, an allow-list of tags and attributes


def code_html(code: str, language: str | None) -> Markup:
    """Code highlighted with pygments' CSS classes (escaped by its formatter)."""
    if len(code) > HIGHLIGHT_MAX_CHARS:
        return escape(code)
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    return Markup(highlight(code, lexer, _FORMATTER))  # noqa: S704 - pygments escapes the code


def code_of(value: object) -> tuple[str, str | None]:
    """A code field's code and language (`"..."` or `{"code", "language"}`)."""
    if isinstance(value, Mapping):
        code, language = value.get("code"), value.get("language")
        return (
            code if isinstance(code, str) else "",
            language if isinstance(language, str) else None,
        )
    return (value if isinstance(value, str) else "", None)


def media_src(ref: object, workspace_id: int) -> str | None:
    """The authenticated URL of a `media:<id>` reference; None for anything else.

    External URLs are never handed to the browser: the page would fetch outside content.
    """
    if isinstance(ref, Mapping):
        ref = ref.get("src")
    if not isinstance(ref, str):
        return None
    found = MEDIA_REF.fullmatch(ref)
    return None if found is None else f"/w/{workspace_id}/media/{found.group(1)}"


def image_ref(value: object) -> str:
    """The reference an image field names, for the notice shown when it cannot be displayed."""
    ref = value.get("src") if isinstance(value, Mapping) else value
    return ref if isinstance(ref, str) else ""


def step_chars(step: object) -> int:
    """How many characters of text a trajectory step holds (long steps start collapsed)."""
    if not isinstance(step, Mapping):
        return 0
    total = 0
    for key in ("thought", "content", "observation"):
        part = step.get(key)
        total += len(part) if isinstance(part, str) else 0
    calls = step.get("tool_calls")
    if isinstance(calls, list):
        total += len(json.dumps(calls))
    return total


def json_pretty(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def json_html(value: object) -> Markup:
    """A collapsible tree (nested <details>) of a JSON value; big values as one pretty block."""
    if _count_nodes(value, JSON_TREE_MAX_NODES + 1) > JSON_TREE_MAX_NODES:
        return Markup('<pre class="json-block">{}</pre>').format(json_pretty(value))
    return Markup('<div class="json-tree">{}</div>').format(_node(value, depth=0))


def _count_nodes(value: object, limit: int) -> int:
    count, stack = 0, [value]
    while stack and count < limit:
        v = stack.pop()
        count += 1
        if isinstance(v, Mapping):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return count


def _node(value: object, depth: int) -> Markup:
    if isinstance(value, Mapping):
        parts = [
            Markup('<li><span class="json-key">{}</span>: {}</li>').format(
                json.dumps(str(k), ensure_ascii=False), _node(v, depth + 1)
            )
            for k, v in value.items()
        ]
        return _container("{", "}", f"{len(parts)} keys", parts, depth)
    if isinstance(value, list):
        parts = [Markup("<li>{}</li>").format(_node(v, depth + 1)) for v in value]
        return _container("[", "]", f"{len(parts)} items", parts, depth)
    kind = "null" if value is None else type(value).__name__
    return Markup('<span class="json-{}">{}</span>').format(
        kind, json.dumps(value, ensure_ascii=False)
    )


def _container(opening: str, closing: str, summary: str, parts: list[Markup], depth: int) -> Markup:
    if not parts:
        return Markup('<span class="json-empty">{}{}</span>').format(opening, closing)
    body = Markup('<summary>{} <span class="muted">{}</span></summary><ul>{}</ul>{}</details>')
    tag = _OPEN_NODE if depth < 3 else _CLOSED_NODE
    return tag + body.format(opening, summary, Markup("").join(parts), closing)
