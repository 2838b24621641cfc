"""`tessera demo`: a workspace to try Tessera with, its logins printed once."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tessera.cli.runtime import DataDirOption, console, load_settings, session_for
from tessera.services import demo as demo_service
from tessera.settings import Settings


def demo(
    if_missing: Annotated[
        bool,
        typer.Option("--if-missing", help="Do nothing (but list the logins) if the demo exists."),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create the "Demo Lab" workspace: five logins, 200 reviews and one project per template."""
    settings = load_settings(data_dir)
    with session_for(settings) as db:
        existing = demo_service.find_demo(db) if if_missing else None
        creds = existing or demo_service.create_demo(db)
    table = Table(title=f"{creds.workspace.name}: logins", title_justify="left")
    table.add_column("role")
    table.add_column("email")
    table.add_column("password")
    for login in creds.logins:
        table.add_row(login.role, login.email, login.password or "(shown when created)")
    console.print(table)
    project = creds.project
    console.print(
        f"Project [bold]{project.name}[/] (id {project.id}): {project.counts.items} reviews, "
        f"{project.annotations_per_item} annotators per review."
    )
    for p in creds.template_projects:
        console.print(f"  template project [bold]{p.name}[/] (id {p.id}): {p.counts.items} items")
    if existing is not None:
        console.print(
            "The demo already exists; its passwords were shown when it was created. "
            "Reset one with [bold]tessera user set-password EMAIL[/]."
        )
    else:
        console.print("[bold]These passwords are shown only this once.[/]")
    console.print(f"Start the server with [bold]tessera serve[/] and open {_url(settings)}")


def _url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104
    return f"http://{host}:{settings.port}/"
