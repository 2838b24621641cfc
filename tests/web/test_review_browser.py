"""Reviewing in a real browser (Debian's chromium, playwright), keyboard only."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from test_browser import (  # noqa: F401  (server and sqlite_database are fixtures)
    ARTIFACTS,
    browser_page,
    chromium_path,
    log_in,
    server,
    sqlite_database,
)

from conftest import TEXT_SCHEMA, Factory, Person
from tessera.domain.entities import Role
from tessera.formats import ImportFormat
from tessera.services import assignment, imports, projects, review_stats
from tessera.storage.engine import Database

pytestmark = pytest.mark.browser

ANSWERS = ["positive", "negative", "neutral"]


def _labelled_project(database: Database) -> tuple[Factory, Any, Person, Person]:
    factory = Factory(database)
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR, label="annotator", with_password=False)
    reviewer = factory.add(ws, owner, Role.REVIEWER, label="reviewer")
    with database.session() as db:
        project = projects.create_project(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            name="Reviewed",
            label_schema=TEXT_SCHEMA,
            review_rate=1.0,
        )
        body = "\n".join(
            json.dumps({"external_id": f"r{i}", "text": f"Review <b>{i}</b>"}) for i in range(3)
        )
        imports.import_items(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO(body.encode()),
            fmt=ImportFormat.JSONL,
        )
        for sentiment in ANSWERS:
            task = assignment.next_task(
                db, actor=annotator.user, workspace_id=ws.id, project_id=project.id
            )
            assert task is not None
            assignment.submit_annotation(
                db,
                actor=annotator.user,
                workspace_id=ws.id,
                assignment_id=task.assignment.id,
                value={"sentiment": sentiment},
            )
    return factory, (owner, ws, project), annotator, reviewer


def test_review_three_answers_with_the_keyboard(
    server: str,  # noqa: F811
    sqlite_database: Database,  # noqa: F811
    tmp_path: Path,
) -> None:
    executable = chromium_path()
    from playwright.sync_api import expect

    _, (owner, ws, project), _, reviewer = _labelled_project(sqlite_database)
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(executable, height=860) as (page, problems):
        log_in(page, server, reviewer.email)
        page.goto(server + f"/w/{ws.id}/p/{project.id}")
        expect(page.locator("#review-pending")).to_have_text("3")
        page.click("#review-button")

        form = page.locator("#review-form")
        expect(form).to_have_attribute("data-ready", "true")
        expect(page.locator(".item-fields")).to_contain_text("Review <b>")  # shown as text
        page.screenshot(path=ARTIFACTS / "web-review.png", full_page=True)
        first = form.get_attribute("data-review")
        page.keyboard.press("a")  # accept
        expect(page.locator("#review-notice")).to_contain_text("accept")
        expect(form).not_to_have_attribute("data-review", first or "")
        expect(form).to_have_attribute("data-ready", "true")

        second = form.get_attribute("data-review")
        page.keyboard.press("r")  # reject to the annotator: the reason box takes the keys
        expect(page.locator("#review-reason")).to_be_focused()
        page.keyboard.type("Read the second sentence again")
        page.keyboard.press("Enter")
        expect(page.locator("#review-notice")).to_contain_text("reject")
        expect(form).not_to_have_attribute("data-review", second or "")
        expect(form).to_have_attribute("data-ready", "true")

        page.keyboard.press("f")  # fix: the panel opens on the first option
        expect(page.locator("#fix-panel")).to_have_attribute("open", "")
        page.keyboard.press("1")  # the first option, by its hotkey (the answer was neutral)
        expect(page.locator("input[name='q.sentiment'][value='positive']")).to_be_checked()
        page.screenshot(path=ARTIFACTS / "web-review-fix.png", full_page=True)
        page.keyboard.press("Control+Enter")
        expect(page.locator("#review-done")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "web-review-done.png", full_page=True)

    with sqlite_database.session() as db:
        stats = review_stats.review_stats(
            db, actor=owner.user, workspace_id=ws.id, project_id=project.id
        )
    p = stats.progress
    assert (p.accepted, p.returned, p.fixed, p.pending) == (1, 1, 1, 0)
    assert problems == []
