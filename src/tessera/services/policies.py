"""Who may do what: the role-by-action table, walls and operator grants, shared by API and web."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from tessera.domain.access import OperatorGrant, WallingTie, walls_out
from tessera.domain.entities import ApiCaller, Membership, Role, User
from tessera.domain.errors import Forbidden, NotFound, Unauthenticated
from tessera.services.clock import utcnow
from tessera.storage.engine import write_transaction
from tessera.storage.repositories import grants as grant_repo
from tessera.storage.repositories import media as media_repo
from tessera.storage.repositories import organisations as organisation_repo
from tessera.storage.repositories import users as user_repo
from tessera.storage.repositories import workspaces as workspace_repo


class Action(StrEnum):
    VIEW_WORKSPACE = "view_workspace"
    RENAME_WORKSPACE = "rename_workspace"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    VIEW_PROJECT = "view_project"
    MANAGE_PROJECT = "manage_project"
    IMPORT_ITEMS = "import_items"
    LIST_ITEMS = "list_items"
    EXPORT = "export"
    ANNOTATE = "annotate"
    VIEW_LEDGER = "view_ledger"
    MANAGE_WALLS = "manage_walls"
    GRANT_OPERATOR_ACCESS = "grant_operator_access"
    VERIFY_AFFILIATIONS = "verify_affiliations"
    MANAGE_KEYS = "manage_keys"
    DELETE_WORKSPACE = "delete_workspace"
    REVIEW = "review"  # take annotations from the review queue and decide on them
    MANAGE_QUALITY = "manage_quality"  # gold, pauses, aggregation, the quality page
    FETCH_MEDIA = "fetch_media"


_EVERY_MEMBER = {Action.VIEW_WORKSPACE, Action.VIEW_PROJECT}
_OWNER_ONLY = {
    Action.RENAME_WORKSPACE,
    Action.GRANT_OPERATOR_ACCESS,
    Action.MANAGE_KEYS,
    Action.DELETE_WORKSPACE,
}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.MANAGER: frozenset(set(Action) - _OWNER_ONLY - {Action.VIEW_LEDGER}),
    Role.REVIEWER: frozenset(
        _EVERY_MEMBER | {Action.LIST_ITEMS, Action.ANNOTATE, Action.FETCH_MEDIA, Action.REVIEW}
    ),
    # an annotator's FETCH_MEDIA is narrowed to their own items by `authorize_media_fetch`
    Role.ANNOTATOR: frozenset(_EVERY_MEMBER | {Action.ANNOTATE, Action.FETCH_MEDIA}),
    Role.AUDITOR: frozenset(_EVERY_MEMBER | {Action.VIEW_MEMBERS, Action.VIEW_LEDGER}),
}

# An operator inside an owner's unexpired grant: an auditor's reads plus the content reads.
# Read content, change nothing.
OPERATOR_GRANT_ACTIONS: frozenset[Action] = ROLE_ACTIONS[Role.AUDITOR] | {
    Action.VIEW_PROJECT,
    Action.LIST_ITEMS,
    Action.EXPORT,
    Action.FETCH_MEDIA,
}
# The role an operator's virtual membership reports; only the actions above are allowed.
OPERATOR_GRANT_ROLE = Role.AUDITOR

# Only an owner may make or unmake owners and managers.
GRANTABLE_BY: dict[Role, frozenset[Role]] = {
    Role.OWNER: frozenset(Role),
    Role.MANAGER: frozenset({Role.REVIEWER, Role.ANNOTATOR, Role.AUDITOR}),
}


def can(role: Role, action: Action) -> bool:
    """Whether a member with this role may perform the action."""
    return action in ROLE_ACTIONS[role]


def authorize(
    db: Session,
    *,
    actor: User,
    workspace_id: int,
    action: Action,
    now: datetime | None = None,
    lock_member: bool = False,
) -> Membership:
    """The actor's membership if the action is allowed; the one gate every read and write passes.

    An operator with a live grant and no membership gets a virtual read-only membership; each
    use of it is recorded. A walled person is refused like a stranger, and the refusal recorded.
    `lock_member` holds the member's row until the transaction ends (PostgreSQL): one member's
    task requests then run one at a time.

    Raises:
        NotFound: not a member (and no live grant), or walled: the workspace stays hidden.
        Forbidden: a member whose role (or an operator whose grant) does not allow the action.
    """
    membership, ties = workspace_repo.find_member_access(
        db, workspace_id=workspace_id, user_id=actor.id, lock=lock_member
    )
    return _judge(db, actor, workspace_id, action, now or utcnow(), membership, ties)


def authorize_caller(
    db: Session,
    *,
    caller: User | ApiCaller,
    workspace_id: int,
    action: Action,
    lock_member: bool = False,
) -> tuple[User, Membership]:
    """`authorize` for a caller who may be known only by an API token: the token is checked in
    the statement that reads the membership, one round trip for both on the routes annotators
    call all day. Returns the caller as a user, and their membership.

    Raises:
        Unauthenticated: the token is unknown or revoked, or its owner was deactivated.
        NotFound, Forbidden: as `authorize`.
    """
    if isinstance(caller, User):
        actor = caller
    else:
        found = workspace_repo.find_member_access_by_token(
            db, workspace_id=workspace_id, token_hash=caller.token_hash, lock=lock_member
        )
        if found is not None:
            actor, membership, ties = found
            return actor, _judge(db, actor, workspace_id, action, utcnow(), membership, ties)
        # no such token, or its owner is no member here: the two statements tell which
        owner = user_repo.find_user_by_token_hash(db, token_hash=caller.token_hash)
        if owner is None:
            raise Unauthenticated("invalid or revoked token")
        actor = owner
    membership = authorize(
        db, actor=actor, workspace_id=workspace_id, action=action, lock_member=lock_member
    )
    return actor, membership


def _judge(
    db: Session,
    actor: User,
    workspace_id: int,
    action: Action,
    now: datetime,
    membership: Membership | None,
    ties: list[WallingTie],
) -> Membership:
    grant = None
    if membership is None and actor.is_operator:
        grant = grant_repo.find_live_grant(
            db, workspace_id=workspace_id, operator_id=actor.id, now=now
        )
    if membership is None and grant is None:
        raise NotFound("workspace", workspace_id)
    if membership is None:  # an operator's own ties: a grant does not pass a wall
        ties = organisation_repo.list_walling_ties(db, workspace_id=workspace_id, user_id=actor.id)
    tie = next((t for t in ties if walls_out(t, now)), None)
    if tie is not None:
        record_after(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="wall.refused",
            object_type="user",
            object_id=actor.id,
            detail={"action": action.value, "organisation_id": tie.organisation_id},
        )
        raise NotFound("workspace", workspace_id)
    if grant is not None:
        return _operator_membership(db, actor=actor, grant=grant, action=action)
    assert membership is not None
    if not can(membership.role, action):
        doing = action.value.replace("_", " ")
        raise Forbidden(f"your role ({membership.role.value}) may not {doing}")
    return membership


def authorize_media_fetch(
    db: Session, *, actor: User, workspace_id: int, media_id: int, now: datetime | None = None
) -> Membership:
    """`authorize` for FETCH_MEDIA, narrowed for annotators to media of items they were
    assigned (a live lease or their history); any other media answers 404 like a missing one.
    """
    membership = authorize(
        db, actor=actor, workspace_id=workspace_id, action=Action.FETCH_MEDIA, now=now
    )
    if membership.role is Role.ANNOTATOR and not media_repo.is_media_of_users_items(
        db, workspace_id=workspace_id, media_id=media_id, user_id=actor.id
    ):
        raise NotFound("media", media_id)
    return membership


def _operator_membership(
    db: Session, *, actor: User, grant: OperatorGrant, action: Action
) -> Membership:
    allowed = action in OPERATOR_GRANT_ACTIONS
    record_after(
        db,
        workspace_id=grant.workspace_id,
        actor=actor,
        action="operator.access",
        object_type="grant",
        object_id=grant.id,
        detail={"action": action.value, "allowed": allowed},
    )
    if not allowed:
        raise Forbidden("an operator's access grant allows reading only")
    return Membership(
        workspace_id=grant.workspace_id,
        user_id=actor.id,
        role=OPERATOR_GRANT_ROLE,
        email=actor.email,
        name=actor.name,
        created_at=grant.created_at,
    )


def find_walling_tie(
    db: Session, *, workspace_id: int, user_id: int, now: datetime
) -> WallingTie | None:
    """The affiliation that walls this person out of this workspace now, if any.

    Declared and verified affiliations count alike: a self-declared tie is enough to refuse.
    """
    ties = organisation_repo.list_walling_ties(db, workspace_id=workspace_id, user_id=user_id)
    return next((t for t in ties if walls_out(t, now)), None)


def check_can_grant(granter: Role, role: Role) -> None:
    """Refuse to let a member hand out (or take away) a role above their own reach."""
    if role not in GRANTABLE_BY.get(granter, frozenset()):
        raise Forbidden(f"your role ({granter.value}) may not manage {role.value} members")


# Recording refusals: an event recorded inside the caller's transaction would be rolled back
# with it when the refusal raises. Writing at once on a second connection is no better: on
# SQLite it waits for the write lock a writing caller holds (until the busy timeout), and on
# PostgreSQL it may wait for a chain head the caller has locked. So the event waits until the
# caller's transaction has ended, committed or rolled back, and is then appended in a short
# write transaction of its own, on a new session bound to the same engine. A failure to write
# it raises from the caller's `with` block: a read under a grant is never served unrecorded.

_PENDING_KEY = "tessera_ledger_pending"


@dataclass(frozen=True)
class _PendingEvent:
    workspace_id: int
    actor: User | None
    action: str
    object_type: str
    object_id: str | int | None
    detail: Mapping[str, object] = field(default_factory=dict)


def record_after(
    db: Session,
    *,
    workspace_id: int,
    actor: User | None,
    action: str,
    object_type: str = "",
    object_id: str | int | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    """Append a ledger event that must survive the caller's transaction, whatever its outcome.

    Outside a transaction the event is written at once; inside one, as soon as it ends.
    """
    pending = _PendingEvent(workspace_id, actor, action, object_type, object_id, detail or {})
    if not db.in_transaction():
        _write_events(db, [pending])
        return
    db.info.setdefault(_PENDING_KEY, []).append(pending)
    if not event.contains(db, "after_transaction_end", _flush_pending):
        event.listen(db, "after_transaction_end", _flush_pending)


def _flush_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint ended; the outer transaction still holds the locks
    pending: list[_PendingEvent] | None = session.info.pop(_PENDING_KEY, None)
    if pending:
        _write_events(session, pending)


def _write_events(db: Session, events: list[_PendingEvent]) -> None:
    # Imported here: the ledger service itself authorizes its readers through this module.
    from tessera.services import ledger

    info: dict[Any, Any] = {k: v for k, v in db.info.items() if k != _PENDING_KEY}
    with Session(bind=db.get_bind(), info=info) as side, write_transaction(side):
        for e in events:
            ledger.record(
                side,
                workspace_id=e.workspace_id,
                actor=e.actor,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                detail=e.detail,
            )
