"""The demo workspace: logins for every role, a sentiment project with realistic reviews, and
one project per template."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tessera.domain.entities import Project, Role, User, Workspace
from tessera.domain.errors import Conflict
from tessera.formats import ImportFormat
from tessera.security.passwords import generate_password
from tessera.services import accounts, imports, projects, templates, workspaces
from tessera.services.demo_data import demo_reviews
from tessera.storage.engine import read_transaction
from tessera.storage.repositories import users as user_repo

DEMO_DOMAIN = "demo.tessera.local"
WORKSPACE_NAME = "Demo Lab"
PROJECT_NAME = "Customer review sentiment"
REVIEW_COUNT = 200
OPERATOR = "operator"  # the login's role column for the platform operator (no membership)

# (local part, display name, role in the workspace or None for the operator)
LOGINS: tuple[tuple[str, str, Role | None], ...] = (
    ("operator", "Demo Operator", None),
    ("owner", "Olivia Owner", Role.OWNER),
    ("manager", "Marco Manager", Role.MANAGER),
    ("annotator1", "Ana Annotator", Role.ANNOTATOR),
    ("annotator2", "Arjun Annotator", Role.ANNOTATOR),
)

LABEL_SCHEMA: dict[str, object] = {
    "fields": [
        {"name": "product", "type": "text", "title": "Product"},
        {"name": "review", "type": "text", "title": "Review"},
    ],
    "questions": [
        {
            "name": "sentiment",
            "type": "single_choice",
            "title": "Overall sentiment",
            "options": ["positive", "negative", "neutral", "mixed"],
        },
        {
            "name": "aspects",
            "type": "multi_choice",
            "title": "Aspects mentioned",
            "options": ["price", "quality", "shipping", "support", "usability"],
            "required": False,
        },
        {
            "name": "note",
            "type": "text",
            "title": "Note (sarcasm, wrong product, anything odd)",
            "required": False,
            "max_length": 500,
        },
    ],
}
DESCRIPTION = (
    "Read each customer review and label its overall sentiment. Choose *mixed* when the review "
    "is clearly positive about one thing and negative about another; *neutral* when it has no "
    "opinion either way. Tick every aspect the review talks about."
)


@dataclass(frozen=True)
class DemoLogin:
    """One demo account; the password is set only when it was (re)generated just now."""

    email: str
    name: str
    role: str  # a workspace role, or "operator"
    password: str | None


@dataclass(frozen=True)
class DemoCredentials:
    workspace: Workspace
    project: Project
    logins: tuple[DemoLogin, ...]
    template_projects: tuple[Project, ...] = ()  # one per template (services.templates)


def demo_email(local: str) -> str:
    """The address of a demo account, e.g. ``owner@demo.tessera.local``."""
    return f"{local}@{DEMO_DOMAIN}"


def find_demo(db: Session) -> DemoCredentials | None:
    """The complete demo workspace if there is one (passwords are never known afterwards)."""
    owner = _find_user(db, demo_email("owner"))
    if owner is None:
        return None
    found = _find_workspace_and_project(db, owner)
    if found is None or found[1] is None or found[1].counts.items == 0:
        return None
    logins = tuple(
        DemoLogin(demo_email(local), name, role.value if role else OPERATOR, None)
        for local, name, role in LOGINS
    )
    return DemoCredentials(workspace=found[0], project=found[1], logins=logins)


def create_demo(db: Session, *, review_count: int = REVIEW_COUNT) -> DemoCredentials:
    """Create the demo workspace, its five logins and a project of `review_count` reviews.

    Each step goes through the ordinary services and is safe to repeat, so an interrupted run
    is finished by the next one; demo accounts left by such a run get new passwords.

    Raises:
        Conflict: the demo already exists (`find_demo` returns it).
    """
    if find_demo(db) is not None:
        raise Conflict(
            f"the demo workspace {WORKSPACE_NAME!r} already exists "
            "(reset a password with `tessera user set-password EMAIL`)"
        )
    users: dict[str, tuple[User, DemoLogin]] = {}
    for local, name, role in LOGINS:
        password = generate_password()
        user = _ensure_user(db, demo_email(local), name, password, is_operator=role is None)
        login = DemoLogin(user.email, name, role.value if role else OPERATOR, password)
        users[local] = (user, login)
    operator, owner = users["operator"][0], users["owner"][0]
    found = _find_workspace_and_project(db, owner)
    ws = found[0] if found else _create_workspace(db, operator, owner)
    _add_members(db, owner, ws, users)
    project = found[1] if found and found[1] else _create_project(db, owner, ws)
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in demo_reviews(review_count))
    imports.import_items(
        db,
        actor=owner,
        workspace_id=ws.id,
        project_id=project.id,
        stream=io.BytesIO(body.encode("utf-8")),
        fmt=ImportFormat.JSONL,
    )
    project = projects.get_project(db, actor=owner, workspace_id=ws.id, project_id=project.id)
    return DemoCredentials(
        workspace=ws,
        project=project,
        logins=tuple(login for _, login in users.values()),
        template_projects=add_template_projects(db, owner, ws),
    )


def add_template_projects(db: Session, owner: User, ws: Workspace) -> tuple[Project, ...]:
    """One project per template, with its demo items; those already there are kept as they are."""
    have = {p.name: p for p in projects.list_projects(db, actor=owner, workspace_id=ws.id)}
    made = []
    for template in templates.TEMPLATES.values():
        found = have.get(template.title)
        if found is None:
            found = templates.create_project_from_template(
                db, actor=owner, workspace_id=ws.id, key=template.key
            ).project
        made.append(found)
    return tuple(made)


def _find_user(db: Session, email: str) -> User | None:
    with read_transaction(db):
        return user_repo.find_user_by_email(db, email=email)


def _ensure_user(db: Session, email: str, name: str, password: str, *, is_operator: bool) -> User:
    if _find_user(db, email) is None:
        return accounts.create_user(
            db, email=email, name=name, password=password, is_operator=is_operator
        )
    return accounts.set_password(db, email=email, password=password)


def _find_workspace_and_project(
    db: Session, owner: User
) -> tuple[Workspace, Project | None] | None:
    for ws, role in workspaces.list_my_workspaces(db, actor=owner):
        if ws.name == WORKSPACE_NAME and role is Role.OWNER:
            for p in projects.list_projects(db, actor=owner, workspace_id=ws.id):
                if p.name == PROJECT_NAME:
                    return ws, p
            return ws, None
    return None


def _create_workspace(db: Session, operator: User, owner: User) -> Workspace:
    return workspaces.create_workspace(
        db, actor=operator, name=WORKSPACE_NAME, owner_email=owner.email
    )


def _add_members(
    db: Session, owner: User, ws: Workspace, users: dict[str, tuple[User, DemoLogin]]
) -> None:
    present = {m.user_id for m in workspaces.list_members(db, actor=owner, workspace_id=ws.id)}
    for local, _, role in LOGINS:
        user = users[local][0]
        if role is None or user.id in present:
            continue
        workspaces.add_member(
            db, actor=owner, workspace_id=ws.id, email=user.email, name=user.name, role=role
        )


def _create_project(db: Session, owner: User, ws: Workspace) -> Project:
    return projects.create_project(
        db,
        actor=owner,
        workspace_id=ws.id,
        name=PROJECT_NAME,
        description=DESCRIPTION,
        label_schema=LABEL_SCHEMA,
        annotations_per_item=2,
    )
