"""Opening the configured database for an entry point: keys, current schema, cipher."""

from __future__ import annotations

from tessera.domain.errors import Locked
from tessera.security.envelope import Keyring
from tessera.settings import Settings, load_keys
from tessera.storage import migrate
from tessera.storage.engine import Database, make_engine


class SchemaOutOfDate(Locked):
    """The database is behind the code."""


def open_database(settings: Settings) -> Database:
    """Connect, check the schema is current, and attach the content cipher."""
    keys = load_keys(settings)
    engine = make_engine(settings.resolved_database_url(), pool_size=settings.db_pool_size)
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        engine.dispose()
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing'}, this version needs {head}: "
            "run `tessera db upgrade`"
        )
    return Database(engine, Keyring(keys.master_key))
