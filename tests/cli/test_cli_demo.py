"""`tessera demo`: five logins that work, about 200 reviews, and no duplicate on a rerun."""

from __future__ import annotations

import json

from cli_runner import Cli, ok, refused

from tessera.services import accounts, demo, projects
from tessera.settings import Settings
from tessera.storage.engine import Database


def test_demo_creates_logins_and_reviews_once(settings: Settings, database: Database) -> None:
    cli = Cli(settings.data_dir, settings.database_url)
    out = ok(cli("demo", "--if-missing")).stdout
    assert "shown only this once" in out
    with database.session() as db:
        found = demo.find_demo(db)
        assert found is not None
        assert found.project.counts.items == demo.REVIEW_COUNT
        users = {}
        for login in found.logins:
            # Each printed password logs in: it is the word after the email on its row.
            row = next(line for line in out.splitlines() if login.email in line)
            password = row.split(login.email)[1].strip(" │|").split()[0]
            users[login.role] = accounts.authenticate(db, email=login.email, password=password)
        assert users["operator"].is_operator
        owner = users["owner"]
        items = projects.list_items(
            db,
            actor=owner,
            workspace_id=found.workspace.id,
            project_id=found.project.id,
            limit=1000,
        )
    roles = {login.role for login in found.logins}
    assert roles == {"operator", "owner", "manager", "annotator"}
    texts = [str(json.loads(i.content_json)["review"]) for i in items]
    assert len(set(texts)) == demo.REVIEW_COUNT  # all different, none a placeholder
    assert all(len(t.split()) >= 2 and "item" not in t.lower().split() for t in texts)

    again = ok(cli("demo", "--if-missing")).stdout
    assert "already exists" in again
    assert "tessera user set-password EMAIL" in again
    with database.session() as db:
        found_again = demo.find_demo(db)
    assert found_again is not None
    assert found_again.project.id == found.project.id
    assert found_again.project.counts.items == demo.REVIEW_COUNT
    refused(cli("demo"), "already exists")


def test_demo_reviews_are_deterministic_and_varied() -> None:
    from tessera.services.demo_data import demo_reviews

    first, second = demo_reviews(200), demo_reviews(200)
    assert first == second
    assert len({r["product"] for r in first}) >= 12
    lengths = sorted(len(r["review"]) for r in first)
    assert lengths[0] < 40 and lengths[-1] > 200  # short and long ones
