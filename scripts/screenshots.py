"""Save each template's annotate page as docs/screenshots/<template>.png.

Starts a Tessera server on a fresh data directory (SQLite, loopback only), creates the demo
workspace with `tessera demo`'s service (one project per template), logs in as an annotator in
Debian's chromium (playwright) and photographs the first task of every template project.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--chromium PATH]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

from tessera.app import create_app
from tessera.domain.entities import Project
from tessera.services import demo
from tessera.services.templates import TEMPLATES
from tessera.settings import Settings, create_keys
from tessera.startup import open_database
from tessera.storage import migrate
from tessera.storage.engine import make_single_use_engine

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _chromium(given: str | None) -> str:
    found = given or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise SystemExit("needs Debian's chromium (apt install chromium) or --chromium PATH")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default=None)
    args = parser.parse_args()
    executable = _chromium(args.chromium)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tessera-shots-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        create_keys(settings)
        migrate.upgrade(make_single_use_engine(settings.resolved_database_url()))
        database = open_database(settings)
        with database.session() as db:
            creds = demo.create_demo(db, review_count=20)
        annotator = next(x for x in creds.logins if x.role == "annotator")
        by_name = {p.name: p for p in creds.template_projects}
        app = create_app(settings, database=database)
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        try:
            _photograph(
                base,
                executable,
                annotator.email,
                annotator.password or "",
                by_name,
                creds.workspace.id,
                args.out,
            )
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            database.dispose()


def _photograph(
    base: str,
    executable: str,
    email: str,
    password: str,
    by_name: dict[str, Project],
    workspace_id: int,
    out: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        for key, template in TEMPLATES.items():
            project = by_name[template.title]
            page.goto(f"{base}/w/{workspace_id}/p/{project.id}/annotate")
            page.wait_for_selector("#task-form", timeout=20_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_function(
                "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
            )
            path = out / f"{key}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        browser.close()


if __name__ == "__main__":
    main()
