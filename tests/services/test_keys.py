"""Workspace keys: rotation re-encrypts, passphrases lock, rows are bound, deletion shreds."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from conftest import MASTER_KEY, World
from tessera.app import create_app
from tessera.security.envelope import Keyring
from tessera.services import keys
from tessera.settings import Settings
from tessera.storage.engine import Database
from tessera.storage.tables import annotations, items, media, workspace_keys

MARKER = "okapi-marker-5521"


def _label_all(w: World) -> None:
    a = w.annotators[0]
    while (t := w.next_task(a)) is not None:
        assert w.submit(a, t["assignment_id"], {"sentiment": "neutral", "note": MARKER})


def _versions(database: Database, ws: int) -> set[int]:
    ring = Keyring(MASTER_KEY)
    with database.engine.connect() as conn:
        blobs = [
            r[0] for r in conn.execute(select(items.c.content).where(items.c.workspace_id == ws))
        ]
        blobs += [
            r[0]
            for r in conn.execute(
                select(annotations.c.value).where(annotations.c.workspace_id == ws)
            )
        ]
        blobs += [
            r[0] for r in conn.execute(select(media.c.content).where(media.c.workspace_id == ws))
        ]
    return {ring.key_version_of(bytes(b)) for b in blobs}


def test_rotation_reencrypts_everything_and_destroys_the_old_key(world: World) -> None:
    world.import_jsonl([{"text": f"the {MARKER}"}])
    _label_all(world)
    png = b"\x89PNG\r\n\x1a\n" + MARKER.encode()
    upload = world.client.post(
        f"{world.project_url}/media", content=png, headers=world.owner.headers
    )
    database: Database = world.client.app.state.database  # type: ignore[attr-defined]
    ws = world.workspace.id
    assert _versions(database, ws) == {1}
    seen: list[tuple[int, int]] = []
    with database.session() as db:
        version = keys.rotate_key(
            db,
            actor=world.owner.user,
            workspace_id=ws,
            progress=lambda done, total: seen.append((done, total)),
            settle_s=0,
        )
    assert version == 2
    assert _versions(database, ws) == {2}
    assert seen and seen[-1][0] == seen[-1][1] == 13  # 6 items + 6 answers + 1 image
    fetched = world.client.get(
        f"{world.base}/media/{upload.json()['id']}", headers=world.owner.headers
    )
    assert fetched.content == png
    with database.engine.connect() as conn:
        left = [
            r[0]
            for r in conn.execute(
                select(workspace_keys.c.version).where(workspace_keys.c.workspace_id == ws)
            )
        ]
    assert left == [2]
    export = world.client.get(f"{world.project_url}/export", headers=world.owner.headers).text
    assert export.count(MARKER) == 7


def test_only_owners_manage_keys(world: World) -> None:
    for who in (world.manager, world.annotators[0]):
        r = world.client.get(f"{world.base}/keys", headers=who.headers)
        assert r.status_code == 403
    r = world.client.get(f"{world.base}/keys", headers=world.owner.headers)
    assert r.json() == {
        "versions": [1],
        "active_version": 1,
        "is_customer_held": False,
        "is_unlocked": True,
    }


def test_passphrase_locks_the_workspace_after_a_restart(
    world: World, settings: Settings, database: Database
) -> None:
    h = world.owner.headers
    r = world.client.post(f"{world.base}/keys/passphrase", json={"passphrase": "short"}, headers=h)
    assert r.status_code == 422
    phrase = {"passphrase": "our very own passphrase"}
    assert (
        world.client.post(f"{world.base}/keys/passphrase", json=phrase, headers=h).status_code
        == 204
    )
    assert world.client.get(f"{world.project_url}/items", headers=h).status_code == 200
    # A restart: a new process has the same master key and database, and nothing unlocked.
    restarted = Database(database.engine, Keyring(MASTER_KEY))
    with TestClient(create_app(settings, database=restarted), base_url="https://testserver") as c:
        r = c.get(f"{world.project_url}/items", headers=h)
        assert r.status_code == 423 and r.json()["error"]["code"] == "workspace_locked"
        r = c.post(f"{world.base}/keys/unlock", json={"passphrase": "not the right one"}, headers=h)
        assert r.status_code == 422
        assert c.post(f"{world.base}/keys/unlock", json=phrase, headers=h).status_code == 204
        r = c.get(f"{world.project_url}/items", headers=h)
        assert r.status_code == 200 and len(r.json()["items"]) == 5
        # the operator's master key alone cannot unwrap the stored key
        with restarted.engine.connect() as conn:
            row = conn.execute(
                select(workspace_keys).where(workspace_keys.c.workspace_id == world.workspace.id)
            ).one()
        assert row.is_customer_held
        assert c.post(f"{world.base}/keys/lock", headers=h).status_code == 204
        assert c.get(f"{world.project_url}/items", headers=h).status_code == 423


def test_a_ciphertext_moved_to_another_row_does_not_open(world: World) -> None:
    database: Database = world.client.app.state.database  # type: ignore[attr-defined]
    with database.engine.begin() as conn:
        rows = conn.execute(
            select(items.c.id, items.c.content)
            .where(items.c.project_id == world.project_id)
            .order_by(items.c.id)
        ).all()
        conn.execute(update(items).where(items.c.id == rows[1].id).values(content=rows[0].content))
    r = world.client.get(f"{world.project_url}/items", headers=world.owner.headers)
    assert r.status_code == 500
    assert "review" not in r.text


def test_deleting_a_workspace_shreds_its_key(world: World, database_url: str) -> None:
    world.import_jsonl([{"text": f"the {MARKER}"}])
    _label_all(world)
    png = b"\x89PNG\r\n\x1a\n" + MARKER.encode() * 8
    upload = world.client.post(
        f"{world.project_url}/media", content=png, headers=world.owner.headers
    )
    assert upload.status_code == 201, upload.text
    database: Database = world.client.app.state.database  # type: ignore[attr-defined]
    ws = world.workspace.id
    with database.engine.connect() as conn:
        wrapped = bytes(
            conn.execute(
                select(workspace_keys.c.wrapped_key).where(workspace_keys.c.workspace_id == ws)
            ).scalar_one()
        )
    r = world.client.delete(world.base, headers=world.manager.headers)
    assert r.status_code == 403
    r = world.client.delete(world.base, headers=world.owner.headers)
    assert r.status_code == 204
    assert world.client.get(world.base, headers=world.owner.headers).status_code == 404
    with database.engine.connect() as conn:
        assert (
            conn.execute(select(workspace_keys).where(workspace_keys.c.workspace_id == ws)).first()
            is None
        )
        assert conn.execute(select(items).where(items.c.workspace_id == ws)).first() is None
        assert conn.execute(select(media).where(media.c.workspace_id == ws)).first() is None
    if not database_url.startswith("sqlite"):
        return
    db_path = Path(database_url.removeprefix("sqlite:///"))
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        if path.exists():
            raw = path.read_bytes()
            assert wrapped not in raw and wrapped[12:40] not in raw, path
            assert MARKER.encode() not in raw


@pytest.mark.parametrize("who", ["manager", "annotator"])
def test_others_cannot_delete(world: World, who: str) -> None:
    person = world.manager if who == "manager" else world.annotators[0]
    assert world.client.delete(world.base, headers=person.headers).status_code == 403
