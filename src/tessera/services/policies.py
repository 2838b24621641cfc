"""Who may do what: the role-by-action table shared by the API and the web pages."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from tessera.domain.entities import Membership, Role, User
from tessera.domain.errors import Forbidden, NotFound
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


_EVERY_MEMBER = {Action.VIEW_WORKSPACE, Action.VIEW_PROJECT}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.MANAGER: frozenset(set(Action) - {Action.RENAME_WORKSPACE}),
    Role.REVIEWER: frozenset(_EVERY_MEMBER | {Action.LIST_ITEMS, Action.ANNOTATE}),
    Role.ANNOTATOR: frozenset(_EVERY_MEMBER | {Action.ANNOTATE}),
    Role.AUDITOR: frozenset(_EVERY_MEMBER | {Action.VIEW_MEMBERS}),
}

# Only an owner may make or unmake owners and managers.
GRANTABLE_BY: dict[Role, frozenset[Role]] = {
    Role.OWNER: frozenset(Role),
    Role.MANAGER: frozenset({Role.REVIEWER, Role.ANNOTATOR, Role.AUDITOR}),
}


def can(role: Role, action: Action) -> bool:
    """Whether a member with this role may perform the action."""
    return action in ROLE_ACTIONS[role]


def authorize(db: Session, *, actor: User, workspace_id: int, action: Action) -> Membership:
    """The actor's membership if the action is allowed.

    Raises:
        NotFound: the actor is not a member (the workspace's existence stays hidden).
        Forbidden: the actor is a member whose role does not allow the action.
    """
    membership = workspace_repo.find_membership(db, workspace_id=workspace_id, user_id=actor.id)
    if membership is None:
        raise NotFound("workspace", workspace_id)
    if not can(membership.role, action):
        doing = action.value.replace("_", " ")
        raise Forbidden(f"your role ({membership.role.value}) may not {doing}")
    return membership


def check_can_grant(granter: Role, role: Role) -> None:
    """Refuse to let a member hand out (or take away) a role above their own reach."""
    if role not in GRANTABLE_BY.get(granter, frozenset()):
        raise Forbidden(f"your role ({granter.value}) may not manage {role.value} members")
