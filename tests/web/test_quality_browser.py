"""The quality page in a real browser: a manager opens it from the project page, aggregates,
and sees the plots (server-side SVG) with no console error under the CSP."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from test_browser import (
    ARTIFACTS,
    browser_page,
    chromium_path,
    log_in,
    server,
    sqlite_database,
)

from conftest import TEXT_SCHEMA, Factory, answer_all
from tessera.domain.entities import Role
from tessera.domain.quality_rules import QualitySettings
from tessera.formats import ImportFormat
from tessera.services import imports, projects
from tessera.storage.engine import Database

pytestmark = pytest.mark.browser
__all__ = ["server", "sqlite_database"]  # fixtures shared with test_browser.py


def _labelled_project(database: Database, factory: Factory) -> tuple[object, int, int, str]:
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    people = [factory.add(ws, owner, Role.ANNOTATOR, with_password=False) for _ in range(3)]
    rows = [{"external_id": f"r{i}", "text": f"review {i}"} for i in range(6)]
    rows.append({"external_id": "gold <1>", "text": "gold", "gold": {"sentiment": "positive"}})
    with database.session() as db:
        project = projects.create_project(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            name="Reviews",
            label_schema=TEXT_SCHEMA,
            annotations_per_item=3,
            quality=QualitySettings(gold_rate=1.0),
        )
        imports.import_items(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO("\n".join(json.dumps(r) for r in rows).encode()),
            fmt=ImportFormat.JSONL,
        )
        labels = ["positive", "negative", "neutral"]
        for k, who in enumerate(people):
            answer_all(
                db,
                who.user,
                workspace_id=ws.id,
                project_id=project.id,
                value=lambda n, k=k: {
                    "sentiment": "positive" if n % 2 == 0 else labels[(n + k) % 3]
                },
            )
    return owner, ws.id, project.id, owner.email


def test_manager_opens_the_quality_page_and_sees_the_plots(
    server: str, sqlite_database: Database, tmp_path: Path
) -> None:
    executable = chromium_path()
    from playwright.sync_api import expect

    factory = Factory(sqlite_database)
    _, wid, pid, email = _labelled_project(sqlite_database, factory)
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(executable) as (page, problems):
        log_in(page, server, email)
        page.goto(server + f"/w/{wid}/p/{pid}")
        page.click("#quality-link")
        page.wait_for_url(server + f"/w/{wid}/p/{pid}/quality")
        expect(page.locator("#aggregated-at")).to_contain_text("Not aggregated yet")
        page.click("#aggregate-button")
        expect(page.locator("#notice")).to_be_visible()
        expect(page.locator("#agreement-plot rect.plot-bar")).to_have_count(2)
        expect(page.locator("#gold-plot rect.plot-bar")).to_have_count(3)
        expect(page.locator("svg.plot-histogram")).to_have_count(1)
        expect(page.locator("svg.plot-heatmap")).to_have_count(3)
        expect(page.locator("#results-table tbody tr")).to_have_count(6)
        assert page.locator("#gold-plot").bounding_box()["width"] > 300  # type: ignore[index]
        page.screenshot(path=ARTIFACTS / "web-quality.png", full_page=True)
    assert problems == []
