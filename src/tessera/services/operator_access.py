"""What the operator sees without a grant (counts and sizes), and owners' time-boxed grants.

The grants are honoured in one place, `policies.authorize`; this module keeps the records.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tessera.domain.access import OperatorGrant, WorkspaceStats
from tessera.domain.entities import User
from tessera.domain.errors import Forbidden, InvalidInput
from tessera.services import ledger
from tessera.services.accounts import normalise_email
from tessera.services.clock import utcnow
from tessera.services.policies import Action, authorize
from tessera.storage.engine import read_transaction, write_transaction
from tessera.storage.repositories import grants as grant_repo
from tessera.storage.repositories import users as user_repo
from tessera.storage.repositories import workspaces as workspace_repo

GRANT_HOURS_RANGE = (1, 72)


def workspace_overview(db: Session, *, actor: User) -> list[WorkspaceStats]:
    """Every workspace's counts and stored sizes, for operators; no names of people, no content.

    Raises:
        Forbidden: the actor is not an operator.
    """
    if not actor.is_operator:
        raise Forbidden("only an operator may see every workspace")
    with write_transaction(db):
        ledger.record(
            db,
            workspace_id=ledger.SYSTEM_CHAIN,
            actor=actor,
            action="operator.overview",
            object_type="workspace",
        )
        return workspace_repo.list_workspace_stats(db)


def grant_operator_access(
    db: Session, *, actor: User, workspace_id: int, operator_email: str, hours: int
) -> OperatorGrant:
    """An owner lets one operator read this workspace's content for `hours` (1 to 72).

    Raises:
        InvalidInput: no active operator has this email, or hours out of range.
    """
    lo, hi = GRANT_HOURS_RANGE
    if not lo <= hours <= hi:
        raise InvalidInput(f"must be between {lo} and {hi}", field="hours")
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.GRANT_OPERATOR_ACCESS)
        operator = user_repo.find_user_by_email(db, email=normalise_email(operator_email))
        if operator is None or not operator.is_operator or not operator.is_active:
            raise InvalidInput("no operator with this email", field="operator_email")
        now = utcnow()
        grant = grant_repo.add_grant(
            db,
            workspace_id=workspace_id,
            operator_id=operator.id,
            granted_by=actor.id,
            expires_at=now + timedelta(hours=hours),
            now=now,
        )
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="operator.granted",
            object_type="grant",
            object_id=grant.id,
            detail={
                "operator_id": operator.id,
                "hours": hours,
                "expires_at": grant.expires_at.isoformat(),
            },
        )
        return grant


def list_operator_grants(db: Session, *, actor: User, workspace_id: int) -> list[OperatorGrant]:
    """Every grant of this workspace, newest first, live or not."""
    with read_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.GRANT_OPERATOR_ACCESS)
        return grant_repo.list_grants(db, workspace_id=workspace_id)


def revoke_operator_grant(db: Session, *, actor: User, workspace_id: int, grant_id: int) -> None:
    """End a grant now; the operator's next request is refused.

    Raises:
        NotFound: no such grant in this workspace.
    """
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.GRANT_OPERATOR_ACCESS)
        grant = grant_repo.get_grant(db, workspace_id=workspace_id, grant_id=grant_id)
        now = utcnow()
        grant_repo.revoke_grant(db, workspace_id=workspace_id, grant_id=grant_id, now=now)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="operator.revoked",
            object_type="grant",
            object_id=grant_id,
            detail={"operator_id": grant.operator_id, "was_live": grant.is_live(now)},
        )
