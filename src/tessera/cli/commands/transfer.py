"""Moving items in and out: `tessera import` and `tessera export`, with progress bars."""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from tessera.cli.runtime import (
    AsOption,
    DataDirOption,
    actor_by_email,
    err_console,
    fail,
    load_settings,
    session_for,
)
from tessera.domain.entities import Project
from tessera.domain.errors import InvalidInput
from tessera.formats import ImportFormat, detect_format
from tessera.services import imports, projects
from tessera.services.exports import ExportFormat, export_project


class _CountingReader(io.RawIOBase):
    """A file that reports how many bytes have been read from it."""

    def __init__(self, raw: BinaryIO, progress: Progress, task: TaskID) -> None:
        self._raw, self._progress, self._task = raw, progress, task

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._progress.advance(self._task, len(data))
        return len(data)


def import_file(
    project_id: Annotated[int, typer.Argument(help="The project's id.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The file to read.")],
    as_email: AsOption,
    fmt: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="Default: from the file's extension.", show_default=False),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import items from a JSON, JSONL or CSV file; all or nothing, idempotent by external_id."""
    fmt = fmt or detect_format(file.name, None)
    if fmt is None:
        fail(f"cannot tell the format of {file.name}; say --format json|jsonl|csv")
    settings = load_settings(data_dir)
    started = time.perf_counter()
    with session_for(settings) as db:
        actor = actor_by_email(db, as_email)
        project = projects.locate_project(db, actor=actor, project_id=project_id)
        with (
            file.open("rb") as raw,
            Progress(
                TextColumn("importing {task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=err_console,
            ) as progress,
        ):
            task = progress.add_task(file.name, total=os.fstat(raw.fileno()).st_size)
            stream = io.BufferedReader(_CountingReader(raw, progress, task))
            try:
                report = imports.import_items(
                    db,
                    actor=actor,
                    workspace_id=project.workspace_id,
                    project_id=project.id,
                    stream=stream,
                    fmt=fmt,
                )
            except InvalidInput as exc:
                progress.stop()
                fail(f"{file.name}: {exc}; nothing was imported")
    seconds = time.perf_counter() - started
    err_console.print(
        f"Imported {file.name} into project {project.id} ({project.name}): "
        f"{report.read} read, {report.created} created, {report.existing} already there, "
        f"in {seconds:.1f} s ({report.read / seconds:,.0f} items/s)."
    )


def export(
    project_id: Annotated[int, typer.Argument(help="The project's id.")],
    as_email: AsOption,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = (
        ExportFormat.JSONL
    ),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="File to write [default: stdout]."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export every item with every individual annotation, as JSONL or CSV."""
    settings = load_settings(data_dir)
    started = time.perf_counter()
    with session_for(settings) as db:
        actor = actor_by_email(db, as_email)
        located = projects.locate_project(db, actor=actor, project_id=project_id)
        items = 0
        with _export_progress(located) as progress:
            task = progress.add_task("export", total=located.counts.items)

            def advance(done: int) -> None:
                nonlocal items
                items = done
                progress.update(task, completed=done)

            project, chunks = export_project(
                db,
                actor=actor,
                workspace_id=located.workspace_id,
                project_id=project_id,
                fmt=fmt,
                progress=advance,
            )
            if output is None:
                _write(chunks, sys.stdout.buffer)
            else:
                # Write beside the target and rename at the end: a failed export leaves no
                # half file.
                partial = output.with_name(output.name + ".partial")
                try:
                    with partial.open("wb") as sink:
                        _write(chunks, sink)
                    partial.replace(output)
                finally:
                    partial.unlink(missing_ok=True)
    where = str(output) if output else "stdout"
    seconds = time.perf_counter() - started
    err_console.print(
        f"Exported {items} items of project {project.id} to {where} in {seconds:.1f} s."
    )


def _write(chunks: Iterator[bytes], sink: BinaryIO) -> None:
    for chunk in chunks:
        sink.write(chunk)
    sink.flush()


def _export_progress(project: Project) -> Progress:
    return Progress(
        TextColumn(f"exporting project {project.id}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("items"),
        TimeElapsedColumn(),
        console=err_console,
    )
