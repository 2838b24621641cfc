"""The access ledger from the command line: `tessera audit verify` and `audit checkpoint`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tessera.cli.runtime import (
    DataDirOption,
    actor_by_email,
    console,
    err_console,
    fail,
    load_settings,
    session_for,
)
from tessera.domain.errors import InvalidInput
from tessera.security.signing import SigningKeyError, load_signing_key
from tessera.services import ledger
from tessera.settings import SIGNING_KEY_FILE

audit_app = typer.Typer(help="Verify the access ledger and sign checkpoints.", no_args_is_help=True)


def _chain_name(workspace_id: int) -> str:
    return "system" if workspace_id == ledger.SYSTEM_CHAIN else f"workspace {workspace_id}"


def _read_checkpoint(path: Path) -> ledger.Checkpoint:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"cannot read the checkpoint {path.name}: {exc}")
    return ledger.Checkpoint.from_dict(data)


@audit_app.command("verify")
def verify(
    workspace: Annotated[
        int | None,
        typer.Option("--workspace", help="Only this workspace's chain [default: every chain]."),
    ] = None,
    checkpoint_file: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            exists=True,
            dir_okay=False,
            metavar="FILE.json",
            help="Also prove a checkpoint kept earlier still holds.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Prove every chain unbroken; exit 1 naming the first bad event if one is not."""
    settings = load_settings(data_dir)
    checkpoint = _read_checkpoint(checkpoint_file) if checkpoint_file else None
    if checkpoint is not None and workspace is not None and checkpoint.workspace_id != workspace:
        fail(f"the checkpoint is for workspace {checkpoint.workspace_id}, not {workspace}")
    with session_for(settings) as db:
        if workspace is not None:
            reports = {workspace: ledger.verify_chain(db, workspace)}
        else:
            reports = ledger.verify_all(db)
        if checkpoint is not None:
            ws = checkpoint.workspace_id
            chain = reports.get(ws) or ledger.verify_chain(db, ws)
            checked = ledger.verify_checkpoint(db, checkpoint) if chain.ok else chain
            reports[ws] = chain if checked.ok else checked
    _print_reports(reports, checkpoint)
    broken = [(ws, r) for ws, r in reports.items() if not r.ok]
    for ws, report in broken:
        err_console.print(f"[bold red]error:[/] {_chain_name(ws)}: {escape(report.reason)}")
    if broken:
        raise typer.Exit(1)


def _print_reports(
    reports: dict[int, ledger.VerifyReport], checkpoint: ledger.Checkpoint | None
) -> None:
    table = Table(title="Access ledger")
    table.add_column("chain")
    table.add_column("events", justify="right")
    table.add_column("status")
    for ws, report in sorted(reports.items()):
        status = "[green]intact[/]" if report.ok else f"[red]{escape(report.reason)}[/]"
        if checkpoint is not None and checkpoint.workspace_id == ws and report.ok:
            status += f" (checkpoint at event {checkpoint.seq} holds)"
        table.add_row(_chain_name(ws), str(report.events), status)
    if not reports:
        table.add_row("-", "0", "no chains yet")
    console.print(table)


@audit_app.command("checkpoint")
def checkpoint(
    workspace: Annotated[int, typer.Option("--workspace", help="The workspace's id.")],
    as_email: Annotated[
        str, typer.Option("--as", metavar="EMAIL", help="An owner or auditor of the workspace.")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", dir_okay=False, help="Where to write the JSON.")
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Sign the chain's head now and write the checkpoint; keep it away from this server."""
    settings = load_settings(data_dir)
    try:
        key = load_signing_key(settings.data_dir / SIGNING_KEY_FILE)
    except SigningKeyError as exc:
        fail(str(exc))
    with session_for(settings) as db:
        actor = actor_by_email(db, as_email)
        cp = ledger.create_checkpoint(db, actor=actor, workspace_id=workspace, signing_key=key)
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(cp.to_dict(), fh, indent=2)
            fh.write("\n")
    except OSError as exc:
        raise InvalidInput(f"cannot write {output.name}: {exc.strerror}") from None
    console.print(
        f"Signed {_chain_name(workspace)} at event {cp.seq} "
        f"(key {ledger.public_key_fingerprint(cp.public_key)}); wrote {escape(str(output))}."
    )
