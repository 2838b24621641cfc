"""Reviews of annotations: their states, the sampling rule and what a reviewer is served."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReviewStatus(StrEnum):
    """One round of review of one annotation.

    `pending` waits in the queue (maybe leased to a reviewer); `returned` waits for the
    annotator to answer again; the other three are final for the round.
    """

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # back to the pool: the annotation no longer counts
    RETURNED = "returned"  # back to the annotator, who sees it again with the reason
    FIXED = "fixed"  # the reviewer's corrected value is the item's reviewed answer
    REVISED = "revised"  # was returned, and its annotator has answered again since

    @property
    def is_open(self) -> bool:
        return self in (ReviewStatus.PENDING, ReviewStatus.RETURNED)


class ReviewSource(StrEnum):
    """How an annotation came into the queue."""

    SAMPLED = "sampled"  # the project's review_rate picked it at submit time
    REQUESTED = "requested"  # a manager sent it (or all of one annotator's answers)
    RESUBMITTED = "resubmitted"  # its annotator answered again after it was returned


class Decision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    FIX = "fix"


class SendTo(StrEnum):
    """Where a rejected annotation goes."""

    ANNOTATOR = "annotator"
    POOL = "pool"


def is_sampled(workspace_id: int, annotation_id: int, rate: float) -> bool:
    """Whether an annotation falls in a project's review sample, reproducibly.

    The first 8 bytes of SHA-256 over "review:<workspace>:<annotation id>", read as a fraction
    of 2**64, are compared with the rate: the same annotation always gets the same answer, and
    over many annotations the share sampled converges to the rate.
    """
    if rate <= 0.0:
        return False
    if rate >= 1.0:
        return True
    digest = hashlib.sha256(f"review:{workspace_id}:{annotation_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


@dataclass(frozen=True)
class Review:
    id: int
    workspace_id: int
    project_id: int
    item_id: int
    annotation_id: int
    annotator_id: int
    status: ReviewStatus
    source: ReviewSource
    created_at: datetime
    reviewer_id: int | None = None
    leased_by: int | None = None
    lease_expires_at: datetime | None = None
    reason: str | None = None
    fixed_value: dict[str, object] | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True)
class ReturnedAnswer:
    """On a task served again to its annotator: why it came back and what they had answered."""

    review_id: int
    reason: str
    previous_value: dict[str, object]


@dataclass(frozen=True)
class ReviewTask:
    """What a reviewer is served: the review's lease, the item's content and the answer."""

    review: Review
    item_external_id: str
    item_content: dict[str, object]
    value: dict[str, object]


@dataclass(frozen=True)
class AnnotatorReviewStats:
    """Review outcomes of one annotator's answers in one project (decided rounds only).

    `rejected` counts both destinations (back to the annotator, answered again or not, and
    back to the pool).
    """

    user_id: int
    email: str
    accepted: int
    rejected: int
    fixed: int

    @property
    def reviewed(self) -> int:
        return self.accepted + self.rejected + self.fixed

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted as given over all decided rounds; None before any decision."""
        return self.accepted / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class ReviewProgress:
    """Where the project's review rounds stand."""

    pending: int
    in_review: int  # pending and leased to a reviewer now
    returned: int
    accepted: int
    rejected: int
    fixed: int

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected + self.fixed

    @property
    def total(self) -> int:
        return self.pending + self.returned + self.decided
