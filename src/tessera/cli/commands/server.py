"""Setting up and running a server: `tessera init`, `tessera db upgrade`, `tessera serve`."""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tessera import __version__
from tessera.cli.runtime import DataDirOption, console, describe_database, load_settings
from tessera.settings import MASTER_KEY_FILE, SECRET_KEY_FILE, Settings, create_keys
from tessera.storage import migrate
from tessera.storage.engine import make_single_use_engine

if TYPE_CHECKING:
    from fastapi import FastAPI

db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


def init(data_dir: DataDirOption = None) -> None:
    """Create the data directory, the key files and the database schema (safe to repeat)."""
    settings = load_settings(data_dir)
    had_dir = settings.data_dir.is_dir()
    if not had_dir:
        # Only its owner may list it: the database and media live beside the keys.
        settings.data_dir.mkdir(mode=0o700, parents=True)
    key_files = ([SECRET_KEY_FILE] if settings.secret_key is None else []) + [MASTER_KEY_FILE]
    had = {name: (settings.data_dir / name).exists() for name in key_files}
    create_keys(settings)
    before, after = _upgrade(settings)

    console.print(f"[bold]Tessera {__version__}[/]")
    where = settings.data_dir.resolve()
    console.print(f"  data directory  {where} ({'kept' if had_dir else 'created, mode 0700'})")
    if settings.secret_key is not None:
        console.print("  secret key      from TESSERA_SECRET_KEY")
    for name in key_files:
        state = "kept, already there" if had[name] else "created, mode 0600"
        console.print(f"  {name:<15} {state}")
    console.print(f"  database        {describe_database(settings)} ({_change(before, after)})")
    if all(had.values()) and had_dir and before == after:
        console.print("Already initialised: nothing was changed.")
    where_arg = f" --data-dir {data_dir}" if data_dir is not None else ""
    console.print(
        f"Next: [bold]tessera demo{where_arg}[/] for a workspace to try, or "
        f"[bold]tessera user create EMAIL --operator{where_arg}[/]; "
        f"then [bold]tessera serve{where_arg}[/]."
    )


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Bring the database schema to this version's newest revision (safe to repeat)."""
    settings = load_settings(data_dir)
    before, after = _upgrade(settings)
    console.print(f"{describe_database(settings)}: {_change(before, after)}")


def _upgrade(settings: Settings) -> tuple[str | None, str | None]:
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_single_use_engine(settings.resolved_database_url())
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        return before, migrate.current_revision(engine)
    finally:
        engine.dispose()


def _change(before: str | None, after: str | None) -> str:
    if before == after:
        return f"schema already at revision {after}"
    return f"schema upgraded from {before or 'nothing'} to revision {after}"


def freeze_startup_objects() -> None:
    """Leave what start-up built (modules, routes, models, about 180,000 objects) out of every
    later garbage collection. They live as long as the process anyway, and a full collection
    over them stalled every request in flight for about 100 ms: the slowest of 50 requests for
    a page of items was 110-130 ms against a median of 8 ms."""
    gc.collect()
    gc.freeze()


def serve(
    data_dir: DataDirOption = None,
    host: Annotated[
        str | None,
        typer.Option(
            help="Address to listen on [default: $TESSERA_HOST or 127.0.0.1].", show_default=False
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            help="Port to listen on [default: $TESSERA_PORT or 8000].",
            show_default=False,
            min=1,
            max=65535,
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes sharing the port and the database (one per core is a good "
            "start).",
            min=1,
            max=64,
        ),
    ] = 1,
) -> None:
    """Run the web server; refuses to start without keys or on an out-of-date schema."""
    import uvicorn  # here, like the app: only `serve` needs the web stack

    from tessera.app import create_app

    settings = load_settings(data_dir)
    host = host or settings.host
    port = port or settings.port
    app = create_app(settings)  # raises MissingSecret / SchemaOutOfDate before listening
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 (comparison only)
    url = f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"
    console.print(f"[bold]Tessera {__version__}[/] serving {settings.data_dir.resolve()}")
    console.print(f"  database  {describe_database(settings)}")
    if workers > 1:
        console.print(f"  workers   {workers} processes")
    console.print(f"  open      [bold]{url}[/]  (Ctrl+C stops the server)")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "server_header": False,
    }
    if workers == 1:
        freeze_startup_objects()
        uvicorn.run(app, **options)
        return
    # uvicorn starts each worker afresh and has it call `worker_app`, which reads the same
    # settings from the environment; this process only watches over them.
    app.state.database.dispose()
    os.environ["TESSERA_DATA_DIR"] = str(settings.data_dir.resolve())
    uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)


def worker_app() -> FastAPI:
    """The app of one `tessera serve --workers N` process."""
    from tessera.app import create_app

    app = create_app(load_settings(None))
    freeze_startup_objects()
    return app
