"""`tessera import` and `tessera export`: progress, summaries, line-numbered errors, answers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cli_runner import Cli, ok, refused

from conftest import TEXT_SCHEMA, Factory, Person
from tessera.domain.entities import Project, Role, Workspace
from tessera.services import assignment, projects, workspaces
from tessera.settings import Settings
from tessera.storage.engine import Database


@pytest.fixture
def cli(settings: Settings) -> Cli:
    return Cli(settings.data_dir, settings.database_url)


@pytest.fixture
def owner(factory: Factory) -> Person:
    return factory.person(label="owner")


def _project(database: Database, factory: Factory, owner: Person, overlap: int = 1) -> Project:
    ws = factory.workspace(owner)
    with database.session() as db:
        return projects.create_project(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            name="Reviews",
            label_schema=TEXT_SCHEMA,
            annotations_per_item=overlap,
        )


def _items(database: Database, owner: Person, project: Project) -> int:
    with database.session() as db:
        p = projects.get_project(
            db, actor=owner.user, workspace_id=project.workspace_id, project_id=project.id
        )
    return p.counts.items


def _jsonl(path: Path, n: int) -> Path:
    rows = (json.dumps({"external_id": f"e{i}", "text": f"review number {i}"}) for i in range(n))
    path.write_text("\n".join(rows) + "\n")
    return path


def test_import_reports_and_is_idempotent(
    cli: Cli, database: Database, factory: Factory, owner: Person, tmp_path: Path
) -> None:
    project = _project(database, factory, owner)
    file = _jsonl(tmp_path / "reviews.jsonl", 2500)
    args = ("import", str(project.id), str(file), "--as", owner.email)
    out = ok(cli(*args)).stderr
    assert "2500 read, 2500 created, 0 already there" in out
    assert "items/s" in out
    assert "importing reviews.jsonl" in out  # the progress bar
    assert _items(database, owner, project) == 2500
    assert "2500 read, 0 created, 2500 already there" in ok(cli(*args)).stderr


def test_import_csv_with_an_explicit_format(
    cli: Cli, database: Database, factory: Factory, owner: Person, tmp_path: Path
) -> None:
    project = _project(database, factory, owner)
    file = tmp_path / "reviews.txt"
    file.write_text('external_id,text\na,"first, with a comma"\nb,second\n')
    refused(cli("import", str(project.id), str(file), "--as", owner.email), "--format")
    out = ok(cli("import", str(project.id), str(file), "--as", owner.email, "--format", "csv"))
    assert "2 read, 2 created" in out.stderr


def test_a_bad_file_names_the_line_and_imports_nothing(
    cli: Cli, database: Database, factory: Factory, owner: Person, tmp_path: Path
) -> None:
    project = _project(database, factory, owner)
    file = _jsonl(tmp_path / "bad.jsonl", 1500)
    with file.open("a") as fh:
        fh.write('{"external_id": "x", "text": 42}\n')
    result = refused(
        cli("import", str(project.id), str(file), "--as", owner.email), "bad.jsonl: line 1501"
    )
    assert "nothing was imported" in result.stderr
    assert _items(database, owner, project) == 0


def test_import_refusals(
    cli: Cli, database: Database, factory: Factory, owner: Person, tmp_path: Path
) -> None:
    project = _project(database, factory, owner)
    file = _jsonl(tmp_path / "ok.jsonl", 3)
    stranger = factory.person(label="stranger")
    ws_annotator = factory.add(
        _workspace_of(factory, owner, project), owner, Role.ANNOTATOR, label="ann"
    )
    refused(cli("import", "999999", str(file), "--as", owner.email), "project not found")
    refused(cli("import", str(project.id), str(file), "--as", stranger.email), "not found")
    refused(cli("import", str(project.id), str(file), "--as", ws_annotator.email), "error:")
    refused(cli("import", str(project.id), str(file), "--as", "nobody@x.org"), "no user")
    assert _items(database, owner, project) == 0


def _workspace_of(factory: Factory, owner: Person, project: Project) -> Workspace:
    with factory.database.session() as db:
        return workspaces.get_workspace(db, actor=owner.user, workspace_id=project.workspace_id)[0]


def _annotate(database: Database, project: Project, people: list[Person], n: int) -> set[int]:
    """Each person answers `n` tasks; returns the annotation ids."""
    ids: set[int] = set()
    with database.session() as db:
        for k, person in enumerate(people):
            for j in range(n):
                task = assignment.next_task(
                    db, actor=person.user, workspace_id=project.workspace_id, project_id=project.id
                )
                assert task is not None
                value: dict[str, object] = {"sentiment": ["positive", "negative"][(j + k) % 2]}
                if j % 3 == 0:
                    value["topics"] = ["price", "quality"]
                    value["note"] = "=cmd|' /C calc'!A0, \"quoted\"\nsecond line"
                a = assignment.submit_annotation(
                    db,
                    actor=person.user,
                    workspace_id=project.workspace_id,
                    assignment_id=task.assignment.id,
                    value=value,
                )
                ids.add(a.id)
    return ids


@pytest.fixture
def annotated(
    cli: Cli, database: Database, factory: Factory, owner: Person, tmp_path: Path
) -> tuple[Project, set[int]]:
    project = _project(database, factory, owner, overlap=2)
    ok(cli("import", str(project.id), str(_jsonl(tmp_path / "in.jsonl", 40)), "--as", owner.email))
    ws = _workspace_of(factory, owner, project)
    people = [factory.add(ws, owner, Role.ANNOTATOR) for _ in range(2)]
    return project, _annotate(database, project, people, 15)


def test_export_jsonl_has_every_item_and_answer(
    cli: Cli, owner: Person, annotated: tuple[Project, set[int]], tmp_path: Path
) -> None:
    project, answer_ids = annotated
    target = tmp_path / "out.jsonl"
    args = ("export", str(project.id), "--as", owner.email, "--format", "jsonl", "-o", str(target))
    result = ok(cli(*args))
    assert f"Exported 40 items of project {project.id}" in result.stderr
    assert not (tmp_path / "out.jsonl.partial").exists()
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(records) == 40
    assert {a["id"] for r in records for a in r["annotations"]} == answer_ids
    to_stdout = ok(cli("export", str(project.id), "--as", owner.email))
    assert to_stdout.stdout_bytes == target.read_bytes()


def test_export_csv_has_every_answer(
    cli: Cli, owner: Person, annotated: tuple[Project, set[int]], tmp_path: Path
) -> None:
    project, answer_ids = annotated
    target = tmp_path / "out.csv"
    args = ("export", str(project.id), "--as", owner.email, "--format", "csv", "--output")
    result = ok(cli(*args, str(target)))
    assert f"Exported 40 items of project {project.id}" in result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert {int(r["annotation_id"]) for r in rows if r["annotation_id"]} == answer_ids
    assert len({r["item_id"] for r in rows}) == 40
    noted = [r for r in rows if r["note"]]
    assert noted and all(r["note"].startswith("'=cmd") for r in noted)  # formula-safe


def test_export_refused_to_an_annotator(
    cli: Cli, factory: Factory, owner: Person, annotated: tuple[Project, set[int]], tmp_path: Path
) -> None:
    project, _ = annotated
    ws = _workspace_of(factory, owner, project)
    annotator = factory.add(ws, owner, Role.ANNOTATOR)
    target = tmp_path / "nope.jsonl"
    refused(cli("export", str(project.id), "--as", annotator.email, "-o", str(target)), "error:")
    assert not target.exists()
    assert not (tmp_path / "nope.jsonl.partial").exists()
