"""The web UI in a real browser: Debian's chromium, driven by playwright, keyboard only."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn

from conftest import MASTER_KEY, SECRET_KEY, TEST_PASSWORD, TEXT_SCHEMA, Factory
from tessera.app import create_app
from tessera.domain.entities import Role
from tessera.formats import ImportFormat
from tessera.security.envelope import Keyring
from tessera.services import imports, projects
from tessera.settings import MASTER_KEY_FILE, SECRET_KEY_FILE, Settings
from tessera.storage import migrate
from tessera.storage.engine import Database, make_engine, make_single_use_engine

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ITEMS = [
    "The battery lasts two full days.\nCharging is quick, too.",
    "Arrived broken and support never answered.",
    "It does what it says. Nothing more, nothing less.",
    "Great value for the price; the build quality surprised me.",
    "Stopped working after a week <b>again</b>.",
]


def chromium_path() -> str:
    found = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    found = found or shutil.which("chromium")
    if found is None:
        reason = "browser tests need Debian's chromium at /usr/bin/chromium (apt install chromium)"
        if os.environ.get("TESSERA_REQUIRE_ALL_TESTS"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@contextmanager
def browser_page(executable: str, *, height: int = 900) -> Iterator[tuple[Page, list[str]]]:
    """A chromium page with generous waits (CI runs it beside another test worker on two
    cores) and the list its console errors, warnings and page errors are written to."""
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": height})
            page.set_default_timeout(20_000)
            expect.set_options(timeout=20_000)
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            yield page, problems
        finally:
            browser.close()


def log_in(page: Page, server: str, email: str) -> None:
    page.goto(server + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    migrate.upgrade(make_single_use_engine(url))
    db = Database(make_engine(url), Keyring(MASTER_KEY))
    yield db
    db.dispose()


@pytest.fixture
def server(tmp_path: Path, sqlite_database: Database) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, with default (Secure) cookies."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for name, content in ((SECRET_KEY_FILE, SECRET_KEY.encode()), (MASTER_KEY_FILE, MASTER_KEY)):
        (data_dir / name).write_bytes(content)
        (data_dir / name).chmod(0o600)
    settings = Settings(data_dir=data_dir, database_url=str(sqlite_database.engine.url))
    assert settings.cookie_secure
    app = create_app(settings, database=sqlite_database)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_label_three_items_with_the_keyboard(
    server: str, sqlite_database: Database, tmp_path: Path
) -> None:
    executable = chromium_path()
    from playwright.sync_api import expect

    factory = Factory(sqlite_database)
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR, label="annotator")
    with sqlite_database.session() as db:
        project = projects.create_project(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            name="Product reviews",
            description="Label the sentiment of each customer review.",
            label_schema=TEXT_SCHEMA,
        )
        body = "\n".join(
            json.dumps({"external_id": f"r{i}", "text": t}) for i, t in enumerate(ITEMS)
        )
        imports.import_items(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO(body.encode()),
            fmt=ImportFormat.JSONL,
        )
    ARTIFACTS.mkdir(exist_ok=True)

    with browser_page(executable, height=860) as (page, problems):
        page.goto(server + "/login")
        page.fill("input[name=email]", annotator.email)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.screenshot(path=ARTIFACTS / "web-login.png")
        page.click("button[type=submit]")
        page.wait_for_url(server + "/")
        # Chromium keeps the Secure cookie although the server is plain http on loopback.
        cookie = next(c for c in page.context.cookies() if c["name"] == "tessera_session")
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        expect(page.locator(".user-email")).to_have_text(annotator.email)
        page.screenshot(path=ARTIFACTS / "web-home.png")

        page.click(f"a[href='/w/{ws.id}/p/{project.id}']")
        expect(page.locator("#count-done")).to_have_text("0")
        page.click("#annotate-button")
        progress = page.locator("#progress")
        expect(progress).to_have_attribute("data-done", "0")

        for n in range(1, 4):
            form = page.locator("#task-form")
            expect(form).to_be_visible()
            assignment = form.get_attribute("data-assignment")
            page.keyboard.press("1" if n != 2 else "2")
            page.keyboard.press("4")  # a topic (multi choice), toggled on
            if n == 1:
                expect(page.locator("input[data-hotkey='1']")).to_be_checked()
                page.screenshot(path=ARTIFACTS / "web-annotate.png", full_page=True)
            page.keyboard.press("Enter")
            expect(progress).to_have_attribute("data-done", str(n))
            expect(page.locator("#task-form")).not_to_have_attribute(
                "data-assignment", assignment or ""
            )
        expect(page.locator(".done-count")).to_have_text("3")
        page.screenshot(path=ARTIFACTS / "web-annotate-after.png", full_page=True)
        skipped = page.locator("#task-form").get_attribute("data-assignment")
        page.keyboard.press("s")  # skip: the next item comes, nothing is counted
        expect(page.locator("#task-form")).not_to_have_attribute("data-assignment", skipped or "")
        expect(progress).to_have_attribute("data-done", "3")

        page.goto(server + f"/w/{ws.id}/p/{project.id}")
        expect(page.locator("#count-done")).to_have_text("3")
        expect(page.locator("#count-annotations")).to_have_text("3")
        expect(page.locator("#import")).to_have_count(0)  # annotators cannot import

        page.click("text=Log out")
        page.wait_for_url(server + "/login")
        page.goto(server + f"/w/{ws.id}/p/{project.id}")
        page.wait_for_url(server + "/login")  # the session is gone
        page.fill("input[name=email]", owner.email)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server + "/")
        page.goto(server + f"/w/{ws.id}/p/{project.id}")
        expect(page.locator("#export a")).to_have_count(2)
        expect(page.locator("#stat-done")).to_have_text("3")  # the manager's serving view
        expect(page.locator("#annotator-progress tbody tr")).to_have_count(1)
        page.screenshot(path=ARTIFACTS / "web-project.png", full_page=True)

    with sqlite_database.session() as db:
        done = projects.get_project(db, actor=owner.user, workspace_id=ws.id, project_id=project.id)
    assert (done.counts.items, done.counts.done, done.counts.annotations) == (5, 3, 3)
    assert problems == []
