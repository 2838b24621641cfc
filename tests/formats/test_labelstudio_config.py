"""Label Studio XML configs: every mapped tag, the unsupported list, and hostile XML."""

from __future__ import annotations

import time

import pytest

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import (
    BoxesSpec,
    Coordinates,
    FieldType,
    PairwiseSpec,
    QuestionType,
    RankingSpec,
    RatingSpec,
    Shape,
    SpansSpec,
    parse_label_schema,
)
from tessera.formats.labelstudio_config import convert_labelstudio_config

FULL = """<View>
  <Header value="Read the review"/>
  <Text name="txt" value="$text"/>
  <Choices name="sentiment" toName="txt" choice="single-radio" required="true">
    <Choice value="Positive" hotkey="p"/>
    <Choice value="Negative"/>
  </Choices>
  <Choices name="aspects" toName="txt" choice="multiple">
    <Choice value="Price" alias="price"/>
    <Choice value="Quality" hotkey="ctrl+q"/>
  </Choices>
  <View visibleWhen="choice-selected" whenTagName="sentiment" whenChoiceValue="Negative">
    <Header value="Why?"/>
    <TextArea name="why" toName="txt" rows="3"/>
  </View>
  <Labels name="ner" toName="txt">
    <Label value="PER" background="red"/>
    <Label value="ORG" hotkey="p"/>
  </Labels>
  <Rating name="stars" toName="txt" maxRating="10"/>
  <Image name="img" value="$image"/>
  <RectangleLabels name="cars" toName="img"><Label value="car"/></RectangleLabels>
  <PolygonLabels name="roads" toName="img"><Label value="road"/></PolygonLabels>
  <HyperText name="left" value="$answer_a"/>
  <HyperText name="right" value="$answer_b"/>
  <Pairwise name="preference" toName="left,right"/>
  <List name="results" value="$items" title="Search results"/>
  <Ranker name="rank" toName="results"/>
  <Paragraphs name="dialog" value="$dialogue" layout="dialogue"/>
</View>"""


def test_every_mapped_tag() -> None:
    result = convert_labelstudio_config(FULL)
    s = result.schema
    assert parse_label_schema(s.to_dict()) == s
    fields = {f.name: f for f in s.fields}
    assert {n: f.type for n, f in fields.items()} == {
        "text": FieldType.TEXT,
        "image": FieldType.IMAGE,
        "answer_a": FieldType.MARKDOWN,
        "answer_b": FieldType.MARKDOWN,
        "items": FieldType.JSON,
        "dialogue": FieldType.CHAT,
    }
    assert fields["text"].title == "Read the review"
    assert fields["items"].title == "Search results"
    q = {x.name: x for x in s.questions}
    assert q["sentiment"].type is QuestionType.SINGLE_CHOICE and q["sentiment"].required
    assert [(o.value, o.hotkey) for o in q["sentiment"].options] == [
        ("Positive", "p"),
        ("Negative", "1"),
    ]
    assert q["aspects"].type is QuestionType.MULTI_CHOICE and not q["aspects"].required
    assert [(o.value, o.label) for o in q["aspects"].options] == [
        ("price", "Price"),
        ("Quality", "Quality"),
    ]
    assert q["why"].type is QuestionType.TEXT and q["why"].title == "Why?"
    assert q["why"].when is not None and q["why"].when.values == ("Negative",)
    assert q["ner"].spec == SpansSpec(field="text", allow_overlap=True)
    assert [o.hotkey for o in q["ner"].options][1] != "p"  # taken by a choice already
    assert q["stars"].spec == RatingSpec(min=1, max=10)
    assert q["cars"].spec == BoxesSpec(
        field="image", shapes=(Shape.RECTANGLE,), coordinates=Coordinates.NORMALIZED
    )
    assert isinstance(q["roads"].spec, BoxesSpec) and q["roads"].spec.shapes == (Shape.POLYGON,)
    assert q["preference"].spec == PairwiseSpec(a="answer_a", b="answer_b", allow_tie=False)
    assert q["rank"].spec == RankingSpec(field="items")
    assert result.unsupported == ()
    notes = " ".join(result.notes)
    assert "ctrl+q" in notes and "'p'" in notes and "role" in notes


def test_unsupported_tags_are_listed_not_dropped() -> None:
    xml = """<View>
      <Style>.x { color: red }</Style>
      <Text name="t" value="$text"/>
      <Audio name="a" value="$audio"/>
      <Choices name="c" toName="t"><Choice value="x"/></Choices>
      <Taxonomy name="tax" toName="t"><Choice value="A"/></Taxonomy>
      <Choices name="region_kind" toName="t" perRegion="true"><Choice value="y"/></Choices>
      <Labels name="audio_labels" toName="a"><Label value="speech"/></Labels>
      <Labels name="dynamic" toName="t" value="$labels"/>
      <Ranker name="buckets" toName="t"><Bucket name="good" title="Good"/></Ranker>
      <Relations><Relation value="is_a"/></Relations>
      <Image name="many" valueList="$images"/>
      <Rating name="big" toName="t" maxRating="1000"/>
      <Choices name="odd" toName="t" visibleWhen="region-selected"><Choice value="z"/></Choices>
      <Header value="Dangling"/>
    </View>"""
    result = convert_labelstudio_config(xml)
    assert [q.name for q in result.schema.questions] == ["c", "odd"]
    listed = {(u.tag, u.name) for u in result.unsupported}
    assert listed == {
        ("Style", None),
        ("Audio", "a"),
        ("Taxonomy", "tax"),
        ("Choices", "region_kind"),
        ("Labels", "audio_labels"),
        ("Labels", "dynamic"),
        ("Ranker", "buckets"),
        ("Relations", None),
        ("Relation", None),
        ("Image", "many"),
        ("Rating", "big"),
        ("Choices", "odd"),  # its condition, not the question
        ("Header", None),
    }
    assert all(u.reason for u in result.unsupported)


def test_names_are_made_safe_and_bad_conditions_become_notes() -> None:
    xml = """<View>
      <Text name="t" value="$review.text"/>
      <Text name="t2" value="$body"/>
      <Choices name="sentiment label" toName="t2">
        <Choice value="pos"/><Choice value="neg"/>
      </Choices>
      <TextArea name="why" toName="t2" visibleWhen="choice-selected"
                whenTagName="sentiment label" whenChoiceValue="neutral"/>
    </View>"""
    result = convert_labelstudio_config(xml)
    names = [q.name for q in result.schema.questions]
    assert names == ["sentiment_label", "why"]
    assert result.schema.questions[1].when is None  # 'neutral' is no option: kept, unconditional
    assert any("sentiment_label" in n for n in result.notes)
    assert ("Text", "t") in {(u.tag, u.name) for u in result.unsupported}


def test_a_question_the_schema_refuses_is_listed() -> None:
    long_value = "v" * 300
    xml = f"""<View>
      <Text name="t" value="$text"/>
      <Choices name="ok" toName="t"><Choice value="a"/></Choices>
      <Choices name="too_long" toName="t"><Choice value="{long_value}"/></Choices>
    </View>"""
    result = convert_labelstudio_config(xml)
    assert [q.name for q in result.schema.questions] == ["ok"]
    (bad,) = result.unsupported
    assert bad.name == "too_long" and "200" in bad.reason


def test_nothing_mappable_is_an_error() -> None:
    with pytest.raises(InvalidInput) as err:
        convert_labelstudio_config('<View><Audio name="a" value="$audio"/></View>')
    assert err.value.field == "label_config" and "Audio" in err.value.detail


@pytest.mark.parametrize(
    "xml",
    [
        "<View><Text",
        "not xml at all",
        "<View></Choices>",
        "<View>&undefined;</View>",
    ],
)
def test_malformed_xml(xml: str) -> None:
    with pytest.raises(InvalidInput) as err:
        convert_labelstudio_config(xml)
    assert err.value.field == "label_config" and err.value.line is not None


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<View><Text name="t" value="$text"/><Header value="&lol9;"/>
<Choices name="c" toName="t"><Choice value="a"/></Choices></View>"""


def test_billion_laughs_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as err:
        convert_labelstudio_config(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1.0
    assert "DOCTYPE" in err.value.detail and err.value.line == 2


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE View [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE View SYSTEM "http://127.0.0.1:9/evil.dtd">',
        '<!DOCTYPE View [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>',
    ],
)
def test_external_entities_and_dtds_are_refused(doctype: str) -> None:
    xml = (
        f'<?xml version="1.0"?>{doctype}<View><Text name="t" value="$text"/>'
        '<Choices name="c" toName="t"><Choice value="&xxe;"/></Choices></View>'
    )
    with pytest.raises(InvalidInput) as err:
        convert_labelstudio_config(xml)
    assert "DOCTYPE" in err.value.detail


def test_size_and_depth_limits() -> None:
    with pytest.raises(InvalidInput):
        convert_labelstudio_config("<View>" + " " * (1 << 20) + "</View>")
    deep = "<View>" * 200 + "</View>" * 200
    with pytest.raises(InvalidInput) as err:
        convert_labelstudio_config(deep)
    assert "deeper" in err.value.detail


def test_bytes_with_declared_encoding() -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><View><Text name="t" value="$text"/>'
        '<Choices name="c" toName="t"><Choice value="Ünïcode ✓"/></Choices></View>'
    ).encode()
    result = convert_labelstudio_config(xml)
    assert result.schema.questions[0].options[0].value == "Ünïcode ✓"
