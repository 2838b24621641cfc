"""Pooled connections: the most recently returned is handed out first; on PostgreSQL, pinged
before use only after resting in the pool, and replaced when the server dropped them meanwhile;
one-statement reads without a transaction."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tessera.storage.engine import (
    make_engine,
    make_single_use_engine,
    read_transaction,
    single_read,
)

POSTGRES_URL = os.environ.get("TESSERA_TEST_POSTGRES_URL")
RESTED_S = 0.2


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TESSERA_TEST_POSTGRES_URL (CI sets it)")
    monkeypatch.setattr("tessera.storage.engine.IDLE_PING_S", RESTED_S)
    engine = make_engine(POSTGRES_URL, pool_size=1)
    yield engine
    engine.dispose()


def test_the_pool_hands_out_the_connection_returned_last(database_url: str) -> None:
    # Last in, first out: a server that idles between requests reuses the connection (and on
    # PostgreSQL the backend process) it used a moment ago, whose memory is still in the CPU's
    # caches, while the rest of the pool rests. First in, first out cycled through all of them.
    engine = make_engine(database_url, pool_size=3)
    try:
        first, second = engine.connect(), engine.connect()
        returned_last = second.connection.dbapi_connection
        first.close()
        second.close()
        with engine.connect() as again:
            assert again.connection.dbapi_connection is returned_last
    finally:
        engine.dispose()


def _count_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_conn: Any) -> bool:
        pings.append(1)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pings


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_busy_a_moment_ago_is_used_without_a_ping(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(engine, monkeypatch)
    first = _backend_pid(engine)
    for _ in range(5):
        assert _backend_pid(engine) == first
    assert pings == []
    time.sleep(RESTED_S * 1.5)
    assert _backend_pid(engine) == first
    assert pings == [1]  # it rested: pinged once, and alive


def test_a_rested_connection_the_server_dropped_is_replaced_before_use(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(engine, monkeypatch)
    dropped = _backend_pid(engine)
    assert POSTGRES_URL is not None
    admin = make_single_use_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            assert conn.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}
            ).scalar_one()
    finally:
        admin.dispose()
    time.sleep(RESTED_S * 1.5)
    replacement = _backend_pid(engine)  # no error: the ping found it dead
    assert replacement != dropped
    assert len(pings) == 1


def _status_after_a_read(engine: Engine, unit: Any) -> TransactionStatus:
    with Session(bind=engine) as db, unit(db):
        db.execute(text("SELECT 1"))
        dbapi_conn = db.connection().connection.dbapi_connection
        assert dbapi_conn is not None
        return TransactionStatus(dbapi_conn.info.transaction_status)


def test_a_single_read_runs_outside_a_transaction_and_leaves_the_pool_as_it_was(
    engine: Engine,
) -> None:
    assert _status_after_a_read(engine, single_read) is TransactionStatus.IDLE  # no BEGIN
    assert _status_after_a_read(engine, read_transaction) is TransactionStatus.INTRANS
    assert _status_after_a_read(engine, single_read) is TransactionStatus.IDLE
    assert _status_after_a_read(engine, read_transaction) is TransactionStatus.INTRANS
