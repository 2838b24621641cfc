"""Accounts from the command line: `tessera user create|set-password|deactivate|activate`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tessera.cli.runtime import (
    DataDirOption,
    console,
    err_console,
    fail,
    load_settings,
    session_for,
)
from tessera.security.passwords import MIN_PASSWORD_CHARS, generate_password
from tessera.services import accounts

user_app = typer.Typer(
    help="Create users, set their passwords, deactivate and reactivate them.",
    no_args_is_help=True,
)
token_app = typer.Typer(help="Issue API tokens.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]
Generate = Annotated[
    bool,
    typer.Option("--generate", help="Generate a strong password and print it once."),
]


def _password(*, from_stdin: bool, generate: bool) -> tuple[str, bool]:
    """The new password and whether it was generated (then it must be shown)."""
    if from_stdin and generate:
        fail("use either --password-stdin or --generate, not both")
    if generate:
        return generate_password(), True
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on stdin")
        return password, False
    typed: str = typer.prompt(
        f"Password (at least {MIN_PASSWORD_CHARS} characters)",
        hide_input=True,
        confirmation_prompt=True,
    )
    return typed, False


def _show_generated(email: str, password: str) -> None:
    console.print(f"Password for {email}: [bold]{password}[/]")
    console.print("It is shown only this once; store it now.")


@user_app.command("create")
def create_user(
    email: Annotated[str, typer.Argument(help="The login email.")],
    name: Annotated[str, typer.Option(help="Display name [default: the email's local part].")] = "",
    operator: Annotated[
        bool, typer.Option("--operator", help="A platform operator (may create workspaces).")
    ] = False,
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create a user; asks for the password twice unless told where to get it."""
    settings = load_settings(data_dir)
    password, generated = _password(from_stdin=password_stdin, generate=generate)
    with session_for(settings) as db:
        user = accounts.create_user(
            db, email=email, name=name, password=password, is_operator=operator
        )
    kind = "operator" if user.is_operator else "user"
    console.print(f"Created {kind} {user.email} (id {user.id}).")
    if generated:
        _show_generated(user.email, password)


@user_app.command("set-password")
def set_password(
    email: Annotated[str, typer.Argument(help="The login email.")],
    password_stdin: PasswordStdin = False,
    generate: Generate = False,
    data_dir: DataDirOption = None,
) -> None:
    """Replace a user's password; their browser sessions and API tokens end."""
    settings = load_settings(data_dir)
    password, generated = _password(from_stdin=password_stdin, generate=generate)
    with session_for(settings) as db:
        user = accounts.set_password(db, email=email, password=password)
    console.print(
        f"Password changed for {user.email}; their browser sessions and API tokens were ended."
    )
    if generated:
        _show_generated(user.email, password)


@user_app.command("deactivate")
def deactivate_user(
    email: Annotated[str, typer.Argument(help="The login email.")],
    data_dir: DataDirOption = None,
) -> None:
    """Deactivate a user: no more logins; their sessions and API tokens end at once."""
    settings = load_settings(data_dir)
    with session_for(settings) as db:
        user = accounts.deactivate_user(db, email=email)
    console.print(f"Deactivated {user.email}; their browser sessions and API tokens were ended.")


@user_app.command("activate")
def activate_user(
    email: Annotated[str, typer.Argument(help="The login email.")],
    data_dir: DataDirOption = None,
) -> None:
    """Let a deactivated user log in again (their old API tokens stay revoked)."""
    settings = load_settings(data_dir)
    with session_for(settings) as db:
        user = accounts.activate_user(db, email=email)
    console.print(f"Activated {user.email}.")


@token_app.command("create")
def create_token(
    email: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
    data_dir: DataDirOption = None,
) -> None:
    """Issue an API token; it is printed once and stored only hashed."""
    settings = load_settings(data_dir)
    with session_for(settings) as db:
        issued = accounts.create_api_token(db, email=email, name=name)
    # The token alone on stdout, so `TOKEN=$(tessera token create ...)` works; notes on stderr.
    err_console.print(f"API token {issued.token.name!r} for {email}, shown only this once:")
    typer.echo(issued.secret)
    err_console.print("Send it as `Authorization: Bearer <token>`.")
