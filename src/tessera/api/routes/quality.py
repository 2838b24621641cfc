"""Routes for quality: gold answers, lifting pauses, aggregation runs and the quality report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from tessera.api.deps import CurrentUser, SessionDep
from tessera.schemas.quality import (
    AggregationPublic,
    AnnotatorQualityPublic,
    GoldPublic,
    GoldScorePublic,
    GoldSet,
    ItemResultsPublic,
    PausePublic,
    QualityPublic,
    QuestionScorePublic,
    ResultPublic,
    SkillPublic,
)
from tessera.services import aggregation, gold, quality
from tessera.services.quality import AnnotatorQuality

router = APIRouter(tags=["quality"])
PROJECT = "/workspaces/{workspace_id}/projects/{project_id}"


@router.put(PROJECT + "/items/{item_id}/gold")
def set_gold(
    workspace_id: int,
    project_id: int,
    item_id: int,
    body: GoldSet,
    db: SessionDep,
    user: CurrentUser,
) -> GoldPublic:
    """Give an item known answers (checked by the schema); it becomes a gold item."""
    clean = gold.set_gold(
        db,
        actor=user,
        workspace_id=workspace_id,
        project_id=project_id,
        item_id=item_id,
        gold=body.gold,
    )
    return GoldPublic(item_id=item_id, gold=clean)


@router.get(PROJECT + "/items/{item_id}/gold")
def read_gold(
    workspace_id: int, project_id: int, item_id: int, db: SessionDep, user: CurrentUser
) -> GoldPublic:
    found = gold.get_gold(
        db, actor=user, workspace_id=workspace_id, project_id=project_id, item_id=item_id
    )
    return GoldPublic(item_id=item_id, gold=found)


@router.delete(PROJECT + "/items/{item_id}/gold", status_code=204)
def clear_gold(
    workspace_id: int, project_id: int, item_id: int, db: SessionDep, user: CurrentUser
) -> Response:
    """Remove an item's known answers: it becomes ordinary work again."""
    gold.clear_gold(
        db, actor=user, workspace_id=workspace_id, project_id=project_id, item_id=item_id
    )
    return Response(status_code=204)


@router.delete(PROJECT + "/annotators/{user_id}/pause", status_code=204)
def lift_pause(
    workspace_id: int, project_id: int, user_id: int, db: SessionDep, user: CurrentUser
) -> Response:
    """Lift the gold rule's pause of an annotator (on the ledger)."""
    gold.lift_pause(
        db, actor=user, workspace_id=workspace_id, project_id=project_id, user_id=user_id
    )
    return Response(status_code=204)


@router.post(PROJECT + "/quality/aggregate")
def aggregate(
    workspace_id: int, project_id: int, db: SessionDep, user: CurrentUser
) -> AggregationPublic:
    """Aggregate every answer per question now and store results, skills and agreement."""
    report = aggregation.aggregate_project(
        db, actor=user, workspace_id=workspace_id, project_id=project_id
    )
    return AggregationPublic(
        answers=report.answers,
        items=report.items,
        results=report.results,
        reopened=report.reopened,
    )


def annotator_public(a: AnnotatorQuality) -> AnnotatorQualityPublic:
    score = None
    if a.gold is not None:
        score = GoldScorePublic(
            answers=a.gold.answers,
            accuracy=a.gold.accuracy,
            by_question={
                q: QuestionScorePublic(asked=s.asked, correct=s.correct, accuracy=s.accuracy)
                for q, s in a.gold.by_question.items()
            },
        )
    return AnnotatorQualityPublic(
        user_id=a.user_id,
        email=a.email,
        gold=score,
        skills=[
            SkillPublic(
                question=s.question,
                method=s.method,
                skill=s.skill,
                n_answers=s.n_answers,
                confusion=s.confusion,
            )
            for s in a.skills
        ],
        pause=None
        if a.pause is None
        else PausePublic(
            user_id=a.pause.user_id,
            email=a.pause.email,
            reason=a.pause.reason,
            paused_at=a.pause.paused_at,
        ),
    )


@router.get(PROJECT + "/quality")
def read_quality(
    workspace_id: int,
    project_id: int,
    db: SessionDep,
    user: CurrentUser,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> QualityPublic:
    """Agreement per question with its interval, a page of results with their confidence,
    confidence histograms, and each annotator's gold accuracy, skills and pause."""
    r = quality.quality_report(
        db,
        actor=user,
        workspace_id=workspace_id,
        project_id=project_id,
        after_item_id=after,
        limit=limit,
    )
    return QualityPublic(
        aggregated_at=r.aggregated_at,
        gold_items=r.gold_items,
        questions=r.questions,
        confidence_histograms=r.histograms,
        items=[
            ItemResultsPublic(
                item_id=i.item_id,
                external_id=i.external_id,
                results=[
                    ResultPublic(
                        question=x.question,
                        value=x.value,
                        confidence=x.confidence,
                        method=x.method,
                        n_answers=x.n_answers,
                    )
                    for x in i.results
                ],
            )
            for i in r.items
        ],
        next_after=r.next_after,
        annotators=[annotator_public(a) for a in r.annotators],
    )
