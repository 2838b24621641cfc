"""Wire models for gold answers, quality settings, aggregation runs and the quality report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

QUALITY_SETTINGS = (
    "gold_rate",
    "gold_min_accuracy",
    "gold_min_answers",
    "min_confidence",
    "max_annotations_per_item",
)


class QualitySettingsCreate(BaseModel):
    gold_rate: float = Field(
        default=0.0, ge=0.0, le=1.0, description="chance that a new task is a gold item"
    )
    gold_min_accuracy: float | None = Field(
        default=None, ge=0.0, le=1.0, description="pause annotators below this gold accuracy"
    )
    gold_min_answers: int = Field(
        default=10, ge=1, le=100_000, description="gold answers before the pause rule applies"
    )
    min_confidence: float | None = Field(
        default=None, ge=0.0, le=1.0, description="ask for more answers below this confidence"
    )
    max_annotations_per_item: int | None = Field(
        default=None, ge=1, le=50, description="the most answers the confidence rule asks for"
    )


class QualitySettingsUpdate(BaseModel):
    gold_rate: float | None = Field(default=None, ge=0.0, le=1.0)
    gold_min_accuracy: float | None = Field(default=None, ge=0.0, le=1.0)
    gold_min_answers: int | None = Field(default=None, ge=1, le=100_000)
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    max_annotations_per_item: int | None = Field(default=None, ge=1, le=50)


class QualitySettingsPublic(BaseModel):
    gold_rate: float
    gold_min_accuracy: float | None
    gold_min_answers: int
    min_confidence: float | None
    max_annotations_per_item: int | None


class GoldSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gold: dict[str, Any] = Field(description="known answers by question name")


class GoldPublic(BaseModel):
    item_id: int
    gold: dict[str, Any]


class AggregationPublic(BaseModel):
    answers: int
    items: int
    results: int
    reopened: int = Field(description="done items given one more answer by the confidence rule")


class ResultPublic(BaseModel):
    question: str
    value: Any
    confidence: float
    method: str
    n_answers: int


class ItemResultsPublic(BaseModel):
    item_id: int
    external_id: str
    results: list[ResultPublic]


class QuestionScorePublic(BaseModel):
    asked: int
    correct: int
    accuracy: float | None


class GoldScorePublic(BaseModel):
    answers: int
    accuracy: float | None
    by_question: dict[str, QuestionScorePublic]


class SkillPublic(BaseModel):
    question: str
    method: str
    skill: float | None
    n_answers: int
    confusion: list[list[float]] | None


class PausePublic(BaseModel):
    user_id: int
    email: str
    reason: str
    paused_at: datetime


class AnnotatorQualityPublic(BaseModel):
    user_id: int
    email: str
    gold: GoldScorePublic | None
    skills: list[SkillPublic]
    pause: PausePublic | None


class QualityPublic(BaseModel):
    aggregated_at: datetime | None
    gold_items: int
    questions: list[dict[str, Any]] = Field(
        description="per question: method, answers and agreement with its bootstrap interval"
    )
    confidence_histograms: dict[str, list[int]] = Field(
        description="per question: results in 10 equal confidence bins from 0 to 1"
    )
    items: list[ItemResultsPublic]
    next_after: int | None
    annotators: list[AnnotatorQualityPublic]
