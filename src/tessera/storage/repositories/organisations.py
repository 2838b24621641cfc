"""Organisations, people's affiliations with them, and the walls workspaces raise against them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from tessera.domain.access import Affiliation, Organisation, Wall, WallingTie
from tessera.domain.errors import NotFound
from tessera.storage.engine import is_sqlite
from tessera.storage.tables import AnyRow, affiliations, organisations, workspace_walls


def _to_organisation(row: AnyRow) -> Organisation:
    m = row._mapping
    return Organisation(id=m["id"], name=m["name"], created_at=m["created_at"])


def lock_organisation_names(db: Session) -> None:
    """Serialise organisation creation on PostgreSQL, so two names differing only in case
    cannot both be inserted (SQLite's writers are serial already)."""
    if not is_sqlite(db):
        db.execute(text("LOCK TABLE organisations IN SHARE ROW EXCLUSIVE MODE"))


def add_organisation(db: Session, *, name: str, now: datetime) -> Organisation:
    org_id = db.execute(
        insert(organisations).values(name=name, created_at=now).returning(organisations.c.id)
    ).scalar_one()
    return Organisation(id=org_id, name=name, created_at=now)


def find_organisation_by_name(db: Session, *, name: str) -> Organisation | None:
    """The organisation with this name, ignoring case."""
    row = db.execute(
        select(organisations).where(func.lower(organisations.c.name) == name.lower())
    ).first()
    return None if row is None else _to_organisation(row)


def get_organisation(db: Session, *, organisation_id: int) -> Organisation:
    row = db.execute(select(organisations).where(organisations.c.id == organisation_id)).first()
    if row is None:
        raise NotFound("organisation", organisation_id)
    return _to_organisation(row)


def list_organisations(db: Session, *, prefix: str, limit: int) -> list[Organisation]:
    """Organisations by name, optionally only those whose name starts with `prefix` (any case)."""
    stmt = select(organisations).order_by(func.lower(organisations.c.name), organisations.c.id)
    if prefix:
        escaped = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(organisations.c.name).like(f"{escaped}%", escape="\\"))
    return [_to_organisation(r) for r in db.execute(stmt.limit(limit)).all()]


_AFFILIATION_COLUMNS = (
    affiliations.c.id,
    affiliations.c.user_id,
    affiliations.c.organisation_id,
    organisations.c.name.label("organisation_name"),
    affiliations.c.is_verified,
    affiliations.c.verified_by,
    affiliations.c.ended_at,
    affiliations.c.created_at,
)


def _to_affiliation(row: AnyRow) -> Affiliation:
    m = row._mapping
    return Affiliation(
        id=m["id"],
        user_id=m["user_id"],
        organisation_id=m["organisation_id"],
        organisation_name=m["organisation_name"],
        is_verified=m["is_verified"],
        verified_by=m["verified_by"],
        ended_at=m["ended_at"],
        created_at=m["created_at"],
    )


def add_affiliation(
    db: Session, *, user_id: int, organisation_id: int, ended_at: datetime | None, now: datetime
) -> Affiliation:
    affiliation_id = db.execute(
        insert(affiliations)
        .values(
            user_id=user_id,
            organisation_id=organisation_id,
            is_verified=False,
            ended_at=ended_at,
            created_at=now,
        )
        .returning(affiliations.c.id)
    ).scalar_one()
    return get_affiliation(db, user_id=user_id, affiliation_id=affiliation_id)


def list_affiliations(db: Session, *, user_id: int) -> list[Affiliation]:
    rows = db.execute(
        select(*_AFFILIATION_COLUMNS)
        .join(organisations, organisations.c.id == affiliations.c.organisation_id)
        .where(affiliations.c.user_id == user_id)
        .order_by(affiliations.c.id)
    ).all()
    return [_to_affiliation(r) for r in rows]


def get_affiliation(db: Session, *, user_id: int, affiliation_id: int) -> Affiliation:
    """One of this person's affiliations (another person's answers NotFound)."""
    row = db.execute(
        select(*_AFFILIATION_COLUMNS)
        .join(organisations, organisations.c.id == affiliations.c.organisation_id)
        .where(affiliations.c.id == affiliation_id, affiliations.c.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound("affiliation", affiliation_id)
    return _to_affiliation(row)


def delete_affiliation(db: Session, *, user_id: int, affiliation_id: int) -> None:
    db.execute(
        delete(affiliations).where(
            affiliations.c.id == affiliation_id, affiliations.c.user_id == user_id
        )
    )


def set_affiliation_verified(
    db: Session, *, user_id: int, affiliation_id: int, verified_by: int
) -> None:
    db.execute(
        update(affiliations)
        .where(affiliations.c.id == affiliation_id, affiliations.c.user_id == user_id)
        .values(is_verified=True, verified_by=verified_by)
    )


_WALL_COLUMNS = (
    workspace_walls.c.workspace_id,
    workspace_walls.c.organisation_id,
    organisations.c.name.label("organisation_name"),
    workspace_walls.c.cooldown_days,
    workspace_walls.c.created_at,
)


def _to_wall(row: AnyRow) -> Wall:
    m = row._mapping
    return Wall(
        workspace_id=m["workspace_id"],
        organisation_id=m["organisation_id"],
        organisation_name=m["organisation_name"],
        cooldown_days=m["cooldown_days"],
        created_at=m["created_at"],
    )


def list_walls(db: Session, *, workspace_id: int) -> list[Wall]:
    rows = db.execute(
        select(*_WALL_COLUMNS)
        .join(organisations, organisations.c.id == workspace_walls.c.organisation_id)
        .where(workspace_walls.c.workspace_id == workspace_id)
        .order_by(func.lower(organisations.c.name), organisations.c.id)
    ).all()
    return [_to_wall(r) for r in rows]


def find_wall(db: Session, *, workspace_id: int, organisation_id: int) -> Wall | None:
    row = db.execute(
        select(*_WALL_COLUMNS)
        .join(organisations, organisations.c.id == workspace_walls.c.organisation_id)
        .where(
            workspace_walls.c.workspace_id == workspace_id,
            workspace_walls.c.organisation_id == organisation_id,
        )
    ).first()
    return None if row is None else _to_wall(row)


def add_wall(
    db: Session, *, workspace_id: int, organisation_id: int, cooldown_days: int, now: datetime
) -> None:
    db.execute(
        insert(workspace_walls).values(
            workspace_id=workspace_id,
            organisation_id=organisation_id,
            cooldown_days=cooldown_days,
            created_at=now,
        )
    )


def set_wall_cooldown(
    db: Session, *, workspace_id: int, organisation_id: int, cooldown_days: int
) -> None:
    db.execute(
        update(workspace_walls)
        .where(
            workspace_walls.c.workspace_id == workspace_id,
            workspace_walls.c.organisation_id == organisation_id,
        )
        .values(cooldown_days=cooldown_days)
    )


def delete_wall(db: Session, *, workspace_id: int, organisation_id: int) -> None:
    db.execute(
        delete(workspace_walls).where(
            workspace_walls.c.workspace_id == workspace_id,
            workspace_walls.c.organisation_id == organisation_id,
        )
    )


def list_walling_ties(db: Session, *, workspace_id: int, user_id: int) -> list[WallingTie]:
    """This person's affiliations with organisations this workspace walls, ended or not.

    Two indexed lookups (the person's affiliations, the workspace's walls): a handful of rows.
    """
    rows = db.execute(_WALLING_TIES, {"ws": workspace_id, "user": user_id}).all()
    return [
        WallingTie(affiliation_id=r[0], organisation_id=r[1], ended_at=r[2], cooldown_days=r[3])
        for r in rows
    ]


# Every authorised request asks this: built once (decision 0015).
_WALLING_TIES = (
    select(
        affiliations.c.id,
        affiliations.c.organisation_id,
        affiliations.c.ended_at,
        workspace_walls.c.cooldown_days,
    )
    .join(workspace_walls, workspace_walls.c.organisation_id == affiliations.c.organisation_id)
    .where(
        workspace_walls.c.workspace_id == bindparam("ws"),
        affiliations.c.user_id == bindparam("user"),
    )
    .order_by(affiliations.c.id)
)
