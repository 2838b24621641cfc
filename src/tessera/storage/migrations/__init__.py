"""Alembic migrations, run through `tessera.storage.migrate` (no alembic.ini needed)."""
