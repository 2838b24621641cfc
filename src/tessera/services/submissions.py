"""Re-opening one's own submitted answer: the item as it was served and the answer as stored."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tessera.domain.entities import Annotation, Project, Task, User
from tessera.domain.errors import NotFound
from tessera.services import ledger
from tessera.services.policies import Action, authorize
from tessera.storage.engine import write_transaction
from tessera.storage.repositories import annotations as annotation_repo
from tessera.storage.repositories import assignments as assignment_repo
from tessera.storage.repositories import items as item_repo
from tessera.storage.repositories import projects as project_repo


@dataclass(frozen=True)
class Submission:
    """A task the caller answered, with the project it belongs to and the stored answer."""

    project: Project
    task: Task
    annotation: Annotation


def get_own_submission(
    db: Session, *, actor: User, workspace_id: int, assignment_id: int
) -> Submission:
    """The caller's own submitted task and answer; anyone else's (or an unanswered one) is 404.

    Reading the item again is a content read, so it is recorded on the ledger.
    """
    with write_transaction(db):
        authorize(db, actor=actor, workspace_id=workspace_id, action=Action.ANNOTATE)
        assignment = assignment_repo.get_assignment(
            db, workspace_id=workspace_id, assignment_id=assignment_id, user_id=actor.id
        )
        annotation = annotation_repo.find_annotation_by_assignment(
            db, workspace_id=workspace_id, assignment_id=assignment.id
        )
        if annotation is None:
            raise NotFound("task", assignment_id)
        project = project_repo.get_project(
            db, workspace_id=workspace_id, project_id=annotation.project_id
        )
        item = item_repo.get_item(db, workspace_id=workspace_id, item_id=assignment.item_id)
        ledger.record(
            db,
            workspace_id=workspace_id,
            actor=actor,
            action="submission.viewed",
            object_type="item",
            object_id=item.id,
            detail={"project_id": project.id, "assignment_id": assignment.id},
        )
        return Submission(
            project=project, task=Task(assignment=assignment, item=item), annotation=annotation
        )
