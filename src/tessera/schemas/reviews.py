"""Wire models for the review queue: requests, decisions, served reviews, stats."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ReviewStatusName = Literal["pending", "accepted", "rejected", "returned", "fixed", "revised"]


class ReviewRequest(BaseModel):
    """Send annotations to review: chosen ids, or every answer of one annotator."""

    model_config = ConfigDict(extra="forbid")
    annotation_ids: list[int] | None = Field(default=None, min_length=1, max_length=1000)
    annotator_id: int | None = None


class ReviewsQueued(BaseModel):
    queued: int


class ReviewDecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "reject", "fix"]
    reason: str = Field(default="", max_length=2000, description="required to reject")
    send_to: Literal["annotator", "pool"] | None = Field(
        default=None, description="required to reject: back to its annotator, or to the pool"
    )
    value: dict[str, Any] | None = Field(
        default=None, description="a fix's corrected answer, checked against the schema"
    )


class ReviewPublic(BaseModel):
    id: int
    project_id: int
    item_id: int
    annotation_id: int
    annotator_id: int
    status: ReviewStatusName
    source: Literal["sampled", "requested", "resubmitted"]
    reviewer_id: int | None
    reason: str | None
    fixed_value: dict[str, Any] | None
    lease_expires_at: datetime | None
    created_at: datetime
    decided_at: datetime | None


class ReviewTaskPublic(BaseModel):
    """A review leased to the caller: the item and the answer under review."""

    review: ReviewPublic
    item_external_id: str
    data: dict[str, Any]
    value: dict[str, Any]


class AnnotatorReviewStatsPublic(BaseModel):
    user_id: int
    email: str
    accepted: int
    rejected: int
    fixed: int
    reviewed: int
    acceptance_rate: float | None


class ReviewProgressPublic(BaseModel):
    pending: int
    in_review: int
    returned: int
    accepted: int
    rejected: int
    fixed: int
    decided: int
    total: int


class ReviewStatsPublic(BaseModel):
    progress: ReviewProgressPublic
    annotators: list[AnnotatorReviewStatsPublic]


class ReturnedPublic(BaseModel):
    """On a task a reviewer sent back: why, and the answer given before."""

    review_id: int
    reason: str
    previous_value: dict[str, Any]
