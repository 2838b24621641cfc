"""`tessera quality aggregate`: stores results and prints agreement; refusals are friendly."""

from __future__ import annotations

import io
import json

import pytest
from cli_runner import Cli, ok, refused

from conftest import TEXT_SCHEMA, Factory, answer_all
from tessera.domain.entities import Role
from tessera.formats import ImportFormat
from tessera.services import imports, projects
from tessera.settings import Settings
from tessera.storage.engine import Database
from tessera.storage.repositories import quality as quality_repo


@pytest.fixture
def cli(settings: Settings) -> Cli:
    return Cli(settings.data_dir, settings.database_url)


def test_aggregate_stores_results_and_prints_agreement(
    cli: Cli, database: Database, factory: Factory
) -> None:
    owner = factory.person(label="owner", with_password=False)
    ws = factory.workspace(owner)
    people = [factory.add(ws, owner, Role.ANNOTATOR, with_password=False) for _ in range(2)]
    with database.session() as db:
        project = projects.create_project(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            name="Reviews",
            label_schema=TEXT_SCHEMA,
            annotations_per_item=2,
        )
    body = "\n".join(json.dumps({"external_id": f"e{i}", "text": f"t{i}"}) for i in range(3))
    with database.session() as db:
        imports.import_items(
            db,
            actor=owner.user,
            workspace_id=ws.id,
            project_id=project.id,
            stream=io.BytesIO(body.encode()),
            fmt=ImportFormat.JSONL,
        )
        for who in people:
            answer_all(
                db,
                who.user,
                workspace_id=ws.id,
                project_id=project.id,
                value=lambda _: {"sentiment": "positive"},
            )
    out = ok(cli("quality", "aggregate", str(project.id), "--as", owner.email)).stdout
    assert "agreement" in out and "6 answers, 3 results stored for 3 items" in out
    with database.session() as db:
        assert len(quality_repo.confidences(db, workspace_id=ws.id, project_id=project.id)) == 3
    refused(cli("quality", "aggregate", str(project.id), "--as", people[0].email), "may not")
    refused(cli("quality", "aggregate", "999999", "--as", owner.email), "not found")
