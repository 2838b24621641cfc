"""`tessera keys rotate` and `status`: a new key, everything re-encrypted, old key gone."""

from __future__ import annotations

import pytest
from cli_runner import Cli, ok, refused

from conftest import World
from tessera.services import keys
from tessera.settings import Settings


@pytest.fixture
def cli(settings: Settings) -> Cli:
    return Cli(settings.data_dir, settings.database_url)


def test_rotate_and_status(cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # no other server process to wait for in a test
    monkeypatch.setattr(keys, "ACTIVE_VERSION_TTL_S", 0.0)
    original = keys.rotate_key
    monkeypatch.setattr(keys, "rotate_key", lambda db, **kw: original(db, **{**kw, "settle_s": 0}))
    ws = str(world.workspace.id)
    result = ok(cli("keys", "rotate", ws, "--as", world.owner.email))
    assert "key version 2" in result.stdout
    result = ok(cli("keys", "status", ws, "--as", world.owner.email))
    assert "versions [2], active 2" in result.stdout
    refused(cli("keys", "rotate", ws, "--as", world.manager.email), "may not")
    export = world.client.get(f"{world.project_url}/export", headers=world.owner.headers)
    assert export.text.count('"text"') == 5
