"""`tessera keys`: rotate a workspace's data key (re-encrypting with a progress bar), status."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tessera.cli.runtime import (
    AsOption,
    DataDirOption,
    actor_by_email,
    console,
    err_console,
    load_settings,
    session_for,
)
from tessera.services import keys

keys_app = typer.Typer(help="Workspace data keys.", no_args_is_help=True)
WorkspaceArg = Annotated[int, typer.Argument(help="The workspace's id.")]


@keys_app.command()
def rotate(workspace_id: WorkspaceArg, as_email: AsOption, data_dir: DataDirOption = None) -> None:
    """Start a new data key now, re-encrypt every item and answer under it, destroy the old key.

    The server keeps serving meanwhile. A passphrase-held workspace must be unlocked in the
    process that rotates, so rotate it through a server process's owner session instead.
    """
    settings = load_settings(data_dir)
    with session_for(settings) as db:
        actor = actor_by_email(db, as_email)
        with Progress(
            TextColumn(f"re-encrypting workspace {workspace_id}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("values"),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress:
            task = progress.add_task("rotate", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            version = keys.rotate_key(db, actor=actor, workspace_id=workspace_id, progress=advance)
    console.print(f"Workspace {workspace_id} now uses key version {version}; older keys destroyed.")


@keys_app.command()
def status(workspace_id: WorkspaceArg, as_email: AsOption, data_dir: DataDirOption = None) -> None:
    """Key versions and whether the owner's passphrase holds them."""
    settings = load_settings(data_dir)
    with session_for(settings) as db:
        s = keys.key_status(db, actor=actor_by_email(db, as_email), workspace_id=workspace_id)
    held = "held by the owner's passphrase" if s.is_customer_held else "wrapped by the master key"
    console.print(f"versions {s.versions}, active {s.active_version}, {held}")
