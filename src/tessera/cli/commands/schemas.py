"""`tessera schema convert` and `tessera template ...`: schema files, projects from templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tessera.cli.runtime import (
    AsOption,
    DataDirOption,
    actor_by_email,
    console,
    err_console,
    load_settings,
    session_for,
)
from tessera.services import schemas, templates
from tessera.services.schemas import SchemaFormat

schema_app = typer.Typer(
    help="Label schemas: check and convert schema files.", no_args_is_help=True
)
template_app = typer.Typer(help="Project templates with demo data.", no_args_is_help=True)


@schema_app.command("convert")
def convert(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The schema file.")],
    fmt: Annotated[
        SchemaFormat | None,
        typer.Option("--format", help="Default: from the extension (.json, .yaml, .xml)."),
    ] = None,
) -> None:
    """Print a JSON, YAML or Label Studio XML schema as Tessera JSON; unmapped tags on stderr.

    Exits with status 2 when some Label Studio tags could not be converted.
    """
    imported = schemas.read_schema(file.read_bytes(), fmt or schemas.format_of_filename(file.name))
    console.print_json(json.dumps(imported.schema.to_dict(), ensure_ascii=False))
    for note in imported.notes:
        err_console.print(f"note: {escape(note)}")
    for u in imported.unsupported:
        named = f" name={u.name!r}" if u.name else ""
        err_console.print(
            f"[yellow]unsupported[/] <{escape(u.tag)}>{escape(named)}: {escape(u.reason)}"
        )
    if imported.unsupported:
        raise typer.Exit(2)


@template_app.command("list")
def list_templates() -> None:
    """The templates `tessera template create` and `tessera demo` use."""
    table = Table(title="Templates", title_justify="left")
    table.add_column("key")
    table.add_column("title")
    table.add_column("demo items", justify="right")
    table.add_column("what it is")
    for t in templates.TEMPLATES.values():
        table.add_row(t.key, t.title, str(len(t.items)), t.description)
    console.print(table)


@template_app.command("create")
def create(
    workspace_id: Annotated[int, typer.Argument(help="The workspace to create the project in.")],
    key: Annotated[str, typer.Argument(help="A template key (see `tessera template list`).")],
    as_email: AsOption,
    name: Annotated[
        str | None, typer.Option("--name", help="Default: the template's title.")
    ] = None,
    no_items: Annotated[
        bool, typer.Option("--no-items", help="Only the schema and guidelines, no demo items.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create a project from a template, with its demo items unless --no-items."""
    settings = load_settings(data_dir)
    with session_for(settings) as db:
        actor = actor_by_email(db, as_email)
        made = templates.create_project_from_template(
            db, actor=actor, workspace_id=workspace_id, key=key, name=name, with_items=not no_items
        )
    console.print(
        f"Created project {made.project.id} ({escape(made.project.name)}) with "
        f"{made.items_created} items."
    )
