"""Box consensus by IoU matching and span consensus by token votes."""

from __future__ import annotations

import numpy as np
import pytest

from tessera.quality import BoxConsensus, SpanConsensus, iou


def test_iou() -> None:
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]], dtype=float)
    np.testing.assert_allclose(iou(boxes[0], boxes), [1.0, 50 / 150, 0.0])


def test_boxes_of_three_annotators_fuse_and_a_stray_one_has_low_confidence() -> None:
    items = [0, 0, 0, 0, 1, 1]
    annotators = [0, 1, 2, 2, 0, 1]
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [0, 1, 10, 11], [50, 50, 60, 60], [5, 5, 9, 9],
             [5, 5, 9, 9]]  # fmt: skip
    views = ([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2])
    fused = BoxConsensus().fit(items, annotators, boxes, views=views)
    assert fused.items_.tolist() == [0, 0, 1]
    np.testing.assert_allclose(fused.boxes_[0], [1 / 3, 2 / 3, 31 / 3, 32 / 3])
    np.testing.assert_allclose(fused.confidence_, [1.0, 1 / 3, 2 / 3])
    assert fused.clusters_.tolist() == [0, 0, 0, 1, 2, 2]
    assert fused.skills_.shape == (3,)


def test_one_annotator_never_contributes_twice_to_a_box() -> None:
    fused = BoxConsensus().fit([0, 0], [0, 0], [[0, 0, 10, 10], [0, 0, 10, 10]])
    assert len(fused.boxes_) == 2


def test_labels_are_matched_separately_and_weights_count() -> None:
    boxes = [[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]]
    fused = BoxConsensus().fit([0, 0, 0], [0, 1, 2], boxes, labels=[1, 1, 2], weights=[3, 1, 1])
    assert sorted(fused.labels_.tolist()) == [1, 2]
    confidence = dict(zip(fused.labels_.tolist(), fused.confidence_.tolist(), strict=True))
    assert confidence == {1: pytest.approx(0.8), 2: pytest.approx(0.2)}


def test_span_consensus_by_token_majority() -> None:
    # annotators 0, 1 mark [2, 5) as label 1; annotator 2 marks [3, 5) and a stray [7, 9)
    spans = SpanConsensus().fit(
        [0, 0, 0, 0], [0, 1, 2, 2], [2, 2, 3, 7], [5, 5, 5, 9], [1, 1, 1, 0]
    )
    assert (spans.items_.tolist(), spans.starts_.tolist(), spans.ends_.tolist()) == ([0], [2], [5])
    assert spans.labels_.tolist() == [1]
    assert spans.confidence_[0] == pytest.approx((2 / 3 + 1 + 1) / 3)
    np.testing.assert_allclose(spans.skills_, [1.0, 1.0, 4 / 7])


def test_silent_viewers_count_against_a_span() -> None:
    views = ([0, 0, 0], [0, 1, 2])
    spans = SpanConsensus().fit([0], [0], [0], [3], views=views)
    assert len(spans.starts_) == 0
    assert spans.skills_[0] == 0.0  # marked 3 positions, none in the consensus
    assert np.isnan(spans.skills_[1])  # marked nothing where there was nothing to mark


def test_span_runs_split_on_gaps_and_items() -> None:
    spans = SpanConsensus(min_share=0.0).fit([0, 0, 1], [0, 0, 0], [0, 4, 0], [2, 6, 1])
    assert list(zip(spans.items_, spans.starts_, spans.ends_, strict=True)) == [
        (0, 0, 2),
        (0, 4, 6),
        (1, 0, 1),
    ]
