"""The login form under lockout: one answer for a locked account; back after the window."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from conftest import TEST_PASSWORD, Factory
from tessera.services import accounts
from tessera.services.clock import utcnow

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def post_login(client: TestClient, email: str, password: str) -> int:
    token = _CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    if r.status_code == 401:
        assert "wrong email or password" in r.text
    return r.status_code


def test_form_locks_after_five_failures(
    client: TestClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = factory.person()
    for _ in range(accounts.MAX_FAILED_LOGINS):
        assert post_login(client, p.email, "wrong password, again") == 401
    assert post_login(client, p.email, TEST_PASSWORD) == 401  # locked: the same page
    later = utcnow() + accounts.LOCKOUT + timedelta(seconds=1)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    assert post_login(client, p.email, TEST_PASSWORD) == 303
