"""`tessera schema convert` and `tessera template list/create`."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import Cli, ok, refused
from typer.testing import CliRunner

from conftest import Factory
from tessera.cli.main import app
from tessera.domain.entities import Role
from tessera.services import projects
from tessera.services.templates import TEMPLATES
from tessera.settings import Settings
from tessera.storage.engine import Database

LS = """<View>
  <Text name="txt" value="$text"/>
  <Choices name="sentiment" toName="txt"><Choice value="pos"/><Choice value="neg"/></Choices>
  <Audio name="clip" value="$audio"/>
</View>"""


def test_convert_prints_the_schema_and_lists_unmapped_tags(tmp_path: Path) -> None:
    config = tmp_path / "config.xml"
    config.write_text(LS)
    result = CliRunner().invoke(app, ["schema", "convert", str(config)])
    assert result.exit_code == 2, result.output
    schema = json.loads(result.stdout)
    assert [q["name"] for q in schema["questions"]] == ["sentiment"]
    assert "Audio" in result.stderr and "clip" in result.stderr
    good = tmp_path / "schema.yaml"
    good.write_text("fields: [{name: t}]\nquestions: [{name: q, type: text}]\n")
    result = CliRunner().invoke(app, ["schema", "convert", str(good)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fields"][0]["name"] == "t"
    bad = tmp_path / "bad.yaml"
    bad.write_text("fields: []\nquestions: []\n")
    result = CliRunner().invoke(app, ["schema", "convert", str(bad)])
    assert result.exit_code == 1
    assert "fields" in result.stderr


def test_template_list_and_create(settings: Settings, database: Database, factory: Factory) -> None:
    listed = CliRunner().invoke(app, ["template", "list"])
    assert listed.exit_code == 0
    for key in TEMPLATES:
        assert key in listed.stdout
    owner = factory.person(label="owner")
    ws = factory.workspace(owner)
    annotator = factory.add(ws, owner, Role.ANNOTATOR)
    cli = Cli(settings.data_dir, settings.database_url)
    out = ok(cli("template", "create", str(ws.id), "rubric", "--as", owner.email)).stdout
    assert f"with {len(TEMPLATES['rubric'].items)} items" in out
    refused(cli("template", "create", str(ws.id), "rubric", "--as", annotator.email), "role")
    refused(cli("template", "create", str(ws.id), "nope", "--as", owner.email), "not found")
    with database.session() as db:
        names = [p.name for p in projects.list_projects(db, actor=owner.user, workspace_id=ws.id)]
    assert names == [TEMPLATES["rubric"].title]
