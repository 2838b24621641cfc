"""What every command shares: the settings options, the database, the consoles, friendly errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from tessera.domain.entities import User
from tessera.domain.errors import TesseraError
from tessera.services import accounts
from tessera.settings import MissingSecret, Settings
from tessera.startup import open_database
from tessera.storage.engine import Database

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where keys and the SQLite database live [default: $TESSERA_DATA_DIR or "
        "./tessera-data]. TESSERA_DATABASE_URL overrides the database.",
        show_default=False,
        file_okay=False,
    ),
]


AsOption = Annotated[
    str, typer.Option("--as", metavar="EMAIL", help="Act as this user (their role decides).")
]


def load_settings(data_dir: Path | None) -> Settings:
    """Settings from TESSERA_* variables, with --data-dir winning over TESSERA_DATA_DIR."""
    return Settings(data_dir=data_dir) if data_dir is not None else Settings()


def describe_database(settings: Settings) -> str:
    """The database URL with any password hidden."""
    return make_url(settings.resolved_database_url()).render_as_string(hide_password=True)


def fail(message: str) -> NoReturn:
    """Print a one-line error to stderr and exit with status 1."""
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(1)


class FriendlyErrors(TyperGroup):
    """Turns the errors users cause into one line on stderr and exit status 1, no traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (TesseraError, MissingSecret) as exc:
            fail(str(exc))
        except PermissionError as exc:
            fail(str(exc))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            fail(f"cannot use the database: {reason}")


@contextmanager
def session_for(settings: Settings) -> Iterator[Session]:
    """A session on the checked database (keys present, schema current), closed afterwards."""
    database: Database = open_database(settings)
    try:
        with database.session() as db:
            yield db
    finally:
        database.dispose()


def actor_by_email(db: Session, email: str) -> User:
    """The active user a command acts as (`--as EMAIL`)."""
    return accounts.get_user_by_email(db, email=email)
