"""Copying SQLite's write-ahead log back into the database file, off the request path.

By default the connection whose commit takes the log past 1,000 pages copies them back then
and there, and syncs the file, while it still holds the turn of every writer queued behind it
(`engine.FifoLock`). On a slow disk that sync took 80-450 ms here, and every annotator waiting
to write waited for it. A server's connections therefore never checkpoint
(`PRAGMA wal_autocheckpoint=0`); a thread of its own does, once a second, in PASSIVE mode: it
copies what no reader still needs and never waits for, or holds up, a reader or a writer.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

CHECKPOINT_INTERVAL_S = 1.0
BUSY_TIMEOUT_S = 5.0

log = logging.getLogger(__name__)


class WalCheckpointer:
    """A daemon thread that checkpoints one SQLite file every `interval_s` until stopped."""

    def __init__(self, path: str, interval_s: float = CHECKPOINT_INTERVAL_S) -> None:
        self._path = path
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        try:
            while not self._stop.wait(self._interval_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # a full or failing disk: try again next time
                    log.warning("WAL checkpoint of %s failed: %s", self._path, exc)
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop after the checkpoint in progress, if any."""
        self._stop.set()
        self._thread.join(timeout=BUSY_TIMEOUT_S + self._interval_s)
