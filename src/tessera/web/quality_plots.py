"""Geometry of the quality page's plots, drawn as server-side SVG by quality.html (no JS).

Every function returns plain numbers and strings; the template escapes every label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tessera.services.quality import AnnotatorQuality

WIDTH = 640
ROW_H = 22
LABEL_W = 200
MAX_HEATMAPS = 24  # (annotator, question) matrices drawn; the API has them all


def _x(value: float, low: float, high: float, width: float) -> float:
    clipped = min(max(value, low), high)
    return round((clipped - low) / (high - low) * width, 1)


def agreement_chart(questions: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """One row per (question, statistic): a bar from 0 to the value, a whisker for its
    bootstrap interval, on a -1..1 axis with Krippendorff's 0.667 and 0.8 marks."""
    plot_w = WIDTH - LABEL_W
    rows: list[dict[str, object]] = []
    for q in questions:
        agreement = q.get("agreement")
        for a in agreement if isinstance(agreement, list) else []:
            value, low, high = a.get("value"), a.get("low"), a.get("high")
            zero = _x(0.0, -1, 1, plot_w)
            end = _x(value, -1, 1, plot_w) if isinstance(value, float | int) else zero
            rows.append(
                {
                    "label": f"{q.get('key')} · {str(a.get('statistic')).replace('_', ' ')}",
                    "value": value,
                    "low": low,
                    "high": high,
                    "metric": a.get("metric"),
                    "x": min(zero, end),
                    "width": abs(end - zero),
                    "low_x": _x(low, -1, 1, plot_w) if isinstance(low, float | int) else None,
                    "high_x": _x(high, -1, 1, plot_w) if isinstance(high, float | int) else None,
                    "y": len(rows) * ROW_H,
                }
            )
    marks = [
        {"label": m, "x": _x(float(m), -1, 1, plot_w)} for m in ("-1", "0", "0.667", "0.8", "1")
    ]
    return {
        "width": WIDTH,
        "label_w": LABEL_W,
        "plot_w": plot_w,
        "height": max(len(rows), 1) * ROW_H + 18,
        "rows": rows,
        "marks": marks,
    }


def histogram(bins: Sequence[int]) -> dict[str, object]:
    """Vertical bars of result counts per confidence tenth."""
    height, bar_w = 120, WIDTH / max(len(bins), 1)
    top = max(bins, default=0) or 1
    bars = []
    for i, count in enumerate(bins):
        h = round(height * count / top, 1)
        bars.append(
            {
                "x": round(i * bar_w + 2, 1),
                "y": round(height - h, 1),
                "width": round(bar_w - 4, 1),
                "height": h,
                "count": count,
                "range": f"{i / len(bins):.1f}-{(i + 1) / len(bins):.1f}",
            }
        )
    return {"width": WIDTH, "height": height, "bars": bars, "total": sum(bins)}


def gold_chart(
    annotators: Sequence[AnnotatorQuality], threshold: float | None
) -> dict[str, object]:
    """Horizontal bars of each annotator's accuracy on gold, with the pause threshold."""
    plot_w = WIDTH - LABEL_W
    rows: list[dict[str, object]] = []
    for a in annotators:
        if a.gold is None or a.gold.accuracy is None:
            continue
        rows.append(
            {
                "email": a.email,
                "accuracy": a.gold.accuracy,
                "answers": a.gold.answers,
                "width": _x(a.gold.accuracy, 0, 1, plot_w),
                "y": len(rows) * ROW_H,
                "is_low": threshold is not None and a.gold.accuracy < threshold,
            }
        )
    return {
        "width": WIDTH,
        "label_w": LABEL_W,
        "plot_w": plot_w,
        "height": max(len(rows), 1) * ROW_H + 4,
        "rows": rows,
        "threshold_x": None if threshold is None else _x(threshold, 0, 1, plot_w),
    }


def heatmaps(
    annotators: Sequence[AnnotatorQuality], options: Mapping[str, Sequence[str]]
) -> list[dict[str, object]]:
    """Confusion matrices (true label by row, answer by column) as grids of shaded cells."""
    out: list[dict[str, object]] = []
    for a in annotators:
        for s in a.skills:
            if s.confusion is None or len(out) >= MAX_HEATMAPS:
                continue
            labels = list(options.get(s.question, [str(i) for i in range(len(s.confusion))]))
            cell, pad = 34, 90
            cells = [
                {
                    "x": pad + j * cell,
                    "y": 16 + i * cell,
                    "size": cell - 2,
                    "opacity": round(min(max(p, 0.0), 1.0), 3),
                    "text": f"{p:.2f}",
                    "dark": p > 0.55,
                    "true": labels[i] if i < len(labels) else str(i),
                    "given": labels[j] if j < len(labels) else str(j),
                }
                for i, row in enumerate(s.confusion)
                for j, p in enumerate(row)
            ]
            n = len(s.confusion)
            out.append(
                {
                    "email": a.email,
                    "question": s.question,
                    "skill": s.skill,
                    "labels": [
                        {"text": t, "x": pad + k * cell + cell / 2, "y": 16 + k * cell + cell / 2}
                        for k, t in enumerate(labels[:n])
                    ],
                    "pad": pad,
                    "cells": cells,
                    "width": pad + n * cell + 4,
                    "height": 16 + n * cell + 4,
                }
            )
    return out
