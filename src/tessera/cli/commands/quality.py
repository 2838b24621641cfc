"""`tessera quality aggregate`: aggregate a project's answers and store the results."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from tessera.cli.runtime import (
    AsOption,
    DataDirOption,
    actor_by_email,
    console,
    load_settings,
    session_for,
)
from tessera.services import aggregation, projects

quality_app = typer.Typer(
    help="Measure quality: aggregation, agreement, skills.", no_args_is_help=True
)


@quality_app.command("aggregate")
def aggregate(
    project_id: Annotated[int, typer.Argument(help="The project's id.")],
    as_email: AsOption,
    data_dir: DataDirOption = None,
) -> None:
    """Aggregate every answer of the project per question, store results, skills and
    agreement, and apply the confidence rule (the same as the page's "Aggregate now")."""
    settings = load_settings(data_dir)
    started = time.perf_counter()
    with session_for(settings) as db:
        actor = actor_by_email(db, as_email)
        project = projects.locate_project(db, actor=actor, project_id=project_id)
        with console.status(f"aggregating project {project.id} ({project.name})"):
            report = aggregation.aggregate_project(
                db, actor=actor, workspace_id=project.workspace_id, project_id=project.id
            )
    seconds = time.perf_counter() - started
    table = Table(title=f"Project {project.id}: agreement", title_justify="left")
    for column in ("question", "method", "answers", "statistic", "value", "95% interval"):
        table.add_column(column)
    questions = report.summary.get("questions")
    for q in questions if isinstance(questions, list) else []:
        for a in q.get("agreement") or [{}]:
            table.add_row(
                str(q.get("key")),
                str(q.get("method")),
                str(q.get("n_answers")),
                str(a.get("statistic", "")),
                _num(a.get("value")),
                f"{_num(a.get('low'))} to {_num(a.get('high'))}" if a else "",
            )
    console.print(table)
    console.print(
        f"{report.answers} answers, {report.results} results stored for {report.items} items, "
        f"{report.reopened} items asked for one more answer, in {seconds:.1f} s."
    )


def _num(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "n/a"
