"""Consensus over geometry: boxes matched by IoU across annotators, spans by token votes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

import numpy as np
import numpy.typing as npt

from tessera.quality.answers import FloatArray, IntArray, as_codes, sums_by


def iou(first: FloatArray, second: FloatArray) -> FloatArray:
    """Intersection over union of (x1, y1, x2, y2) boxes, row by row (rows broadcast)."""
    width = np.minimum(first[..., 2], second[..., 2]) - np.maximum(first[..., 0], second[..., 0])
    height = np.minimum(first[..., 3], second[..., 3]) - np.maximum(first[..., 1], second[..., 1])
    overlap = np.clip(width, 0, None) * np.clip(height, 0, None)
    area = (first[..., 2] - first[..., 0]) * (first[..., 3] - first[..., 1])
    areas = (second[..., 2] - second[..., 0]) * (second[..., 3] - second[..., 1])
    union = area + areas - overlap
    result: FloatArray = np.divide(overlap, union, out=np.zeros_like(union), where=union > 0)
    return result


def _viewers(
    items: IntArray, annotators: IntArray, views: tuple[npt.ArrayLike, npt.ArrayLike] | None
) -> tuple[IntArray, IntArray]:
    """Distinct (item, annotator) pairs that looked at an item: given, or those that drew."""
    if views is None:
        seen_items, seen_annotators = items, annotators
    else:
        seen_items, seen_annotators = as_codes(views[0], "views"), as_codes(views[1], "views")
    pairs = np.unique(np.stack([seen_items, seen_annotators], axis=1), axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


@dataclass
class BoxConsensus:
    """Fused boxes from several annotators' boxes on the same images.

    Per item and label, boxes are taken in order of annotator weight; each joins the fused box
    it overlaps most (IoU >= `iou_threshold`) that has no box of the same annotator yet, or
    starts a new one. A fused box is the weighted mean of its members' corners; its
    `confidence_` is its members' share of the weight of everyone who looked at the item
    (`views`: (items, annotators) pairs, also those who drew nothing; default: those who drew).
    `clusters_` gives each input box its fused box; `skills_` each annotator's mean IoU with
    the fused boxes its boxes joined. Greedy per item, like weighted boxes fusion
    (Solovyev, Wang & Gabruseva 2021), with one box per annotator per cluster.
    """

    iou_threshold: float = 0.5
    boxes_: FloatArray = field(init=False, repr=False)
    items_: IntArray = field(init=False, repr=False)
    labels_: IntArray = field(init=False, repr=False)
    confidence_: FloatArray = field(init=False, repr=False)
    clusters_: IntArray = field(init=False, repr=False)
    skills_: FloatArray = field(init=False, repr=False)

    def fit(
        self,
        items: npt.ArrayLike,
        annotators: npt.ArrayLike,
        boxes: npt.ArrayLike,
        labels: npt.ArrayLike | None = None,
        *,
        weights: npt.ArrayLike | None = None,
        views: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    ) -> Self:
        """Args: boxes (n, 4) as x1, y1, x2, y2; weights per annotator (default 1)."""
        item_codes, who = as_codes(items, "items"), as_codes(annotators, "annotators")
        corners = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        classes = np.zeros(len(who), np.int64) if labels is None else as_codes(labels, "labels")
        n_annotators = int(who.max()) + 1 if who.size else 0
        seen_items, seen_who = _viewers(item_codes, who, views)
        n_annotators = max(n_annotators, int(seen_who.max()) + 1 if seen_who.size else 0)
        weight = np.ones(n_annotators) if weights is None else np.asarray(weights, np.float64)
        n_items = int(max(item_codes.max(initial=-1), seen_items.max(initial=-1))) + 1
        audience = sums_by(seen_items, weight[seen_who], n_items)
        order = np.lexsort((-weight[who], classes, item_codes))
        clusters = np.full(len(who), -1, dtype=np.int64)
        fused: list[FloatArray] = []
        members: list[list[int]] = []
        start = 0
        while start < len(order):
            stop = start
            key = (item_codes[order[start]], classes[order[start]])
            while stop < len(order) and (item_codes[order[stop]], classes[order[stop]]) == key:
                stop += 1
            self._group(order[start:stop], corners, who, weight, clusters, fused, members)
            start = stop
        self._summarise(item_codes, who, classes, corners, weight, audience, clusters, fused)
        return self

    def _group(
        self,
        rows: IntArray,
        corners: FloatArray,
        who: IntArray,
        weight: FloatArray,
        clusters: IntArray,
        fused: list[FloatArray],
        members: list[list[int]],
    ) -> None:
        """Greedy matching of one item's boxes of one label."""
        first = len(fused)
        for row in rows:
            local = range(first, len(fused))
            free = [c for c in local if all(who[m] != who[row] for m in members[c])]
            best, best_iou = -1, self.iou_threshold
            if free:
                overlaps = iou(corners[row], np.array([fused[c] for c in free]))
                pick = int(np.argmax(overlaps))
                if overlaps[pick] >= best_iou:
                    best = free[pick]
            if best < 0:
                fused.append(corners[row].copy())
                members.append([int(row)])
                best = len(fused) - 1
            else:
                members[best].append(int(row))
                w = weight[who[members[best]]]
                fused[best] = w @ corners[members[best]] / w.sum()
            clusters[row] = best

    def _summarise(
        self,
        items: IntArray,
        who: IntArray,
        classes: IntArray,
        corners: FloatArray,
        weight: FloatArray,
        audience: FloatArray,
        clusters: IntArray,
        fused: list[FloatArray],
    ) -> None:
        m = len(fused)
        self.boxes_ = np.array(fused).reshape(m, 4)
        self.clusters_ = clusters
        self.items_ = np.zeros(m, np.int64)
        self.items_[clusters] = items
        self.labels_ = np.zeros(m, np.int64)
        self.labels_[clusters] = classes
        support = sums_by(clusters, weight[who], m)
        self.confidence_ = support / audience[self.items_]
        overlap = iou(corners, self.boxes_[clusters])
        n = len(weight)
        counts = np.bincount(who, minlength=n)
        self.skills_ = np.divide(
            sums_by(who, overlap, n), counts, out=np.full(n, np.nan), where=counts > 0
        )


@dataclass
class SpanConsensus:
    """Consensus spans by token-level voting (NER-style spans on a text).

    Spans are half-open [start, end) offsets in any unit (tokens or characters). A position
    gets label L when more than `min_share` of the annotators who looked at the item (`views`,
    default: those who marked something) put it inside an L span; runs of positions with the
    same label become the consensus spans, with `confidence_` the mean share over their
    positions. `skills_` is each annotator's position-level F1 against the consensus on the
    items it looked at. Memory is linear in the total length of the spans.
    """

    min_share: float = 0.5
    items_: IntArray = field(init=False, repr=False)
    starts_: IntArray = field(init=False, repr=False)
    ends_: IntArray = field(init=False, repr=False)
    labels_: IntArray = field(init=False, repr=False)
    confidence_: FloatArray = field(init=False, repr=False)
    skills_: FloatArray = field(init=False, repr=False)

    def fit(
        self,
        items: npt.ArrayLike,
        annotators: npt.ArrayLike,
        starts: npt.ArrayLike,
        ends: npt.ArrayLike,
        labels: npt.ArrayLike | None = None,
        *,
        views: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    ) -> Self:
        item_codes, who = as_codes(items, "items"), as_codes(annotators, "annotators")
        first, last = as_codes(starts, "starts"), as_codes(ends, "ends")
        classes = np.zeros(len(who), np.int64) if labels is None else as_codes(labels, "labels")
        if np.any(last < first):
            raise ValueError("a span ends before it starts")
        seen_items, seen_who = _viewers(item_codes, who, views)
        n_items = int(max(item_codes.max(initial=-1), seen_items.max(initial=-1))) + 1
        audience = np.bincount(seen_items, minlength=n_items)
        # one key per (item, position, label), and one per annotator's marked position
        lengths = last - first
        position = np.repeat(first, lengths) + _offsets(lengths)
        n_labels = int(classes.max(initial=0)) + 1
        width = int(last.max(initial=0)) + 1
        keys = (np.repeat(item_codes, lengths) * width + position) * n_labels + np.repeat(
            classes, lengths
        )
        marked = np.unique(np.repeat(who, lengths) * (n_items * width * n_labels) + keys)
        votes_key, votes = np.unique(marked % (n_items * width * n_labels), return_counts=True)
        share = votes / audience[votes_key // (width * n_labels)]
        chosen = _best_label(votes_key // n_labels, share) & (share > self.min_share)
        consensus = votes_key[chosen]
        self._spans(consensus, share[chosen], width, n_labels)
        n_annotators = int(max(who.max(initial=-1), seen_who.max(initial=-1))) + 1
        self._skills(
            marked, consensus, (seen_items, seen_who), width * n_labels, n_items, n_annotators
        )
        return self

    def _spans(self, keys: IntArray, share: FloatArray, width: int, n_labels: int) -> None:
        label, cell = keys % n_labels, keys // n_labels
        item, position = cell // width, cell % width
        order = np.lexsort((position, label, item))
        item, label, position, share = item[order], label[order], position[order], share[order]
        starts_run = np.ones(len(item), dtype=bool)
        starts_run[1:] = (
            (item[1:] != item[:-1])
            | (label[1:] != label[:-1])
            | (position[1:] != position[:-1] + 1)
        )
        run = np.cumsum(starts_run) - 1
        n_runs = int(starts_run.sum())
        self.items_, self.labels_ = item[starts_run], label[starts_run]
        self.starts_ = position[starts_run]
        self.ends_ = self.starts_ + np.bincount(run, minlength=n_runs)
        self.confidence_ = sums_by(run, share, n_runs) / np.bincount(run, minlength=n_runs)

    def _skills(
        self,
        marked: IntArray,
        consensus: IntArray,
        views: tuple[IntArray, IntArray],
        per_item: int,
        n_items: int,
        n_annotators: int,
    ) -> None:
        """Position-level F1 of each annotator against the consensus, on items it viewed."""
        stride = per_item * n_items
        annotator = marked // stride
        hits = np.isin(marked % stride, consensus)
        true_positive = sums_by(annotator, hits, n_annotators)
        marked_total = np.bincount(annotator, minlength=n_annotators)
        expected = np.bincount(consensus // per_item, minlength=n_items)
        seen_items, seen_who = views
        consensus_total = sums_by(seen_who, expected[seen_items], n_annotators)
        denominator = marked_total + consensus_total
        self.skills_ = np.divide(
            2 * true_positive, denominator, out=np.full(n_annotators, np.nan), where=denominator > 0
        )


def _offsets(lengths: IntArray) -> IntArray:
    """0, 1, ..., length - 1 for each length, concatenated."""
    ends = np.cumsum(lengths)
    result: IntArray = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(
        ends - lengths, lengths
    )
    return result


def _best_label(cells: IntArray, share: FloatArray) -> npt.NDArray[np.bool_]:
    """For sorted (cell, label) rows: True on the row with the largest share of its cell."""
    order = np.lexsort((-share, cells))
    best = np.zeros(len(cells), dtype=bool)
    first = np.ones(len(cells), dtype=bool)
    first[1:] = cells[order][1:] != cells[order][:-1]
    best[order[first]] = True
    return best
