"""Accounts: login lockout, failed logins on the ledger, deactivation and password changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from conftest import TEST_PASSWORD, Factory, Person
from tessera.domain.errors import Unauthenticated
from tessera.services import accounts, ledger
from tessera.services.clock import utcnow
from tessera.storage.engine import Database, read_transaction
from tessera.storage.repositories import ledger as ledger_repo
from tessera.storage.repositories import users as user_repo

WRONG = "not the password at all"


def fail_login(database: Database, email: str, password: str = WRONG, **kw: object) -> str:
    with database.session() as db, pytest.raises(Unauthenticated) as refused:
        accounts.authenticate(db, email=email, password=password, **kw)  # type: ignore[arg-type]
    return refused.value.message


def failed_logins_of(database: Database, email: str) -> list[ledger_repo.LedgerRow]:
    with database.session() as db, read_transaction(db):
        rows = ledger_repo.iter_events(db, workspace_id=ledger.SYSTEM_CHAIN)
        return [r for r in rows if r.action == "login.failed" and r.actor == email]


def test_five_failures_lock_the_account_even_for_the_right_password(factory: Factory) -> None:
    p = factory.person()
    db = factory.database
    now = utcnow()
    messages = {fail_login(db, p.email, now=now) for _ in range(accounts.MAX_FAILED_LOGINS)}
    # locked now: the right password is refused, with the very same answer
    messages.add(fail_login(db, p.email, TEST_PASSWORD, now=now + timedelta(minutes=14)))
    messages.add(fail_login(db, "nobody-at-all@example.org"))
    assert messages == {"wrong email or password"}
    with db.session() as s:
        user = accounts.authenticate(
            s, email=p.email, password=TEST_PASSWORD, now=now + timedelta(minutes=16)
        )
        assert user.id == p.user.id
        with read_transaction(s):
            state = user_repo.find_login_state(s, user_id=p.user.id)
    assert state is not None and state.failed_logins == 0 and state.locked_until is None
    reasons = [r.detail for r in failed_logins_of(db, p.email)]
    assert len(reasons) == 6
    assert "locked_until" in reasons[4] and '"reason": "locked"' in reasons[5]


def test_success_resets_the_count(factory: Factory) -> None:
    p = factory.person()
    db = factory.database
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        fail_login(db, p.email)
    with db.session() as s:
        accounts.authenticate(s, email=p.email, password=TEST_PASSWORD)
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        fail_login(db, p.email)
    with db.session() as s:
        assert accounts.authenticate(s, email=p.email, password=TEST_PASSWORD).id == p.user.id


def test_failed_login_records_the_email_tried(factory: Factory) -> None:
    tried = "  Someone.Unknown@Example.org "
    fail_login(factory.database, tried)
    rows = failed_logins_of(factory.database, tried.strip().lower())
    assert len(rows) == 1 and rows[0].actor_id is None and '"unknown_email"' in rows[0].detail
    long = "x" * 1000 + "@example.org"
    fail_login(factory.database, long)
    assert len(failed_logins_of(factory.database, long[: accounts.EMAIL_MAX_CHARS])) == 1


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def web_login(client: TestClient, person: Person) -> None:
    token = _CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post(
        "/login",
        data={"email": person.email, "password": TEST_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303


@pytest.mark.parametrize("how", ["deactivate", "set_password"])
def test_deactivating_or_a_new_password_ends_every_session_and_token(
    client: TestClient, factory: Factory, how: str
) -> None:
    p = factory.person()
    with factory.database.session() as db:
        other_token = accounts.create_api_token(db, email=p.email, name="second").secret
    web_login(client, p)
    assert client.get("/", follow_redirects=False).status_code == 200
    assert client.get("/api/me", headers=p.headers).status_code == 200
    with factory.database.session() as db:
        if how == "deactivate":
            accounts.deactivate_user(db, email=p.email)
        else:
            accounts.set_password(db, email=p.email, password="a brand new password")
    assert client.get("/api/me", headers=p.headers).status_code == 401
    assert (
        client.get("/api/me", headers={"Authorization": f"Bearer {other_token}"}).status_code == 401
    )
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    with factory.database.session() as db:
        assert accounts.user_from_api_token(db, secret=p.token) is None
    action = "user.deactivated" if how == "deactivate" else "user.password_changed"
    with factory.database.session() as db, read_transaction(db):
        rows = [
            r
            for r in ledger_repo.iter_events(db, workspace_id=ledger.SYSTEM_CHAIN)
            if r.action == action and r.object_id == str(p.user.id)
        ]
    assert len(rows) == 1 and '"tokens_revoked": 2' in rows[0].detail


def test_deactivated_user_cannot_log_in_until_activated(factory: Factory) -> None:
    p = factory.person()
    with factory.database.session() as db:
        assert not accounts.deactivate_user(db, email=p.email).is_active
    assert fail_login(factory.database, p.email, TEST_PASSWORD) == "wrong email or password"
    with factory.database.session() as db:
        assert accounts.activate_user(db, email=p.email).is_active
        assert accounts.authenticate(db, email=p.email, password=TEST_PASSWORD).id == p.user.id
        assert accounts.user_from_api_token(db, secret=p.token) is None  # stays revoked
