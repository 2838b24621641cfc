"""Opening the configured database for an entry point: keys, current schema, cipher."""

from __future__ import annotations

from tessera.domain.errors import Locked
from tessera.security.envelope import Keyring
from tessera.settings import Settings, load_keys
from tessera.storage import migrate
from tessera.storage.engine import Database, make_engine, sqlite_file
from tessera.storage.wal_checkpoints import WalCheckpointer


class SchemaOutOfDate(Locked):
    """The database is behind the code."""


def open_database(settings: Settings, *, serving: bool = False) -> Database:
    """Connect, check the schema is current, and attach the content cipher.

    `serving`: a server's SQLite file is checkpointed by a thread of its own, not by the
    commit that fills the log (`wal_checkpoints`).
    """
    keys = load_keys(settings)
    url = settings.resolved_database_url()
    # one condition for both halves: commits stop checkpointing only where the thread will
    checkpointed_file = sqlite_file(url) if serving else None
    engine = make_engine(
        url, pool_size=settings.db_pool_size, checkpoint_on_commit=checkpointed_file is None
    )
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        engine.dispose()
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing'}, this version needs {head}: "
            "run `tessera db upgrade`"
        )
    checkpointer = None if checkpointed_file is None else WalCheckpointer(checkpointed_file)
    return Database(engine, Keyring(keys.master_key), checkpointer=checkpointer)
