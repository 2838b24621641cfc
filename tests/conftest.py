"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import itertools
import json
import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tessera.app import create_app
from tessera.domain.entities import Role, User, Workspace
from tessera.security.envelope import Keyring
from tessera.services import accounts, assignment, workspaces
from tessera.settings import MASTER_KEY_FILE, SECRET_KEY_FILE, Settings
from tessera.storage import migrate
from tessera.storage.engine import Database, make_engine, make_single_use_engine

POSTGRES_URL = os.environ.get("TESSERA_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"]
MASTER_KEY = secrets.token_bytes(32)
SECRET_KEY = secrets.token_urlsafe(48)
TEST_PASSWORD = "correct horse battery staple"


def _postgres_schema_url(base: str) -> tuple[str, str]:
    """A URL whose connections use a schema of their own, so concurrent runs never collide."""
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    url = make_url(base)
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database for the whole session, once per backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "tessera.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(make_single_use_engine(url))
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TESSERA_TEST_POSTGRES_URL (CI sets it)")
    url, schema = _postgres_schema_url(POSTGRES_URL)
    admin = make_single_use_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    migrate.upgrade(make_single_use_engine(url))
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database(make_engine(database_url), Keyring(MASTER_KEY))
    yield db
    db.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for name, content in ((SECRET_KEY_FILE, SECRET_KEY.encode()), (MASTER_KEY_FILE, MASTER_KEY)):
        path = data_dir / name
        path.write_bytes(content)
        path.chmod(0o600)
    return Settings(data_dir=data_dir, database_url=database_url, max_upload_bytes=1_000_000)


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database=database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as c:
        yield c


_counter = itertools.count()


@dataclass
class Person:
    user: User
    token: str
    email: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    """Creates users, workspaces and projects directly through the services."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def person(
        self, *, operator: bool = False, label: str = "user", with_password: bool = True
    ) -> Person:
        """A user with an API token; `with_password=False` skips the slow argon2 hash."""
        email = f"{label}{next(_counter)}-{uuid.uuid4().hex[:6]}@example.org"
        with self.database.session() as db:
            user = accounts.create_user(
                db,
                email=email,
                name=label.title(),
                password=TEST_PASSWORD if with_password else None,
                is_operator=operator,
            )
            issued = accounts.create_api_token(db, email=email, name="test")
        return Person(user=user, token=issued.secret, email=email)

    def workspace(self, owner: Person, **members: Role) -> Workspace:
        """A workspace owned by `owner`; create members with `add`."""
        operator = self.person(operator=True, label="operator", with_password=False)
        with self.database.session() as db:
            return workspaces.create_workspace(
                db, actor=operator.user, name=f"Lab {next(_counter)}", owner_email=owner.email
            )

    def add(
        self,
        workspace: Workspace,
        owner: Person,
        role: Role,
        label: str = "",
        with_password: bool = True,
    ) -> Person:
        person = self.person(label=label or role.value, with_password=with_password)
        with self.database.session() as db:
            workspaces.add_member(
                db,
                actor=owner.user,
                workspace_id=workspace.id,
                email=person.email,
                name="",
                role=role,
            )
        return person


@pytest.fixture
def factory(database: Database) -> Factory:
    return Factory(database)


TEXT_SCHEMA: dict[str, object] = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [
        {
            "name": "sentiment",
            "type": "single_choice",
            "options": ["positive", "negative", "neutral"],
        },
        {
            "name": "topics",
            "type": "multi_choice",
            "options": ["price", "quality"],
            "required": False,
        },
        {"name": "note", "type": "text", "required": False, "max_length": 200},
    ],
}


@dataclass
class World:
    """A workspace with an owner, a manager, two annotators and a project of `items` items."""

    client: TestClient
    owner: Person
    manager: Person
    annotators: list[Person]
    workspace: Workspace
    project_id: int

    @property
    def base(self) -> str:
        return f"/api/workspaces/{self.workspace.id}"

    @property
    def project_url(self) -> str:
        return f"{self.base}/projects/{self.project_id}"

    def import_jsonl(self, records: list[dict[str, object]], who: Person | None = None) -> Any:
        body = "\n".join(json.dumps(r) for r in records).encode()
        r = self.client.post(
            f"{self.project_url}/items/import?format=jsonl",
            content=body,
            headers=(who or self.manager).headers,
        )
        assert r.status_code == 200, r.text
        return r.json()

    def next_task(self, who: Person) -> Any:
        r = self.client.post(f"{self.project_url}/tasks/next", headers=who.headers)
        assert r.status_code in (200, 204), r.text
        return r.json() if r.status_code == 200 else None

    def submit(self, who: Person, assignment_id: int, value: dict[str, object]) -> Any:
        return self.client.post(
            f"{self.base}/tasks/{assignment_id}/annotations",
            json={"value": value},
            headers=who.headers,
        )


def make_world(client: TestClient, factory: Factory, *, items: int = 5, overlap: int = 1) -> World:
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    manager = factory.add(ws, owner, Role.MANAGER, with_password=False)
    annotators = [factory.add(ws, owner, Role.ANNOTATOR, with_password=False) for _ in range(2)]
    r = client.post(
        f"/api/workspaces/{ws.id}/projects",
        json={"name": "Reviews", "label_schema": TEXT_SCHEMA, "annotations_per_item": overlap},
        headers=manager.headers,
    )
    assert r.status_code == 201, r.text
    world = World(client, owner, manager, annotators, ws, r.json()["id"])
    if items:
        world.import_jsonl([{"external_id": f"e{i}", "text": f"review {i}"} for i in range(items)])
    return world


@pytest.fixture
def world(client: TestClient, factory: Factory) -> World:
    return make_world(client, factory)


def run_together(work: Sequence[Callable[[], None]], *, timeout_s: float = 120) -> None:
    """Run each callable in a thread of its own, all at once; wait for them, then raise the
    first failure in the calling thread (a thread's exception would otherwise only be printed,
    and the test would pass)."""
    errors: list[BaseException] = []

    def guarded(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # raised below, in the test's thread
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(fn)) for fn in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout_s)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads), f"threads still running after {timeout_s} s"


def answer_all(
    db: Session,
    who: User,
    *,
    workspace_id: int,
    project_id: int,
    value: Callable[[int], dict[str, object]],
) -> int:
    """Take and answer, through the services, every task the project serves `who`; the n-th
    answer is `value(n)`. How many were answered."""
    n = 0
    while (
        task := assignment.next_task(
            db, actor=who, workspace_id=workspace_id, project_id=project_id
        )
    ) is not None:
        assignment.submit_annotation(
            db,
            actor=who,
            workspace_id=workspace_id,
            assignment_id=task.assignment.id,
            value=value(n),
        )
        n += 1
    return n


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI (TESSERA_REQUIRE_ALL_TESTS=1) a skipped test fails the run."""
    if not os.environ.get("TESSERA_REQUIRE_ALL_TESTS"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        print(f"\n{skipped} test(s) skipped, but CI requires every test to run")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
