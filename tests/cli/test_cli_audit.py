"""`tessera audit verify` and `tessera audit checkpoint`: tables, exit codes, first bad event."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import Cli, ok, refused
from sqlalchemy import delete, update

from conftest import Factory, Person
from tessera.domain.entities import Role, Workspace
from tessera.services import ledger
from tessera.settings import SIGNING_KEY_FILE, Settings
from tessera.storage.engine import Database, write_transaction
from tessera.storage.tables import access_events, ledger_checkpoints, ledger_heads


@pytest.fixture
def cli(settings: Settings) -> Cli:
    key = settings.data_dir / SIGNING_KEY_FILE
    key.write_bytes(secrets.token_bytes(32))
    key.chmod(0o600)
    return Cli(settings.data_dir, settings.database_url)


@pytest.fixture
def owned(factory: Factory, database: Database) -> Iterator[tuple[Person, Workspace]]:
    """A workspace with a few events; its chain is removed afterwards (others verify all)."""
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    for i in range(5):
        with database.session() as db, write_transaction(db):
            ledger.record(
                db, workspace_id=ws.id, actor=owner.user, action="item.viewed", object_id=i
            )
    yield owner, ws
    with database.engine.begin() as conn:
        for table in (access_events, ledger_heads, ledger_checkpoints):
            conn.execute(delete(table).where(table.c.workspace_id == ws.id))


def _last_seq(database: Database, ws: Workspace) -> int:
    with database.session() as db:
        return ledger.verify_chain(db, ws.id).events


def test_verify_passes_then_names_the_altered_event(
    cli: Cli, database: Database, owned: tuple[Person, Workspace]
) -> None:
    _, ws = owned
    out = ok(cli("audit", "verify")).stdout
    assert f"workspace {ws.id}" in out and "intact" in out
    seq = _last_seq(database, ws) - 1
    with database.engine.begin() as conn:
        conn.execute(
            update(access_events)
            .where(access_events.c.workspace_id == ws.id, access_events.c.seq == seq)
            .values(object_id="999")
        )
    refused(cli("audit", "verify"), f"workspace {ws.id}: event {seq} was altered")
    refused(cli("audit", "verify", "--workspace", str(ws.id)), f"event {seq} was altered")


def test_verify_names_a_missing_event(
    cli: Cli, database: Database, owned: tuple[Person, Workspace]
) -> None:
    _, ws = owned
    seq = _last_seq(database, ws) - 2
    with database.engine.begin() as conn:
        conn.execute(
            delete(access_events).where(
                access_events.c.workspace_id == ws.id, access_events.c.seq == seq
            )
        )
    refused(cli("audit", "verify", "--workspace", str(ws.id)), f"event {seq} is missing")


def test_checkpoint_file_and_verify_against_it(
    cli: Cli, database: Database, factory: Factory, owned: tuple[Person, Workspace], tmp_path: Path
) -> None:
    owner, ws = owned
    file = tmp_path / "cp.json"
    out = ok(
        cli("audit", "checkpoint", "--workspace", str(ws.id), "--as", owner.email, "-o", str(file))
    )
    cp = json.loads(file.read_text())
    assert f"at event {cp['seq']}" in out.stdout
    assert cp["workspace_id"] == ws.id and cp["seq"] == _last_seq(database, ws)
    assert "holds" in ok(cli("audit", "verify", "--checkpoint", str(file))).stdout

    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**cp, "seq": cp["seq"] - 1}))
    refused(cli("audit", "verify", "--checkpoint", str(forged)), "signature is not valid")
    other = tmp_path / "garbage.json"
    other.write_text("{not json")
    refused(cli("audit", "verify", "--checkpoint", str(other)), "cannot read the checkpoint")

    annotator = factory.add(ws, owner, Role.ANNOTATOR, with_password=False)
    args = ("audit", "checkpoint", "--workspace", str(ws.id), "--as", annotator.email)
    refused(cli(*args, "-o", str(tmp_path / "no.json")), "may not view ledger")
    assert not (tmp_path / "no.json").exists()


def test_checkpoint_without_a_signing_key(
    cli: Cli, settings: Settings, owned: tuple[Person, Workspace], tmp_path: Path
) -> None:
    owner, ws = owned
    (settings.data_dir / SIGNING_KEY_FILE).unlink()
    args = ("audit", "checkpoint", "--workspace", str(ws.id), "--as", owner.email)
    refused(cli(*args, "-o", str(tmp_path / "cp.json")), "tessera init")
