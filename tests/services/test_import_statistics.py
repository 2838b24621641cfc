"""A bulk import refreshes PostgreSQL's planner statistics, so listing never sorts a project."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from conftest import TEXT_SCHEMA, Factory
from tessera.formats import ImportFormat
from tessera.services import imports, projects
from tessera.storage.engine import is_sqlite


@pytest.mark.parametrize("rows", [3, 2])
def test_large_import_analyzes_items_on_postgresql(
    factory: Factory, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    monkeypatch.setattr(imports, "STATISTICS_REFRESH_ROWS", 3)
    owner = factory.person(with_password=False)
    ws = factory.workspace(owner)
    with factory.database.session() as db:
        project = projects.create_project(
            db, actor=owner.user, workspace_id=ws.id, name="stats", label_schema=TEXT_SCHEMA
        )
        before = _analyze_count(db)
        body = "".join(f'{{"text": "item {i}"}}\n' for i in range(rows)).encode()
        imports.import_items(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO(body),
            fmt=ImportFormat.JSONL,
        )
        after = _analyze_count(db)
    if before is None:  # SQLite: plans from its indexes, nothing to refresh
        assert after is None
        return
    assert after == before + (1 if rows >= 3 else 0)


def _analyze_count(db: Session) -> int | None:
    if is_sqlite(db):
        tables = db.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        db.rollback()
        return None if tables.first() is None else -1
    db.execute(text("SELECT pg_stat_clear_snapshot()"))
    count = db.execute(
        text(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relid = to_regclass('items')::oid"
        )
    ).scalar_one()
    db.rollback()
    return int(count)
