"""A server's SQLite commits leave the log alone; a thread of its own copies it back."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import text

from conftest import MASTER_KEY
from tessera.security.envelope import Keyring
from tessera.settings import Settings, create_keys
from tessera.startup import open_database
from tessera.storage import migrate
from tessera.storage.engine import Database, make_engine, make_single_use_engine
from tessera.storage.wal_checkpoints import WalCheckpointer


def _in_the_file_itself(path: Path) -> int:
    """Rows of `t` in the database file, ignoring the write-ahead log."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 't'").fetchone() is None:
            return 0  # not even the table has been copied back
        return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])
    finally:
        conn.close()


def _database(path: Path, checkpointer: WalCheckpointer | None) -> Database:
    engine = make_engine(f"sqlite:///{path}", checkpoint_on_commit=checkpointer is None)
    return Database(engine, Keyring(MASTER_KEY), checkpointer=checkpointer)


def _fill(database: Database, rows: int) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (x BLOB)"))
    for _ in range(rows):  # one commit each: about 1,200 pages of log
        with database.engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (zeroblob(4000))"))


def test_commits_checkpoint_by_themselves_by_default(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    database = _database(path, None)
    _fill(database, 1200)
    assert _in_the_file_itself(path) > 0  # the commit that passed 1,000 pages copied them
    database.dispose()


def test_a_servers_commits_leave_it_to_the_checkpoint_thread(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    checkpointer = WalCheckpointer(str(path), interval_s=3600)  # not within this test
    database = _database(path, checkpointer)
    _fill(database, 1200)
    assert _in_the_file_itself(path) == 0, "a commit checkpointed on the request path"
    database.dispose()

    path = tmp_path / "c.db"
    database = _database(path, WalCheckpointer(str(path), interval_s=0.05))
    _fill(database, 10)
    deadline = time.monotonic() + 10
    while _in_the_file_itself(path) < 10:
        assert time.monotonic() < deadline, "the thread never checkpointed"
        time.sleep(0.02)
    database.dispose()


def _served(settings: Settings) -> int:
    """`PRAGMA wal_autocheckpoint` of a server's connections (0: commits never checkpoint)."""
    create_keys(settings)
    migrate.upgrade(make_single_use_engine(settings.resolved_database_url()))
    database = open_database(settings, serving=True)
    try:
        with database.engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())
    finally:
        database.dispose()


def test_a_server_leaves_checkpoints_to_its_thread_only_where_it_runs_one(tmp_path: Path) -> None:
    assert _served(Settings(data_dir=tmp_path / "plain")) == 0
    # a URI filename gets no thread, so its commits must go on checkpointing
    uri = f"sqlite:///file:{tmp_path / 'uri.db'}?uri=true"
    assert _served(Settings(data_dir=tmp_path / "uri", database_url=uri)) == 1000
