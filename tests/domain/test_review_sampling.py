"""The review sample: decided by a hash of the annotation id, reproducible, at the asked rate."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tessera.domain.reviews import AnnotatorReviewStats, ReviewStatus, is_sampled


@given(
    workspace_id=st.integers(1, 10**9),
    annotation_id=st.integers(1, 10**12),
    rate=st.floats(0.0, 1.0),
)
def test_the_same_annotation_always_gets_the_same_answer(
    workspace_id: int, annotation_id: int, rate: float
) -> None:
    first = is_sampled(workspace_id, annotation_id, rate)
    assert first == is_sampled(workspace_id, annotation_id, rate)
    if first:  # a higher rate keeps everything a lower one picked
        assert is_sampled(workspace_id, annotation_id, min(1.0, rate + 0.1))


def test_the_share_sampled_is_the_rate() -> None:
    n = 20_000
    for rate in (0.05, 0.2, 0.5):
        share = sum(is_sampled(7, i, rate) for i in range(1, n + 1)) / n
        # binomial standard deviation at n=20k is at most 0.0036; 4 sigma
        assert abs(share - rate) < 0.015, (rate, share)
    assert not any(is_sampled(7, i, 0.0) for i in range(1, 1000))
    assert all(is_sampled(7, i, 1.0) for i in range(1, 1000))


def test_acceptance_rate_and_open_states() -> None:
    assert AnnotatorReviewStats(1, "a@x", 0, 0, 0).acceptance_rate is None
    assert AnnotatorReviewStats(1, "a@x", 3, 1, 0).acceptance_rate == 0.75
    assert {s for s in ReviewStatus if s.is_open} == {ReviewStatus.PENDING, ReviewStatus.RETURNED}
