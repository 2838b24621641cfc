"""Conflict-of-interest walls: organisations, people's affiliations, and the walls themselves.

The walls are enforced in one place, `policies.authorize`; this module only keeps the records.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tessera.domain.access import Affiliation, Organisation, Wall, WallingTie, walls_out
from tessera.domain.entities import User
from tessera.domain.errors import Conflict, InvalidInput, NotFound
from tessera.domain.text_rules import checked_text
from tessera.services import ledger
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize
from tessera.storage.engine import read_transaction, write_transaction
from tessera.storage.repositories import organisations as organisation_repo
from tessera.storage.repositories import workspaces as workspace_repo

NAME_MAX_CHARS = 200
LIST_MAX = 500
MAX_COOLDOWN_DAYS = 3650


def create_organisation(db: Session, *, actor: User, name: str) -> Organisation:
    """Record an organisation; names are unique ignoring case.

    Raises:
        Conflict: an organisation with this name (in any case) exists.
    """
    clean = checked_text(name, field="name", min_chars=1, max_chars=NAME_MAX_CHARS)
    with write_transaction(db):
        organisation_repo.lock_organisation_names(db)
        if organisation_repo.find_organisation_by_name(db, name=clean) is not None:
            raise Conflict("an organisation with this name exists")
        org = organisation_repo.add_organisation(db, name=clean, now=utcnow())
        ledger.record(
            db,
            workspace_id=ledger.SYSTEM_CHAIN,
            actor=actor,
            action="organisation.created",
            object_type="organisation",
            object_id=org.id,
            detail={"name": org.name},
        )
        return org


def list_organisations(
    db: Session, *, actor: User, prefix: str = "", limit: int = 100
) -> list[Organisation]:
    """Organisations by name, optionally those whose name starts with `prefix` (any case)."""
    if not 1 <= limit <= LIST_MAX:
        raise InvalidInput(f"must be between 1 and {LIST_MAX}", field="limit")
    with read_transaction(db):
        return organisation_repo.list_organisations(db, prefix=prefix.strip(), limit=limit)


def declare_affiliation(
    db: Session, *, actor: User, organisation_id: int, ended_at: datetime | None = None
) -> Affiliation:
    """The actor declares a tie to an organisation, current or (with `ended_at`) past.

    It takes effect at once: a workspace walling that organisation refuses the actor from the
    next request on.
    """
    if ended_at is not None and ended_at.tzinfo is None:
        raise InvalidInput("must carry a time zone", field="ended_at")
    with write_transaction(db):
        organisation_repo.get_organisation(db, organisation_id=organisation_id)
        affiliation = organisation_repo.add_affiliation(
            db, user_id=actor.id, organisation_id=organisation_id, ended_at=ended_at, now=utcnow()
        )
        _record_affiliation(db, actor, "affiliation.declared", affiliation)
        return affiliation


def list_my_affiliations(db: Session, *, actor: User) -> list[Affiliation]:
    """The actor's own affiliations."""
    with read_transaction(db):
        return organisation_repo.list_affiliations(db, user_id=actor.id)


def delete_affiliation(db: Session, *, actor: User, affiliation_id: int) -> None:
    """Withdraw one of the actor's own declarations (a verified one stays: it can only end).

    Raises:
        NotFound: not one of the actor's affiliations.
        Conflict: the affiliation was verified by a manager.
    """
    with write_transaction(db):
        affiliation = organisation_repo.get_affiliation(
            db, user_id=actor.id, affiliation_id=affiliation_id
        )
        if affiliation.is_verified:
            raise Conflict("a verified affiliation cannot be withdrawn")
        organisation_repo.delete_affiliation(db, user_id=actor.id, affiliation_id=affiliation_id)
        _record_affiliation(db, actor, "affiliation.withdrawn", affiliation)


def _record_affiliation(db: Session, actor: User, action: str, a: Affiliation) -> None:
    ledger.record(
        db,
        workspace_id=ledger.SYSTEM_CHAIN,
        actor=actor,
        action=action,
        object_type="affiliation",
        object_id=a.id,
        detail={
            "organisation_id": a.organisation_id,
            "ended_at": a.ended_at.isoformat() if a.ended_at else None,
        },
    )


def list_member_affiliations(
    db: Session, *, actor: User, workspace_id: int, user_id: int
) -> list[Affiliation]:
    """A member's affiliations, for a manager or owner deciding what to verify."""
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VERIFY_AFFILIATIONS)
        workspace_repo.get_membership(db, workspace_id=workspace_id, user_id=user_id)
        return organisation_repo.list_affiliations(db, user_id=user_id)


def verify_affiliation(
    db: Session, *, actor: User, workspace_id: int, user_id: int, affiliation_id: int
) -> Affiliation:
    """Mark a member's declared affiliation as verified (recorded on the workspace's ledger).

    Raises:
        NotFound: the user is not a member here, or the affiliation is not theirs.
    """
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.VERIFY_AFFILIATIONS)
        workspace_repo.get_membership(db, workspace_id=workspace_id, user_id=user_id)
        organisation_repo.get_affiliation(db, user_id=user_id, affiliation_id=affiliation_id)
        organisation_repo.set_affiliation_verified(
            db, user_id=user_id, affiliation_id=affiliation_id, verified_by=actor.id
        )
        affiliation = organisation_repo.get_affiliation(
            db, user_id=user_id, affiliation_id=affiliation_id
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="affiliation.verified",
            object_type="affiliation",
            object_id=affiliation_id,
            detail={"user_id": user_id, "organisation_id": affiliation.organisation_id},
        )
        return affiliation


def list_walls(db: Session, *, actor: User, workspace_id: int) -> list[Wall]:
    """The organisations this workspace walls, with their cool-downs."""
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_WALLS)
        return organisation_repo.list_walls(db, workspace_id=workspace_id)


def set_wall(
    db: Session, *, actor: User, workspace_id: int, organisation_id: int, cooldown_days: int = 0
) -> Wall:
    """Wall an organisation (or change its cool-down); its people lose access at once.

    Args:
        cooldown_days: how long after an affiliation ended it still walls the person.

    Raises:
        Conflict: the wall would shut out the actor themselves.
    """
    if not 0 <= cooldown_days <= MAX_COOLDOWN_DAYS:
        raise InvalidInput(f"must be between 0 and {MAX_COOLDOWN_DAYS}", field="cooldown_days")
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_WALLS)
        organisation_repo.get_organisation(db, organisation_id=organisation_id)
        _refuse_walling_self(db, actor, organisation_id, cooldown_days)
        existing = organisation_repo.find_wall(
            db, workspace_id=workspace_id, organisation_id=organisation_id
        )
        if existing is None:
            organisation_repo.add_wall(
                db,
                workspace_id=workspace_id,
                organisation_id=organisation_id,
                cooldown_days=cooldown_days,
                now=utcnow(),
            )
        else:
            organisation_repo.set_wall_cooldown(
                db,
                workspace_id=workspace_id,
                organisation_id=organisation_id,
                cooldown_days=cooldown_days,
            )
        detail: dict[str, object] = {"cooldown_days": cooldown_days}
        if existing is not None:
            detail["old_cooldown_days"] = existing.cooldown_days
        _record_wall(
            db,
            actor,
            workspace_id,
            "wall.added" if existing is None else "wall.changed",
            organisation_id,
            detail,
        )
        wall = organisation_repo.find_wall(
            db, workspace_id=workspace_id, organisation_id=organisation_id
        )
        assert wall is not None
        return wall


def _refuse_walling_self(
    db: Session, actor: User, organisation_id: int, cooldown_days: int
) -> None:
    # Shutting oneself out would leave a sole owner unable to take the wall down again.
    now = utcnow()
    for a in organisation_repo.list_affiliations(db, user_id=actor.id):
        tie = WallingTie(a.id, a.organisation_id, a.ended_at, cooldown_days)
        if a.organisation_id == organisation_id and walls_out(tie, now):
            raise Conflict("this wall would shut you out of the workspace")


def remove_wall(db: Session, *, actor: User, workspace_id: int, organisation_id: int) -> None:
    """Take a wall down.

    Raises:
        NotFound: this workspace does not wall that organisation.
    """
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.MANAGE_WALLS)
        wall = organisation_repo.find_wall(
            db, workspace_id=workspace_id, organisation_id=organisation_id
        )
        if wall is None:
            raise NotFound("wall", organisation_id)
        organisation_repo.delete_wall(
            db, workspace_id=workspace_id, organisation_id=organisation_id
        )
        _record_wall(
            db,
            actor,
            workspace_id,
            "wall.removed",
            organisation_id,
            {"cooldown_days": wall.cooldown_days},
        )


def _record_wall(
    db: Session,
    actor: User,
    workspace_id: int,
    action: str,
    organisation_id: int,
    detail: dict[str, object],
) -> None:
    ledger.record(
        db,
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        object_type="organisation",
        object_id=organisation_id,
        detail=detail,
    )
