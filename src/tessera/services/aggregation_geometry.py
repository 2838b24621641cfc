"""Consensus of spans and boxes for stored aggregation (tessera.quality's SpanConsensus and
BoxConsensus), returning per-item results and per-annotator skills as plain numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tessera.domain.label_schema import Question
from tessera.quality import BoxConsensus, SpanConsensus

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GeometryResult:
    """`results[item code] = (value, confidence)`; `skills[annotator code]` (NaN: unknown)."""

    method: str
    results: dict[int, tuple[list[dict[str, object]], float]]
    skills: npt.NDArray[np.float64]


def _empty_share(
    items: IntArray, values: Sequence[object], n_items: int
) -> npt.NDArray[np.float64]:
    """Per item, the share of its answers that marked nothing: the confidence of 'nothing'."""
    empty = np.array([not v for v in values], dtype=np.float64)
    counts = np.bincount(items, minlength=n_items)
    return np.bincount(items, empty, n_items) / np.maximum(counts, 1)


def span_consensus(
    question: Question, items: IntArray, users: IntArray, values: Sequence[object], n_items: int
) -> GeometryResult:
    """Token-level vote over character offsets; everyone who answered (even with no span)
    counts in the audience. Confidence: the least sure consensus span's mean share."""
    labels = [o.value for o in question.options]
    rows = [
        (i, u, s)
        for i, u, v in zip(items, users, values, strict=True)
        for s in (v if isinstance(v, list) else [])
        if isinstance(s, Mapping)
    ]
    model = SpanConsensus().fit(
        [int(i) for i, _, _ in rows],
        [int(u) for _, u, _ in rows],
        [int(s["start"]) for _, _, s in rows],
        [int(s["end"]) for _, _, s in rows],
        [labels.index(str(s["label"])) for _, _, s in rows],
        views=(items, users),
    )
    found: dict[int, list[dict[str, object]]] = {}
    sure: dict[int, float] = {}
    for k in range(len(model.items_)):
        code = int(model.items_[k])
        found.setdefault(code, []).append(
            {
                "start": int(model.starts_[k]),
                "end": int(model.ends_[k]),
                "label": labels[int(model.labels_[k])],
            }
        )
        sure[code] = min(sure.get(code, 1.0), float(model.confidence_[k]))
    nothing = _empty_share(items, values, n_items)
    results = {
        code: (found.get(code, []), sure.get(code, float(nothing[code])))
        for code in np.unique(items).tolist()
    }
    return GeometryResult("token_vote", results, _padded(model.skills_, int(users.max()) + 1))


def box_consensus(
    question: Question, items: IntArray, users: IntArray, values: Sequence[object], n_items: int
) -> GeometryResult:
    """IoU matching and weighted fusion of rectangles (polygons are left out). Confidence: the
    least supported fused box's share of the annotators who answered."""
    labels = [o.value for o in question.options]
    rows = [
        (i, u, b)
        for i, u, v in zip(items, users, values, strict=True)
        for b in (v if isinstance(v, list) else [])
        if isinstance(b, Mapping) and b.get("shape", "rectangle") == "rectangle"
    ]
    corners = [
        [
            float(b["x"]),
            float(b["y"]),
            float(b["x"]) + float(b["width"]),
            float(b["y"]) + float(b["height"]),
        ]
        for _, _, b in rows
    ]
    model = BoxConsensus().fit(
        [int(i) for i, _, _ in rows],
        [int(u) for _, u, _ in rows],
        np.array(corners, dtype=np.float64).reshape(-1, 4),
        [labels.index(str(b["label"])) for _, _, b in rows],
        views=(items, users),
    )
    found: dict[int, list[dict[str, object]]] = {}
    sure: dict[int, float] = {}
    for k in range(len(model.items_)):
        code = int(model.items_[k])
        x1, y1, x2, y2 = (round(float(c), 4) for c in model.boxes_[k])
        found.setdefault(code, []).append(
            {
                "shape": "rectangle",
                "label": labels[int(model.labels_[k])],
                "x": x1,
                "y": y1,
                "width": round(x2 - x1, 4),
                "height": round(y2 - y1, 4),
                "confidence": round(float(model.confidence_[k]), 4),
            }
        )
        sure[code] = min(sure.get(code, 1.0), float(model.confidence_[k]))
    nothing = _empty_share(items, values, n_items)
    results = {
        code: (found.get(code, []), sure.get(code, float(nothing[code])))
        for code in np.unique(items).tolist()
    }
    return GeometryResult("box_fusion", results, _padded(model.skills_, int(users.max()) + 1))


def _padded(skills: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    out = np.full(n, np.nan)
    out[: min(len(skills), n)] = skills[:n]
    return out
