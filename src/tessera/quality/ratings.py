"""Numeric ratings: per-item mean, median or trimmed mean, optionally net of annotator bias."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

import numpy as np
import numpy.typing as npt

from tessera.quality.answers import FloatArray, IntArray, as_codes, code_count, sums_by


@dataclass(frozen=True, eq=False)
class Ratings:
    """One row per rating: `annotators[r]` gave `items[r]` the number `values[r]`."""

    items: IntArray
    annotators: IntArray
    values: FloatArray
    n_items: int
    n_annotators: int

    @classmethod
    def from_arrays(
        cls,
        items: npt.ArrayLike,
        annotators: npt.ArrayLike,
        values: npt.ArrayLike,
        *,
        n_items: int | None = None,
        n_annotators: int | None = None,
    ) -> Ratings:
        item_codes, annotator_codes = as_codes(items, "items"), as_codes(annotators, "annotators")
        numbers = np.asarray(values, dtype=np.float64).reshape(-1)
        if not len(item_codes) == len(annotator_codes) == len(numbers):
            raise ValueError("items, annotators and values must have the same length")
        if not np.isfinite(numbers).all():
            raise ValueError("ratings must be finite numbers; leave missing ones out")
        return cls(
            item_codes,
            annotator_codes,
            numbers,
            code_count(item_codes, n_items, "items"),
            code_count(annotator_codes, n_annotators, "annotators"),
        )


def grouped_quantile_mean(
    groups: IntArray, values: FloatArray, n_groups: int, trim: float
) -> FloatArray:
    """Per group, the mean of the values left after cutting floor(trim * n) from each end.

    trim = 0 is the mean; trim = 0.5 is the median (the middle one or two). NaN for empty groups.
    """
    counts = np.bincount(groups, minlength=n_groups)
    if trim == 0:
        means: FloatArray = np.divide(
            sums_by(groups, values, n_groups),
            counts,
            out=np.full(n_groups, np.nan),
            where=counts > 0,
        )
        return means
    order = np.lexsort((values, groups))
    sorted_groups, sorted_values = groups[order], values[order]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(values)) - starts[sorted_groups]
    size = counts[sorted_groups]
    if trim >= 0.5:
        keep = (rank == (size - 1) // 2) | (rank == size // 2)
    else:
        cut = np.floor(trim * size).astype(np.int64)
        keep = (rank >= cut) & (rank < size - cut)
    totals = sums_by(sorted_groups[keep], sorted_values[keep], n_groups)
    kept = np.bincount(sorted_groups[keep], minlength=n_groups)
    result: FloatArray = np.divide(totals, kept, out=np.full(n_groups, np.nan), where=kept > 0)
    return result


@dataclass
class _RatingModel:
    """Consensus per item, and per-annotator bias and noise, by alternating estimates.

    With `correct_bias`, a rating is modelled as item value + annotator bias + noise: the
    consensus is taken over ratings net of bias, the bias is the annotator's mean deviation
    from the consensus (centred, weighted by ratings, so it sums to zero), until no value
    moves by more than `tol`. Without it the bias is still reported but not subtracted.
    `skills_` are 1 / (residual variance + 1e-12): the weight a rating deserves.
    """

    correct_bias: bool = False
    tol: float = 1e-9
    max_iter: int = 100
    values_: FloatArray = field(init=False, repr=False)
    bias_: FloatArray = field(init=False, repr=False)
    noise_: FloatArray = field(init=False, repr=False)
    skills_: FloatArray = field(init=False, repr=False)
    n_iter_: int = field(init=False, repr=False)
    converged_: bool = field(init=False, repr=False)

    def _trim(self) -> float:
        """Share cut from each end of an item's ratings: 0 mean, 0.5 median."""
        return 0.0

    def fit(self, ratings: Ratings) -> Self:
        trim = self._trim()
        who, n = ratings.annotators, ratings.n_annotators
        per_annotator = np.bincount(who, minlength=n)
        bias = np.zeros(n)
        self.converged_, self.n_iter_ = False, 0
        while self.n_iter_ < self.max_iter:
            self.n_iter_ += 1
            net = ratings.values - bias[who]
            values = grouped_quantile_mean(ratings.items, net, ratings.n_items, trim)
            deviation = ratings.values - values[ratings.items]
            updated = np.divide(
                sums_by(who, deviation, n), per_annotator, out=np.zeros(n), where=per_annotator > 0
            )
            updated -= float(updated @ per_annotator) / max(len(ratings.values), 1)
            moved = float(np.abs(updated - bias).max(initial=0.0))
            bias = updated
            if not self.correct_bias or moved <= self.tol:
                self.converged_ = True
                break
        self.values_, self.bias_ = values, bias
        residual = ratings.values - values[ratings.items] - (bias[who] if self.correct_bias else 0)
        variance = np.divide(
            sums_by(who, residual**2, n),
            per_annotator,
            out=np.full(n, np.nan),
            where=per_annotator > 0,
        )
        self.noise_ = np.sqrt(variance)
        self.skills_ = 1.0 / (variance + 1e-12)
        return self


@dataclass
class MeanRating(_RatingModel):
    """Per-item mean rating (net of annotator bias when `correct_bias`)."""


@dataclass
class MedianRating(_RatingModel):
    """Per-item median rating (net of annotator bias when `correct_bias`)."""

    def _trim(self) -> float:
        return 0.5


@dataclass
class TrimmedMeanRating(_RatingModel):
    """Per-item mean after cutting `proportion` of the ratings from each end."""

    proportion: float = 0.1

    def _trim(self) -> float:
        if not 0 <= self.proportion < 0.5:
            raise ValueError("proportion must be in [0, 0.5)")
        return self.proportion
