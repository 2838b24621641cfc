"""The `tessera` command line: every command, put together under one typer app."""

from __future__ import annotations

import typer

from tessera.cli.commands import audit, demo, keys, quality, schemas, server, transfer, users
from tessera.cli.runtime import FriendlyErrors

app = typer.Typer(
    cls=FriendlyErrors,
    help="Tessera: self-hosted labeling for AI training data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(server.init)
app.add_typer(server.db_app, name="db")
app.command()(server.serve)
app.command()(demo.demo)
app.add_typer(users.user_app, name="user")
app.add_typer(users.token_app, name="token")
app.command("import")(transfer.import_file)
app.command("export")(transfer.export)
app.add_typer(audit.audit_app, name="audit")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(schemas.schema_app, name="schema")
app.add_typer(schemas.template_app, name="template")
app.add_typer(quality.quality_app, name="quality")


def main() -> None:
    """Entry point of the `tessera` script."""
    app()
