"""Who is kept out or let in: organisations, affiliations, walls and operator access grants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Affiliation:
    """A person's tie to an organisation: declared by the person, maybe verified by a manager."""

    id: int
    user_id: int
    organisation_id: int
    organisation_name: str
    is_verified: bool
    verified_by: int | None
    ended_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Wall:
    """A workspace keeps out everyone tied to this organisation, and for a while after."""

    workspace_id: int
    organisation_id: int
    organisation_name: str
    cooldown_days: int
    created_at: datetime


@dataclass(frozen=True)
class WallingTie:
    """One of a person's affiliations with an organisation a workspace walls."""

    affiliation_id: int
    organisation_id: int
    ended_at: datetime | None
    cooldown_days: int


def walls_out(tie: WallingTie, now: datetime) -> bool:
    """Whether this tie keeps the person out now.

    A current affiliation always does; an ended one does until `cooldown_days` have passed
    since it ended (ended exactly `cooldown_days` ago: no longer walled).
    """
    if tie.ended_at is None:
        return True
    return tie.ended_at > now - timedelta(days=tie.cooldown_days)


@dataclass(frozen=True)
class OperatorGrant:
    """Time-boxed read access an owner gave one operator to one workspace."""

    id: int
    workspace_id: int
    operator_id: int
    operator_email: str
    granted_by: int
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime

    def is_live(self, now: datetime) -> bool:
        """Unrevoked and unexpired."""
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class WorkspaceStats:
    """What an operator may see of a workspace: counts and sizes, never content."""

    id: int
    name: str
    created_at: datetime
    members: int
    projects: int
    items: int
    annotations: int
    content_bytes: int
