"""Writers queue in arrival order: every SQLite writer, and PostgreSQL's hot-path writers."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text

from conftest import MASTER_KEY
from tessera.security.envelope import Keyring
from tessera.storage.engine import (
    WRITERS_LOCK_SUFFIX,
    Database,
    FifoLock,
    make_engine,
    write_transaction,
)


def test_waiters_get_the_lock_in_arrival_order() -> None:
    lock = FifoLock()
    lock.acquire()
    order: list[int] = []
    threads = []
    for i in range(8):
        thread = threading.Thread(target=_take_and_record, args=(lock, i, order))
        thread.start()
        threads.append(thread)
        _wait_until_queued(lock, i + 1)
    lock.release()
    for thread in threads:
        thread.join(timeout=5)
    assert order == list(range(8))
    lock.acquire()  # free again once the queue drained
    lock.release()


def test_concurrent_sqlite_writers_all_commit_without_busy_errors(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}", pool_size=4)
    database = Database(engine, Keyring(MASTER_KEY))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))

    def bump() -> None:
        for _ in range(25):
            db = database.session()
            try:
                with write_transaction(db):
                    n = db.execute(text("SELECT n FROM counter")).scalar_one()
                    db.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
            finally:
                db.close()

    workers = [threading.Thread(target=bump) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 200
    database.dispose()


def _take_and_record(lock: FifoLock, i: int, order: list[int]) -> None:
    with lock:
        order.append(i)


def _wait_until_queued(lock: FifoLock, count: int) -> None:
    deadline = time.monotonic() + 5
    while lock.waiting() < count:
        assert time.monotonic() < deadline, "a thread never queued"
        time.sleep(0.001)


def test_the_holding_thread_may_take_it_again_and_others_wait_for_the_last_release() -> None:
    lock = FifoLock()
    taken = threading.Event()
    with lock, lock:  # a side-session write while the caller's still holds the queue
        other = threading.Thread(target=lambda: (lock.acquire(), taken.set(), lock.release()))
        other.start()
        _wait_until_queued(lock, 1)
    other.join(timeout=5)
    assert taken.is_set()


def test_release_by_a_thread_that_does_not_hold_it_is_an_error() -> None:
    lock = FifoLock()
    try:
        lock.release()
    except RuntimeError:
        return
    raise AssertionError("release without acquire was accepted")


def _hold(
    database: Database, hot_path: bool, entered: threading.Event, leave: threading.Event
) -> None:
    db = database.session()
    try:
        with write_transaction(db, hot_path=hot_path):
            entered.set()
            leave.wait(timeout=10)
    finally:
        db.close()


def test_hot_path_writers_take_turns_in_one_process(database: Database) -> None:
    """On both databases two hot-path transactions of one process never overlap; on
    PostgreSQL another writer (an import, say) does not wait behind them."""
    first_in, first_out = threading.Event(), threading.Event()
    second_in, second_out = threading.Event(), threading.Event()
    other_in, other_out = threading.Event(), threading.Event()
    first = threading.Thread(target=_hold, args=(database, True, first_in, first_out))
    first.start()
    assert first_in.wait(timeout=10)
    second = threading.Thread(target=_hold, args=(database, True, second_in, second_out))
    second.start()
    is_postgres = database.engine.dialect.name == "postgresql"
    if is_postgres:
        other = threading.Thread(target=_hold, args=(database, False, other_in, other_out))
        other.start()
        assert other_in.wait(timeout=10), "a writer off the hot path waited for the queue"
        other_out.set()
        other.join(timeout=10)
    assert not second_in.wait(timeout=0.3), "two hot-path transactions overlapped"
    first_out.set()
    assert second_in.wait(timeout=10), "the queue was not handed on"
    second_out.set()
    first.join(timeout=10)
    second.join(timeout=10)


def test_a_hot_transaction_keeps_its_turn_through_commit_on_sqlite_only(
    database: Database,
) -> None:
    """SQLite's write lock lasts until COMMIT, so the turn does too. On PostgreSQL the turn is
    handed on before COMMIT: the next hot transaction works while this one's sync runs."""
    db = database.session()
    next_in, next_out = threading.Event(), threading.Event()
    others: list[threading.Thread] = []
    entered_during_commit: list[bool] = []

    def before_commit(_session: object) -> None:
        other = threading.Thread(target=_hold, args=(database, True, next_in, next_out))
        other.start()
        others.append(other)
        entered_during_commit.append(next_in.wait(timeout=0.3))

    event.listen(db, "before_commit", before_commit)
    try:
        with write_transaction(db, hot_path=True):
            db.execute(text("SELECT 1"))
    finally:
        db.close()
    assert next_in.wait(timeout=10), "the queue was not handed on after the commit"
    next_out.set()
    others[0].join(timeout=10)
    is_postgres = database.engine.dialect.name == "postgresql"
    assert entered_during_commit == [is_postgres]


def test_sqlite_writers_of_every_process_queue_at_the_writers_file(tmp_path: Path) -> None:
    """A writer holding `<db>-writers` in another process (`serve --workers`) makes this one
    wait before BEGIN IMMEDIATE, and it goes in the moment that lock is released."""
    fcntl = pytest.importorskip("fcntl", reason="Windows: processes meet at SQLite's busy handler")
    path = tmp_path / "w.db"
    database = Database(make_engine(f"sqlite:///{path}"), Keyring(MASTER_KEY))
    other_process = os.open(f"{path}{WRITERS_LOCK_SUFFIX}", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(other_process, fcntl.LOCK_EX)  # its own open file: it conflicts like one
        entered, leave = threading.Event(), threading.Event()
        writer = threading.Thread(target=_hold, args=(database, False, entered, leave))
        writer.start()
        assert not entered.wait(timeout=0.3), "a writer went past another process's turn"
        fcntl.flock(other_process, fcntl.LOCK_UN)
        assert entered.wait(timeout=10), "the writer did not go in once the file was unlocked"
        leave.set()
        writer.join(timeout=10)
        # and while this process writes, the other one would wait
        db = database.session()
        with write_transaction(db), pytest.raises(BlockingIOError):
            fcntl.flock(other_process, fcntl.LOCK_EX | fcntl.LOCK_NB)
        db.close()
    finally:
        os.close(other_process)
        database.dispose()
