"""Time-boxed operator access grants of a workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.orm import Session

from tessera.domain.access import OperatorGrant
from tessera.domain.errors import NotFound
from tessera.storage.tables import AnyRow, operator_grants, users

_COLUMNS = (
    operator_grants.c.id,
    operator_grants.c.workspace_id,
    operator_grants.c.operator_id,
    users.c.email.label("operator_email"),
    operator_grants.c.granted_by,
    operator_grants.c.expires_at,
    operator_grants.c.revoked_at,
    operator_grants.c.created_at,
)


def _to_grant(row: AnyRow) -> OperatorGrant:
    m = row._mapping
    return OperatorGrant(
        id=m["id"],
        workspace_id=m["workspace_id"],
        operator_id=m["operator_id"],
        operator_email=m["operator_email"],
        granted_by=m["granted_by"],
        expires_at=m["expires_at"],
        revoked_at=m["revoked_at"],
        created_at=m["created_at"],
    )


def _select() -> Select[Any]:
    return select(*_COLUMNS).join(users, users.c.id == operator_grants.c.operator_id)


def add_grant(
    db: Session,
    *,
    workspace_id: int,
    operator_id: int,
    granted_by: int,
    expires_at: datetime,
    now: datetime,
) -> OperatorGrant:
    grant_id = db.execute(
        insert(operator_grants)
        .values(
            workspace_id=workspace_id,
            operator_id=operator_id,
            granted_by=granted_by,
            expires_at=expires_at,
            created_at=now,
        )
        .returning(operator_grants.c.id)
    ).scalar_one()
    return get_grant(db, workspace_id=workspace_id, grant_id=grant_id)


def get_grant(db: Session, *, workspace_id: int, grant_id: int) -> OperatorGrant:
    row = db.execute(
        _select().where(
            operator_grants.c.id == grant_id, operator_grants.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound("grant", grant_id)
    return _to_grant(row)


def list_grants(db: Session, *, workspace_id: int) -> list[OperatorGrant]:
    rows = db.execute(
        _select()
        .where(operator_grants.c.workspace_id == workspace_id)
        .order_by(operator_grants.c.id.desc())
    ).all()
    return [_to_grant(r) for r in rows]


def find_live_grant(
    db: Session, *, workspace_id: int, operator_id: int, now: datetime
) -> OperatorGrant | None:
    """The unrevoked, unexpired grant of this operator here that lasts longest, if any."""
    row = db.execute(
        _select()
        .where(
            operator_grants.c.workspace_id == workspace_id,
            operator_grants.c.operator_id == operator_id,
            operator_grants.c.revoked_at.is_(None),
            operator_grants.c.expires_at > now,
        )
        .order_by(operator_grants.c.expires_at.desc())
        .limit(1)
    ).first()
    return None if row is None else _to_grant(row)


def revoke_grant(db: Session, *, workspace_id: int, grant_id: int, now: datetime) -> None:
    db.execute(
        update(operator_grants)
        .where(
            operator_grants.c.id == grant_id,
            operator_grants.c.workspace_id == workspace_id,
            operator_grants.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
