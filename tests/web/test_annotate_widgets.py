"""Every question widget in a real browser: label with the mouse, then with the keyboard,
submit, re-open the saved answer; hostile item content stays inert in every field type."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
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

XSS_IMG = '<img src=x onerror="window.__pwned = 1">'
XSS_SCRIPT = "</script><script>window.__pwned = 1</script>"
REVIEW = "😀 Acme Corp hired Ada Lovelace. " + XSS_IMG

SCHEMA: dict[str, object] = {
    "fields": [
        {"name": "review", "type": "text", "title": "Review"},
        {"name": "notes", "type": "markdown", "title": "Notes"},
        {"name": "snippet", "type": "code", "title": "Snippet", "language": "python"},
        {"name": "meta", "type": "json", "title": "Metadata"},
        {"name": "photo", "type": "image", "title": "Photo"},
        {"name": "dialog", "type": "chat", "title": "Dialog"},
        {"name": "run", "type": "trajectory", "title": "Agent run"},
        {"name": "resp_a", "type": "text", "title": "First answer"},
        {"name": "resp_b", "type": "markdown", "title": "Second answer"},
    ],
    "questions": [
        {"name": "sentiment", "type": "single_choice", "options": ["pos", "neg"]},
        {
            "name": "reason",
            "type": "text",
            "min_length": 3,
            "max_length": 200,
            "when": {"question": "sentiment", "equals": "neg"},
        },
        {
            "name": "quality",
            "type": "rating",
            "criteria": [{"name": "clarity"}, {"name": "accuracy"}],
        },
        {"name": "entities", "type": "spans", "field": "review", "labels": ["PER", "ORG"]},
        {"name": "objects", "type": "boxes", "field": "photo", "labels": ["car", "person"]},
        {
            "name": "preference",
            "type": "pairwise",
            "a": "resp_a",
            "b": "resp_b",
            "strength_levels": 3,
        },
        {"name": "order", "type": "ranking", "responses": ["resp_a", "resp_b"]},
        {"name": "steps", "type": "step_labels", "field": "run"},
    ],
}


def png(width: int, height: int) -> bytes:
    """A plain grey PNG, built by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x88" * (width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def item(n: int, media_id: int) -> dict[str, object]:
    return {
        "external_id": f"item-{n}",
        "review": REVIEW,
        "notes": f"# Notes {n}\n\n{XSS_IMG}\n\n[link](javascript:window.__pwned=1) "
        "![remote](https://example.com/tracker.png) [ok](https://example.com)",
        "snippet": {"code": f"print('{XSS_SCRIPT}')\n", "language": "python"},
        "meta": {"note": XSS_SCRIPT, "nested": {"list": [1, 2.5, None, True]}},
        "photo": {"src": f"media:{media_id}", "width": 640, "height": 480},
        "dialog": [
            {"role": "user", "content": f"Hello {XSS_IMG}"},
            {"role": "assistant", "content": "**Hi!** " + XSS_SCRIPT},
        ],
        "run": [
            {"role": "assistant", "thought": f"look it up {XSS_IMG}"},
            {
                "role": "assistant",
                "tool_calls": [{"name": "search", "arguments": {"q": XSS_SCRIPT}}],
                "observation": XSS_IMG,
            },
            {"role": "assistant", "content": "done"},
        ],
        "resp_a": f"Answer A {XSS_IMG}",
        "resp_b": f"Answer **B** {XSS_IMG}",
    }


def value_of(page: Any, question: str) -> object:
    raw = page.locator(f"input[name='q.{question}']").input_value()
    return json.loads(raw) if raw.startswith(("{", "[")) or raw.isdigit() else raw


def char_rect(page: Any, selector: str, start: int, end: int) -> dict[str, float]:
    """The screen box of UTF-16 units start..end of an element's (single) text node."""
    result: dict[str, float] = page.evaluate(
        """([sel, a, b]) => {
            const host = document.querySelector(sel);
            const walker = document.createTreeWalker(host, NodeFilter.SHOW_TEXT);
            const node = walker.nextNode();
            const range = document.createRange();
            range.setStart(node, a);
            range.setEnd(node, b);
            const r = range.getClientRects()[0];
            return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
        }""",
        [selector, start, end],
    )
    return result


def setup_project(db: Database, owner: Any, ws: Any) -> int:
    with db.session() as s:
        project = projects.create_project(
            s,
            actor=owner.user,
            workspace_id=ws.id,
            name="Every widget",
            label_schema=SCHEMA,
            guidelines="Mark organisations and people.",
        )
        photo = media.upload_media(
            s, actor=owner.user, workspace_id=ws.id, project_id=project.id, data=png(640, 480)
        )
        body = "\n".join(json.dumps(item(n, photo.id)) for n in range(2))
        imports.import_items(
            s,
            actor=owner.user,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO(body.encode()),
            fmt=ImportFormat.JSONL,
        )
        return project.id


def test_every_widget_by_mouse_and_by_keyboard(
    server: str, sqlite_database: Database, tmp_path: Path
) -> None:
    executable = chromium_path()
    from playwright.sync_api import expect

    factory = Factory(sqlite_database)
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR, label="annotator")
    pid = setup_project(sqlite_database, owner, ws)
    ARTIFACTS.mkdir(exist_ok=True)

    with browser_page(executable) as (page, problems):
        log_in(page, server, annotator.email)
        annotate_url = f"{server}/w/{ws.id}/p/{pid}/annotate"
        response = page.goto(annotate_url)
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp
        form = page.locator("#task-form[data-ready='true']")
        expect(form).to_be_visible()
        expect(page.locator(".guidelines")).to_contain_text("Mark organisations")
        check_inert(page)
        check_chat_formats(page, expect)
        check_inert(page)

        label_with_the_mouse(page, expect)
        page.screenshot(path=ARTIFACTS / "web-widgets-mouse.png", full_page=True)
        page.click("#submit-button")
        expect(page.locator("#last-submitted")).to_be_visible()
        second = page.locator("#task-form[data-ready='true']")
        expect(second).to_be_visible()
        first_saved = page.locator("#last-submitted a").get_attribute("href")

        label_with_the_keyboard(page, expect)
        page.screenshot(path=ARTIFACTS / "web-widgets-keyboard.png", full_page=True)
        page.keyboard.press("Enter")
        expect(page.locator("#all-done")).to_be_visible()
        second_saved = page.locator("#all-done #last-submitted a").get_attribute("href")

        assert first_saved is not None
        page.goto(server + first_saved)
        expect(page.locator("#task-form[data-ready='true']")).to_be_visible()
        check_mouse_answers(page, expect)
        check_inert(page)
        page.screenshot(path=ARTIFACTS / "web-widgets-reopened.png", full_page=True)
        assert second_saved is not None and second_saved != first_saved
        page.goto(server + second_saved)
        expect(page.locator("#task-form[data-ready='true']")).to_be_visible()
        check_keyboard_answers(page, expect)
    # the one deliberate empty submission answers 422; nothing else may complain
    refused = [p for p in problems if "status of 422" in p]
    assert len(refused) == 1
    assert [p for p in problems if p not in refused] == []

    with sqlite_database.session() as db:
        done = projects.get_project(db, actor=owner.user, workspace_id=ws.id, project_id=pid)
    assert done.counts.annotations == 2


def check_chat_formats(page: Any, expect: Any) -> None:
    """A chat's turns show formatted or, at a click, as the plain text that was written."""
    turn = page.locator("[data-field='dialog'] [data-step='1']")
    expect(turn.locator("strong")).to_have_text("Hi!")
    page.click("[data-field='dialog'] .chat-format")
    expect(turn.locator(".turn-plain")).to_have_text("**Hi!** " + XSS_SCRIPT)
    expect(turn.locator(".turn-content.markdown")).to_be_hidden()
    page.click("[data-field='dialog'] .chat-format")
    expect(turn.locator(".turn-plain")).to_be_hidden()


def check_inert(page: Any) -> None:
    """No hostile markup became elements, no handler ran, no outside URL got an element."""
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator(".item-fields script").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("img[src^='https://']").count() == 0
    assert page.locator(".markdown a[href='https://example.com']").first.get_attribute("rel") == (
        "noopener nofollow noreferrer"
    )
    expect_text = page.locator("[data-field='review'] .item-text")
    assert XSS_IMG in expect_text.inner_text()
    photo = page.locator("[data-field='photo'] img")
    assert (photo.get_attribute("src") or "").startswith("/w/")
    assert page.evaluate("document.querySelector(\"[data-field='photo'] img\").naturalWidth") == 640


def label_with_the_mouse(page: Any, expect: Any) -> None:
    # Nothing chosen: the 422 names the question, next to it.
    page.click("#submit-button")
    expect(page.locator("#question-sentiment .question-error")).to_contain_text("required")
    expect(page.locator("#task-form[data-ready='true']")).to_be_visible()

    expect(page.locator("#question-reason")).to_be_hidden()
    page.click("#question-sentiment label:has-text('neg')")
    expect(page.locator("#question-reason")).to_be_visible()  # shown live by the condition
    page.click("#question-reason textarea")
    page.keyboard.type("too vague")
    expect(page.locator("#question-reason .text-count")).to_have_text("9")

    page.click("[data-criterion='clarity'] label:has-text('4')")
    page.click("[data-criterion='accuracy'] label:has-text('5')")

    # Select "Acme Corp" with the mouse: UTF-16 units 3..12 (the emoji is two units).
    page.locator("[data-span-field='review']").scroll_into_view_if_needed()
    box = char_rect(page, "[data-span-field='review']", 3, 12)
    y = (box["top"] + box["bottom"]) / 2
    page.mouse.move(box["left"] + 1, y)
    page.mouse.down()
    page.mouse.move(box["right"] - 1, y, steps=5)
    page.mouse.up()
    page.click("#question-entities .widget-labels label:has-text('ORG')")
    expect(page.locator("#question-entities .span-item")).to_have_count(1)

    page.locator("[data-image-field='photo'] svg").scroll_into_view_if_needed()
    frame = page.locator("[data-image-field='photo'] svg").bounding_box()
    page.mouse.move(frame["x"] + frame["width"] * 0.1, frame["y"] + frame["height"] * 0.1)
    page.mouse.down()
    page.mouse.move(frame["x"] + frame["width"] * 0.4, frame["y"] + frame["height"] * 0.5, steps=8)
    page.mouse.up()
    expect(page.locator("[data-image-field='photo']")).to_have_attribute("data-boxes", "1")
    # move it by dragging its middle
    page.mouse.move(frame["x"] + frame["width"] * 0.25, frame["y"] + frame["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(frame["x"] + frame["width"] * 0.35, frame["y"] + frame["height"] * 0.3, steps=8)
    page.mouse.up()
    # resize it by its bottom-right corner: 5% wider and 5% taller
    corner_x, corner_y = frame["x"] + frame["width"] * 0.5, frame["y"] + frame["height"] * 0.5
    expect(page.locator("[data-image-field='photo'] .handle[data-corner='se']")).to_have_count(1)
    page.mouse.move(corner_x, corner_y)
    page.mouse.down()
    page.mouse.move(corner_x + frame["width"] * 0.05, corner_y + frame["height"] * 0.05, steps=6)
    page.mouse.up()

    row = page.locator("#question-preference [data-criterion='']")
    row.locator("label:has-text('B is better')").click()
    row.locator("label:has-text('much')").click()

    cards = page.locator("#question-order .rank-item")
    cards.nth(1).drag_to(cards.nth(0), target_position={"x": 10, "y": 2})
    expect(cards.nth(0)).to_have_attribute("data-id", "resp_b")

    run = page.locator("[data-field='run']")
    run.locator("[data-index='0'] label:has(input[value='correct'])").click()
    run.locator("[data-index='1'] label:has(input[value='incorrect'])").click()
    run.locator("[data-index='1'] button:has-text('Rewrite')").click()
    run.locator("[data-index='1'] textarea").fill("search for the right thing")

    assert value_of(page, "entities") == [
        {"start": 2, "end": 11, "label": "ORG", "text": "Acme Corp"}
    ]


def check_mouse_answers(page: Any, expect: Any) -> None:
    expect(page.locator("#task-form")).to_have_attribute("data-readonly", "true")
    assert page.locator("#question-sentiment input[value='neg']").is_checked()
    assert page.locator("#question-reason textarea").input_value() == "too vague"
    assert value_of(page, "quality") == {"clarity": 4, "accuracy": 5}
    assert value_of(page, "entities") == [
        {"start": 2, "end": 11, "label": "ORG", "text": "Acme Corp"}
    ]
    expect(page.locator("[data-span-field='review'] mark.span-seg")).to_have_text("Acme Corp")
    boxes = value_of(page, "objects")
    assert isinstance(boxes, list) and len(boxes) == 1
    b = boxes[0]
    assert b["label"] == "car" and b["shape"] == "rectangle"
    # drawn over 10%..40% x 10%..50%, moved right by 10% of 640 px, then grown by 5%
    assert b["x"] == pytest.approx(128, abs=4) and b["y"] == pytest.approx(48, abs=4)
    assert b["width"] == pytest.approx(224, abs=4) and b["height"] == pytest.approx(216, abs=4)
    expect(page.locator("[data-image-field='photo'] rect.box")).to_have_count(1)
    assert value_of(page, "preference") == {"choice": "b", "strength": 3}
    assert value_of(page, "order") == ["resp_b", "resp_a"]
    expect(page.locator("#question-order .rank-item").first).to_have_attribute("data-id", "resp_b")
    assert value_of(page, "steps") == {
        "steps": [
            {"index": 0, "label": "correct"},
            {"index": 1, "label": "incorrect", "rewrite": "search for the right thing"},
        ],
        "first_error": 1,
    }
    assert page.locator("[data-index='1'] input[value='incorrect']").is_checked()


def label_with_the_keyboard(page: Any, expect: Any) -> None:
    page.keyboard.press("1")  # sentiment: pos
    expect(page.locator("#question-sentiment input[value='pos']")).to_be_checked()
    expect(page.locator("#question-reason")).to_be_hidden()

    page.locator("[data-criterion='clarity'] input").first.focus()
    page.keyboard.press("3")
    page.locator("[data-criterion='accuracy'] input").first.focus()
    page.keyboard.press("2")

    # "Ada": code points 18..21, reached with the arrow keys (the emoji is one step).
    page.locator("[data-span-field='review']").focus()
    for _ in range(18):
        page.keyboard.press("ArrowRight")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("3")  # PER
    expect(page.locator("#question-entities .span-item")).to_have_count(1)

    page.locator("[data-image-field='photo'] svg").focus()
    page.keyboard.press("r")
    for _ in range(5):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Alt+ArrowRight")  # 0.64 px wider each (1/1000 of the long side)
    page.keyboard.press("Alt+ArrowRight")
    page.keyboard.press("6")  # relabel the selected box: person

    page.locator("#question-preference [data-criterion=''] input").first.focus()
    page.keyboard.press("a")
    page.keyboard.press("2")

    page.locator("#question-order .rank-item").first.focus()
    page.keyboard.press("Shift+ArrowDown")

    page.locator("[data-field='run'] [data-index='0'] input").first.focus()
    page.keyboard.press("c")
    page.keyboard.press("n")
    page.keyboard.press("x")

    check_keyboard_answers(page, expect)


def check_keyboard_answers(page: Any, expect: Any) -> None:
    assert page.locator("#question-sentiment input[value='pos']").is_checked()
    expect(page.locator("#question-reason")).to_be_hidden()
    assert value_of(page, "quality") == {"clarity": 3, "accuracy": 2}
    assert value_of(page, "entities") == [{"start": 18, "end": 21, "label": "PER", "text": "Ada"}]
    boxes = value_of(page, "objects")
    assert isinstance(boxes, list)
    assert boxes == [
        {"shape": "rectangle", "label": "person", "x": 288, "y": 192, "width": 129.28, "height": 96}
    ]
    assert value_of(page, "preference") == {"choice": "a", "strength": 2}
    assert value_of(page, "order") == ["resp_b", "resp_a"]
    assert value_of(page, "steps") == {
        "steps": [
            {"index": 0, "label": "correct"},
            {"index": 1, "label": "neutral"},
            {"index": 2, "label": "incorrect"},
        ],
        "first_error": 2,
    }
