"""SQLite writers queue in arrival order before BEGIN IMMEDIATE."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from conftest import MASTER_KEY
from tessera.security.envelope import Keyring
from tessera.storage.engine import Database, FifoLock, make_engine, write_transaction


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
