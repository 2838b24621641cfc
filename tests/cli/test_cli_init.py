"""`tessera init` and `tessera db upgrade`: keys with mode 0600, migrations, idempotent."""

from __future__ import annotations

import stat
from pathlib import Path

from cli_runner import Cli, ok

from tessera.settings import MASTER_KEY_FILE, SECRET_KEY_FILE, Settings, load_keys
from tessera.storage import migrate
from tessera.storage.engine import make_single_use_engine


def test_init_creates_private_keys_and_schema(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    out = ok(Cli(data_dir)("init")).stdout
    assert "created, mode 0600" in out
    assert "upgraded from nothing" in out
    for name in (SECRET_KEY_FILE, MASTER_KEY_FILE):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    settings = Settings(data_dir=data_dir)
    engine = make_single_use_engine(settings.resolved_database_url())
    assert migrate.current_revision(engine) == migrate.head_revision()
    load_keys(settings)  # readable and the right sizes


def test_init_twice_keeps_everything(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    ok(cli("init"))
    before = {n: (tmp_path / "data" / n).read_bytes() for n in (SECRET_KEY_FILE, MASTER_KEY_FILE)}
    out = ok(cli("init")).stdout
    assert "Already initialised" in out
    assert "kept, already there" in out
    assert "already at revision" in out
    after = {n: (tmp_path / "data" / n).read_bytes() for n in (SECRET_KEY_FILE, MASTER_KEY_FILE)}
    assert after == before


def test_init_with_an_external_database(tmp_path: Path, database_url: str) -> None:
    out = ok(Cli(tmp_path / "data", database_url)("init")).stdout
    assert "already at revision" in out  # the fixture's database is migrated
    assert not (tmp_path / "data" / "tessera.db").exists()


def test_db_upgrade_reports_from_and_to(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    head = migrate.head_revision()
    assert f"upgraded from nothing to revision {head}" in ok(cli("db", "upgrade")).stdout
    assert f"already at revision {head}" in ok(cli("db", "upgrade")).stdout
