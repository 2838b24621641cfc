"""More widget paths in a real browser: polygons (mouse and keyboard) in normalized
coordinates, a ranking of responses the item lists, a single rating scale, multiple choice,
and overlapping spans over a code field with CRLF line breaks and combining marks."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from test_annotate_widgets import char_rect, png, value_of
from test_browser import (
    ARTIFACTS,
    browser_page,
    chromium_path,
    log_in,
    server,
    sqlite_database,
)

from conftest import Factory
from tessera.domain.entities import Role
from tessera.formats import ImportFormat
from tessera.services import imports, media, projects
from tessera.storage.engine import Database

pytestmark = pytest.mark.browser
__all__ = ["server", "sqlite_database"]  # fixtures shared with test_browser

CODE = "x = 1\r\ny = 'e\u0301t\u00e9' # 😀\r\n"  # CRLF, a combining acute, an emoji
SCHEMA: dict[str, object] = {
    "fields": [
        {"name": "source", "type": "code", "language": "python"},
        {"name": "photo", "type": "image"},
        {"name": "candidates", "type": "json"},
        {"name": "left", "type": "text"},
        {"name": "right", "type": "text"},
    ],
    "questions": [
        {"name": "tags", "type": "multi_choice", "options": ["bug", "style", "docs"]},
        {"name": "overall", "type": "rating", "min": 1, "max": 7},
        {
            "name": "marks",
            "type": "spans",
            "field": "source",
            "labels": ["NAME", "STRING"],
            "allow_overlap": True,
        },
        {
            "name": "regions",
            "type": "boxes",
            "field": "photo",
            "labels": ["cell"],
            "shapes": ["polygon"],
            "coordinates": "normalized",
        },
        {"name": "best", "type": "ranking", "field": "candidates"},
        {
            "name": "pref",
            "type": "pairwise",
            "a": "left",
            "b": "right",
            "criteria": [{"name": "helpful"}, {"name": "honest"}],
        },
    ],
}


def test_polygons_listed_rankings_and_overlapping_spans(
    server: str, sqlite_database: Database, tmp_path: Path
) -> None:
    executable = chromium_path()
    from playwright.sync_api import expect

    factory = Factory(sqlite_database)
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR, label="annotator")
    with sqlite_database.session() as s:
        project = projects.create_project(
            s, actor=owner.user, workspace_id=ws.id, name="More widgets", label_schema=SCHEMA
        )
        photo = media.upload_media(
            s, actor=owner.user, workspace_id=ws.id, project_id=project.id, data=png(400, 200)
        )
        record = {
            "source": {"code": CODE, "language": "python"},
            "photo": f"media:{photo.id}",  # no stated size: normalized boxes need none
            "candidates": [
                {"id": "c1", "text": "first <b>candidate</b>"},
                {"id": "c2", "text": "second"},
                {"id": "c3", "content": "third"},
            ],
            "left": "Paris is the capital.",
            "right": "It is Paris.",
        }
        imports.import_items(
            s,
            actor=owner.user,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO(json.dumps(record).encode()),
            fmt=ImportFormat.JSONL,
        )
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(executable) as (page, problems):
        log_in(page, server, annotator.email)
        page.goto(f"{server}/w/{ws.id}/p/{project.id}/annotate")
        form = page.locator("#task-form[data-ready='true']")
        expect(form).to_be_visible()
        aid = form.get_attribute("data-assignment")

        page.keyboard.press("1")  # tags: bug (keyboard)
        page.click("#question-tags label:has-text('docs')")  # and docs (mouse)
        page.click("#question-overall label:has-text('6')")
        page.locator("#question-overall input").first.focus()
        page.keyboard.press("7")

        spans_by_mouse_and_keyboard(page, expect)
        polygons_by_mouse_and_keyboard(page, expect)

        cards = page.locator("#question-best .rank-item")
        expect(cards.nth(0)).to_contain_text("first <b>candidate</b>")  # shown as text
        cards.nth(2).drag_to(cards.nth(0), target_position={"x": 10, "y": 2})
        expect(cards.nth(0)).to_have_attribute("data-id", "c3")
        cards.nth(2).focus()
        page.keyboard.press("Alt+ArrowUp")  # c2 above c1
        assert value_of(page, "best") == ["c3", "c2", "c1"]
        pair = page.locator("#question-pref")
        pair.locator("[data-criterion=''] label:has-text('Tie')").click()
        pair.locator("[data-criterion='helpful'] input").first.focus()
        page.keyboard.press("b")
        pair.locator("[data-criterion='honest'] label:has-text('A is better')").click()
        assert value_of(page, "pref") == PREF
        page.screenshot(path=ARTIFACTS / "web-widgets-more.png", full_page=True)

        page.click("#submit-button")
        expect(page.locator("#all-done")).to_be_visible()
        page.goto(f"{server}/w/{ws.id}/tasks/{aid}")
        expect(page.locator("#task-form[data-ready='true']")).to_be_visible()
        assert page.locator("#question-tags input[value='bug']").is_checked()
        assert page.locator("#question-tags input[value='docs']").is_checked()
        assert value_of(page, "overall") == 7
        assert value_of(page, "best") == ["c3", "c2", "c1"]
        assert value_of(page, "pref") == PREF
        assert pair.locator("[data-criterion='helpful'] input[value='b']").is_checked()
        assert value_of(page, "marks") == EXPECTED_SPANS
        expect(page.locator("[data-span-field='source'] mark.overlap")).to_have_count(1)
        regions = value_of(page, "regions")
        assert isinstance(regions, list) and len(regions) == 2
        expect(page.locator("[data-image-field='photo'] polygon.box")).to_have_count(2)
    assert problems == []


# "x" (code points 0..1) and "y = 'e\u0301t\u00e9'" (7..17, after the CRLF), then its quoted
# part "'e\u0301t\u00e9'" (11..17) overlapping it; the combining acute is never split off.
EXPECTED_SPANS = [
    {"start": 0, "end": 1, "label": "NAME", "text": "x"},
    {"start": 7, "end": 17, "label": "NAME", "text": "y = 'e\u0301t\u00e9'"},
    {"start": 11, "end": 17, "label": "STRING", "text": "'e\u0301t\u00e9'"},
]


PREF = {"choice": "tie", "criteria": {"helpful": {"choice": "b"}, "honest": {"choice": "a"}}}


def spans_by_mouse_and_keyboard(page: Any, expect: Any) -> None:
    host = "[data-span-field='source']"
    page.locator(host).scroll_into_view_if_needed()
    box = char_rect(page, host, 0, 1)
    y = (box["top"] + box["bottom"]) / 2
    page.mouse.move(box["left"] + 1, y)
    page.mouse.down()
    page.mouse.move(box["right"] - 1, y, steps=3)
    page.mouse.up()
    page.click("#question-marks .widget-labels label:has-text('NAME')")
    # keyboard: "y = 'e\u0301t\u00e9'" starts after "x = 1\r\n" (CRLF is one step)
    page.locator(host).focus()
    page.keyboard.press("Home")
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    for _ in range(9):  # y, space, =, space, ', e+acute (one step), t, é, '
        page.keyboard.press("Shift+ArrowRight")
    nine = "#question-marks .widget-labels input[value='NAME']"
    key = page.locator(nine).get_attribute("data-hotkey")
    page.keyboard.press(key)
    # overlapping STRING: from the quote
    page.keyboard.press("Home")
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    for _ in range(5):
        page.keyboard.press("Shift+ArrowRight")
    string_key = page.locator("#question-marks .widget-labels input[value='STRING']").get_attribute(
        "data-hotkey"
    )
    page.keyboard.press(string_key)
    expect(page.locator("#question-marks .span-item")).to_have_count(3)
    assert value_of(page, "marks") == EXPECTED_SPANS


def polygons_by_mouse_and_keyboard(page: Any, expect: Any) -> None:
    svg = page.locator("[data-image-field='photo'] svg")
    page.click("#question-regions button:has-text('Polygon')")  # focuses the image
    svg.scroll_into_view_if_needed()
    frame = svg.bounding_box()
    for fx, fy in ((0.1, 0.1), (0.4, 0.1), (0.25, 0.6)):
        page.mouse.click(frame["x"] + frame["width"] * fx, frame["y"] + frame["height"] * fy)
    page.mouse.dblclick(frame["x"] + frame["width"] * 0.25, frame["y"] + frame["height"] * 0.6)
    expect(page.locator("[data-image-field='photo']")).to_have_attribute("data-boxes", "1")
    # drag its first corner from (10%, 10%) to (5%, 20%)
    page.mouse.move(frame["x"] + frame["width"] * 0.1, frame["y"] + frame["height"] * 0.1)
    page.mouse.down()
    page.mouse.move(frame["x"] + frame["width"] * 0.05, frame["y"] + frame["height"] * 0.2, steps=5)
    page.mouse.up()
    svg.focus()
    page.keyboard.press("p")
    page.keyboard.press("Space")  # the cross starts in the middle
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.locator("[data-image-field='photo']")).to_have_attribute("data-boxes", "2")
    regions = value_of(page, "regions")
    assert isinstance(regions, list)
    first, second = regions
    assert first["shape"] == "polygon" and len(first["points"]) == 3
    assert first["points"][0] == [pytest.approx(0.05, abs=0.01), pytest.approx(0.2, abs=0.02)]
    assert first["points"][1] == [pytest.approx(0.4, abs=0.01), pytest.approx(0.1, abs=0.02)]
    # the cross moves 4 px a step: 1% of 400 px across, 2% of 200 px down
    assert second["points"] == [[0.5, 0.5], [0.51, 0.5], [0.51, 0.52]]
