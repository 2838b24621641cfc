"""Engines, sessions and transactions for SQLite (WAL, immediate writes) and PostgreSQL."""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from tessera.storage.cipher import CIPHER_KEY, ContentCipher
from tessera.storage.wal_checkpoints import WalCheckpointer

try:
    import fcntl
except ImportError:  # Windows: writers of one process still queue; processes meet at SQLite
    fcntl = None  # type: ignore[assignment]

_IMMEDIATE = "tessera_immediate"
WRITERS_LOCK_SUFFIX = "-writers"
SQLITE_BUSY_TIMEOUT_MS = 30_000
IDLE_PING_S = 1.0  # a pooled PostgreSQL connection that rested longer is pinged before use
_RETURNED_AT = "tessera_returned_at"


def make_engine(url: str, *, pool_size: int = 10, checkpoint_on_commit: bool = True) -> Engine:
    """An engine tuned for the backend: WAL and foreign keys on SQLite, a pool on PostgreSQL.

    `checkpoint_on_commit=False`: SQLite commits never copy the log back into the file; the
    caller runs a `WalCheckpointer` instead (a server does).

    Both pools hand out the connection returned last. Between requests a server idles and the
    CPU's caches go cold; the connection used a moment ago (with its SQLite page cache, or its
    PostgreSQL backend process) is the warmest, and the others rest (decision 0015).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=pool_size * 2,
            pool_use_lifo=True,
        )
        _configure_sqlite(engine, checkpoint_on_commit=checkpoint_on_commit)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(
            parsed, pool_size=pool_size, max_overflow=pool_size * 2, pool_use_lifo=True
        )
        _ping_when_rested(engine, IDLE_PING_S)
        return engine
    raise ValueError("only sqlite:// and postgresql:// database URLs are supported")


def _ping_when_rested(engine: Engine, rested_s: float) -> None:
    """`pool_pre_ping` for the connections that rested in the pool: one handed back less than
    `rested_s` ago is taken as it is (a round trip saved on every busy transaction), one that
    rested longer is pinged first and, if the server dropped it (a restart, an idle timeout),
    replaced. A server that drops connections in the moment between two uses fails the request
    that meets it; SQLAlchemy then renews every connection the pool holds.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < rested_s:
            return  # just opened, or busy a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out another (a new one if need be).
            raise DisconnectionError("a pooled connection was dropped by the server") from exc


def make_single_use_engine(url: str) -> Engine:
    """An engine without a pool, for one-off CLI work and migrations."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, poolclass=NullPool)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine, *, checkpoint_on_commit: bool = True) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN, so writers can ask for BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # deleted rows are overwritten with zeros: crypto-shredding leaves no wrapped key behind
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not checkpoint_on_commit:
            cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes fails with SQLITE_BUSY when another writer committed in between.
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_sqlite(db: Session) -> bool:
    """True when the session talks to SQLite."""
    bind = db.get_bind()
    return bind.dialect.name == "sqlite"


def sqlite_file(url: str | URL) -> str | None:
    """The path of a SQLite URL's database file; None for PostgreSQL or in memory."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    if path.startswith("file:"):
        return None  # a URI filename (shared memory, read-only): nothing of ours to manage
    return path


class Database:
    """An engine, the content cipher, and a factory of sessions that carry both."""

    def __init__(
        self, engine: Engine, cipher: ContentCipher, *, checkpointer: WalCheckpointer | None = None
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self._checkpointer = checkpointer
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False, autobegin=True)

    def session(self) -> Session:
        """A new session; services open their own transactions on it."""
        return self._sessions(info={CIPHER_KEY: self.cipher})

    def dispose(self) -> None:
        """Stop background checkpoints, if any, and close every pooled connection."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()


class FifoLock:
    """A reentrant lock handed to its waiters in arrival order, optionally across processes.

    SQLite's busy handler lets a waiting writer sleep and retry, so under load a newcomer can
    take the write lock ahead of threads that have waited for seconds. Queueing a process's
    writers here first means they reach BEGIN IMMEDIATE one at a time, oldest first.

    With a `file_lock`, the holder also takes that file's exclusive lock (`flock`), so the
    writers of several processes on one SQLite file (`tessera serve --workers N`) meet at a
    lock whose waiter the kernel wakes the moment it is released, instead of at SQLite's busy
    handler, which sleeps 1, 2, 5, 10 ... 100 ms between tries.

    The holding thread may acquire it again (a ledger event written on a side session as the
    caller's transaction ends does); it is handed on when every acquire has been released.
    """

    def __init__(self, file_lock: FileLock | None = None) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: deque[tuple[int, threading.Lock]] = deque()
        self._file_lock = file_lock

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None:
                self._owner, self._depth = me, 1
                turn = None
            else:
                turn = threading.Lock()
                turn.acquire()
                self._waiters.append((me, turn))
        if turn is not None:
            turn.acquire()  # released by the holder that hands the lock over to this waiter
        if self._file_lock is not None:
            try:
                self._file_lock.acquire()
            except BaseException:
                self._hand_on()
                raise

    def waiting(self) -> int:
        """How many threads wait for their turn."""
        with self._mutex:
            return len(self._waiters)

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("FifoLock released by a thread that does not hold it")
            if self._depth > 1:
                self._depth -= 1
                return
        if self._file_lock is not None:
            self._file_lock.release()
        self._hand_on()

    def _hand_on(self) -> None:
        with self._mutex:
            if self._waiters:
                self._owner, turn = self._waiters.popleft()
                self._depth = 1
                turn.release()  # ownership passes on to the oldest waiter
            else:
                self._owner, self._depth = None, 0

    def __enter__(self) -> FifoLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


class FileLock:
    """An exclusive `flock` on a file beside the database, held by one thread of this process
    at a time (the `FifoLock` around it sees to that). Not on platforms without `fcntl`."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        weakref.finalize(self, os.close, self._fd)

    def acquire(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)


_WRITERS: WeakKeyDictionary[Engine, FifoLock] = WeakKeyDictionary()
_WRITERS_MUTEX = threading.Lock()


def _writer_queue(engine: Engine) -> FifoLock:
    with _WRITERS_MUTEX:
        queue = _WRITERS.get(engine)
        if queue is None:
            queue = _WRITERS[engine] = FifoLock(_writers_file_lock(engine))
        return queue


def _writers_file_lock(engine: Engine) -> FileLock | None:
    """For a SQLite file, the lock its writers in every process queue at (`<file>-writers`)."""
    path = sqlite_file(engine.url)
    if path is None or fcntl is None:
        return None
    return FileLock(path + WRITERS_LOCK_SUFFIX)


@contextmanager
def write_transaction(db: Session, *, hot_path: bool = False) -> Iterator[Session]:
    """A transaction that will write: takes SQLite's write lock at BEGIN; plain on PostgreSQL.

    On SQLite a process's writers queue in arrival order before BEGIN IMMEDIATE (`FifoLock`).
    On PostgreSQL so do the short transactions annotators run all day (`hot_path`: next task,
    submit, skip, a page of items). They meet at the same hot rows (the ledger chain's head,
    the project's counters), and a lock holder that must win the GIL back from dozens of
    runnable threads before it can commit keeps everyone behind it waiting: one at a time per
    process, oldest first, they finish sooner (decision 0015). Each hands its turn on before
    its COMMIT, whose wait for the disk needs no GIL. Other processes still meet them at the
    row locks. Long writers (imports, re-keying) stay out of the queue, so they do not
    stall annotators on PostgreSQL.
    """
    _check_no_transaction(db)
    bind = db.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if bind.dialect.name != "sqlite":
        # The turn ends before COMMIT: the next hot transaction works while this one waits
        # for the WAL's sync, and meets its row locks (the ledger head) only if it gets there
        # first. The row locks, not the queue, keep PostgreSQL correct.
        with db.begin(), _writer_queue(engine) if hot_path else nullcontext():
            yield db
        return
    with _writer_queue(engine), db.begin():
        db.connection(execution_options={_IMMEDIATE: True})
        yield db


@contextmanager
def read_transaction(db: Session) -> Iterator[Session]:
    """A read-only unit of work with one consistent view."""
    _check_no_transaction(db)
    with db.begin():
        yield db


@contextmanager
def single_read(db: Session) -> Iterator[Session]:
    """A unit of work of one read statement: on PostgreSQL without BEGIN and COMMIT (autocommit),
    two round trips fewer; one statement sees one snapshot either way. Elsewhere, as
    `read_transaction`. Anything more than one statement belongs in a `read_transaction`.
    """
    _check_no_transaction(db)
    with db.begin():
        if db.get_bind().dialect.name != "sqlite":
            db.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield db


def _check_no_transaction(db: Session) -> None:
    # A service owns its transaction; one already open means a caller forgot to end its own.
    if db.in_transaction():
        raise RuntimeError("a transaction is already open on this session")
