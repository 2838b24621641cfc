"""`tessera user create|set-password` and `tessera token create`."""

from __future__ import annotations

import uuid

import pytest
from cli_runner import Cli, ok, refused

from tessera.domain.errors import Unauthenticated
from tessera.services import accounts
from tessera.settings import Settings
from tessera.storage.engine import Database

PASSWORD = "a long enough password"


@pytest.fixture
def cli(settings: Settings) -> Cli:
    return Cli(settings.data_dir, settings.database_url)


def _email() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}@example.org"


def test_create_with_a_prompted_password(cli: Cli, database: Database) -> None:
    email = _email()
    result = ok(cli("user", "create", email, "--name", "Ada", input=f"{PASSWORD}\n{PASSWORD}\n"))
    assert PASSWORD not in result.output  # hidden input is not echoed
    with database.session() as db:
        user = accounts.authenticate(db, email=email, password=PASSWORD)
    assert user.name == "Ada" and not user.is_operator


def test_prompt_asks_again_when_the_two_differ(cli: Cli, database: Database) -> None:
    email = _email()
    answers = f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n"
    ok(cli("user", "create", email, input=answers))
    with database.session() as db:
        accounts.authenticate(db, email=email, password=PASSWORD)


def test_create_operator_from_stdin(cli: Cli, database: Database) -> None:
    email = _email()
    ok(cli("user", "create", email, "--operator", "--password-stdin", input=PASSWORD + "\n"))
    with database.session() as db:
        assert accounts.authenticate(db, email=email, password=PASSWORD).is_operator


def test_generated_password_is_printed_once_and_works(cli: Cli, database: Database) -> None:
    email = _email()
    out = ok(cli("user", "create", email, "--generate")).stdout
    line = next(x for x in out.splitlines() if x.startswith(f"Password for {email}:"))
    password = line.split(":", 1)[1].strip()
    with database.session() as db:
        accounts.authenticate(db, email=email, password=password)


def test_refusals_are_one_line(cli: Cli) -> None:
    email = _email()
    refused(cli("user", "create", email, "--password-stdin", input="short\n"), "at least 12")
    ok(cli("user", "create", email, "--password-stdin", input=PASSWORD + "\n"))
    refused(cli("user", "create", email, "--password-stdin", input=PASSWORD + "\n"), "already")
    refused(cli("user", "create", "not-an-email", "--generate"), "not a valid email")
    refused(cli("user", "set-password", _email(), "--generate"), "no user with this email")


def test_set_password(cli: Cli, database: Database) -> None:
    email = _email()
    ok(cli("user", "create", email, "--password-stdin", input=PASSWORD + "\n"))
    new = "another long password"
    ok(cli("user", "set-password", email, input=f"{new}\n{new}\n"))
    with database.session() as db:
        accounts.authenticate(db, email=email, password=new)
        with pytest.raises(Unauthenticated):
            accounts.authenticate(db, email=email, password=PASSWORD)


def test_token_create_prints_only_the_token_on_stdout(cli: Cli, database: Database) -> None:
    email = _email()
    ok(cli("user", "create", email, "--generate"))
    result = ok(cli("token", "create", email, "--name", "laptop"))
    token = result.stdout.strip()
    assert "shown only this once" in result.stderr
    with database.session() as db:
        user = accounts.user_from_api_token(db, secret=token)
    assert user is not None and user.email == email
    refused(cli("token", "create", _email()), "no user with this email")


def test_deactivate_ends_tokens_and_activate_lets_the_user_back(
    cli: Cli, database: Database
) -> None:
    email = _email()
    ok(cli("user", "create", email, "--password-stdin", input=PASSWORD + "\n"))
    token = ok(cli("token", "create", email)).stdout.strip()
    assert "tokens were ended" in ok(cli("user", "deactivate", email)).stdout
    with database.session() as db:
        assert accounts.user_from_api_token(db, secret=token) is None
        with pytest.raises(Unauthenticated):
            accounts.authenticate(db, email=email, password=PASSWORD)
    ok(cli("user", "activate", email))
    with database.session() as db:
        assert accounts.authenticate(db, email=email, password=PASSWORD).is_active
        assert accounts.user_from_api_token(db, secret=token) is None
    refused(cli("user", "deactivate", _email()), "no user with this email")
