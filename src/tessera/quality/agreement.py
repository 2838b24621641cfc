"""Agreement between annotators: Cohen's kappa, Fleiss' kappa, Krippendorff's alpha.

Each takes long-format rows `fit(items, annotators, values)`, and gives `value_` and, with
`n_resamples > 0`, a percentile bootstrap interval `interval_` from resampling items (units).
Every statistic is a function of per-unit sums, so one resample costs one weighted sum over
units, never a copy of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from tessera.quality.answers import FloatArray, IntArray, as_codes

DENSE_CELLS_PER_ROW = 4  # per-unit value counts stay dense while units x values <= this x rows


class Weighting(Enum):
    """How Cohen's kappa weighs a disagreement between label codes i and j."""

    NOMINAL = "nominal"  # every disagreement counts 1
    LINEAR = "linear"  # |i - j| / (K - 1)
    QUADRATIC = "quadratic"  # ((i - j) / (K - 1))^2


class Metric(Enum):
    """Krippendorff's level of measurement: which difference function delta^2 applies."""

    NOMINAL = "nominal"
    ORDINAL = "ordinal"
    INTERVAL = "interval"
    RATIO = "ratio"


Statistic = Callable[[FloatArray], float]


def bootstrap_interval(
    statistic: Statistic, n_units: int, n_resamples: int, confidence: float, seed: int
) -> tuple[float, float]:
    """Percentile interval of `statistic(unit_weights)` over resamples of the units.

    A resample draws `n_units` units with replacement; a unit drawn c times gets weight c.
    """
    rng = np.random.default_rng(seed)
    draws = np.empty(n_resamples)
    for r in range(n_resamples):
        weights = np.bincount(rng.integers(0, n_units, n_units), minlength=n_units)
        draws[r] = statistic(weights.astype(np.float64))
    tail = (1.0 - confidence) / 2.0
    low, high = np.nanquantile(draws, [tail, 1.0 - tail])
    return float(low), float(high)


@dataclass
class _Agreement:
    """Bootstrap settings and the fitted `value_` / `interval_` shared by every statistic."""

    n_resamples: int = 0
    confidence: float = 0.95
    seed: int = 0
    value_: float = field(init=False, repr=False)
    interval_: tuple[float, float] = field(init=False, repr=False)

    def _finish(self, statistic: Statistic, n_units: int) -> None:
        self.value_ = statistic(np.ones(n_units))
        self.interval_ = (np.nan, np.nan)
        if self.n_resamples > 0 and n_units > 0:
            self.interval_ = bootstrap_interval(
                statistic, n_units, self.n_resamples, self.confidence, self.seed
            )


def _long(items: npt.ArrayLike, annotators: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    item_codes, annotator_codes = as_codes(items, "items"), as_codes(annotators, "annotators")
    if len(item_codes) != len(annotator_codes):
        raise ValueError("items and annotators must have the same length")
    return item_codes, annotator_codes


@dataclass
class CohensKappa(_Agreement):
    r"""Cohen's kappa between exactly two annotators, optionally weighted.

    $\kappa = 1 - \sum w_{ij} o_{ij} / \sum w_{ij} e_{ij}$ over the items both labeled, with
    observed proportions $o$, chance $e_{ij} = o_{i\cdot} o_{\cdot j}$ and disagreement weights
    $w$ (`weighting`; labels are codes 0..K-1 in order). `confusion_` is the K x K table.

    Reference: Cohen (1960), Educ. Psychol. Meas. 20(1); Cohen (1968), Psychol. Bull. 70(4).
    """

    weighting: Weighting = Weighting.NOMINAL
    confusion_: FloatArray = field(init=False, repr=False)

    def fit(
        self,
        items: npt.ArrayLike,
        annotators: npt.ArrayLike,
        values: npt.ArrayLike,
        *,
        n_labels: int | None = None,
    ) -> Self:
        item_codes, annotator_codes = _long(items, annotators)
        labels = as_codes(values, "values")
        raters = np.unique(annotator_codes)
        if len(raters) != 2:
            raise ValueError(f"Cohen's kappa needs exactly two annotators, got {len(raters)}")
        k = max(int(labels.max()) + 1 if labels.size else 0, n_labels or 0)
        n_items = int(item_codes.max()) + 1 if item_codes.size else 0
        pair = np.full((2, n_items), -1, dtype=np.int64)
        for side, rater in enumerate(raters):
            mine = annotator_codes == rater
            pair[side, item_codes[mine]] = labels[mine]
        both = (pair >= 0).all(axis=0)
        cells = pair[0, both] * k + pair[1, both]
        disagreement = _kappa_weights(k, self.weighting)

        def statistic(weights: FloatArray) -> float:
            table = np.bincount(cells, weights, k * k).reshape(k, k).astype(np.float64)
            return _kappa(table, disagreement)

        self.confusion_ = np.bincount(cells, minlength=k * k).reshape(k, k).astype(np.float64)
        self._finish(statistic, len(cells))
        return self


def _kappa_weights(k: int, weighting: Weighting) -> FloatArray:
    distance = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / max(k - 1, 1)
    if weighting is Weighting.LINEAR:
        return distance
    if weighting is Weighting.QUADRATIC:
        return distance**2
    result: FloatArray = (distance > 0).astype(np.float64)
    return result


def _kappa(table: FloatArray, disagreement: FloatArray) -> float:
    total = table.sum()
    if total == 0:
        return float("nan")
    observed = table / total
    chance = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    expected = float((disagreement * chance).sum())
    if expected == 0:
        return float("nan")
    return 1.0 - float((disagreement * observed).sum()) / expected


@dataclass
class FleissKappa(_Agreement):
    r"""Fleiss' kappa for any number of annotators per item (items with fewer than 2 skipped).

    $\kappa = (\bar P - P_e)/(1 - P_e)$, $P_i = (\sum_j n_{ij}^2 - m_i)/(m_i(m_i - 1))$,
    $P_e = \sum_j p_j^2$. With the same number of ratings per item this is Fleiss' statistic.

    Reference: Fleiss (1971), "Measuring nominal scale agreement among many raters",
    Psychol. Bull. 76(5), 378-382.
    """

    def fit(self, items: npt.ArrayLike, annotators: npt.ArrayLike, values: npt.ArrayLike) -> Self:
        item_codes, _ = _long(items, annotators)
        labels = as_codes(values, "values")
        k = int(labels.max()) + 1 if labels.size else 1
        n_items = int(item_codes.max()) + 1 if item_codes.size else 0
        counts = np.bincount(item_codes * k + labels, minlength=n_items * k).reshape(n_items, k)
        ratings = counts.sum(axis=1)
        keep = ratings >= 2
        counts, ratings = counts[keep].astype(np.float64), ratings[keep].astype(np.float64)
        per_item = ((counts**2).sum(axis=1) - ratings) / (ratings * (ratings - 1))

        def statistic(weights: FloatArray) -> float:
            if not weights @ ratings > 0:
                return float("nan")
            shares = weights @ counts / (weights @ ratings)
            chance = float((shares**2).sum())
            mean = float(weights @ per_item / weights.sum())
            return (mean - chance) / (1.0 - chance) if chance < 1 else float("nan")

        self._finish(statistic, len(ratings))
        return self


def distinct_codes(values: npt.ArrayLike) -> tuple[IntArray, npt.NDArray[Any]]:
    """Codes of `values` in sorted order and the distinct values; O(n) for small-range ints."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.integer) and array.size:
        low, high = int(array.min()), int(array.max())
        if high - low <= 4 * array.size:
            present = np.bincount(array - low, minlength=high - low + 1) > 0
            code_of = np.cumsum(present) - 1
            return code_of[array - low].astype(np.int64), np.flatnonzero(present) + low
    uniques, inverse = np.unique(array, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), uniques


def _unit_value_counts(units: IntArray, codes: IntArray, n_units: int, n_values: int) -> Any:
    """(units, values) counts: dense while small enough, else a scipy CSR array."""
    if n_units * n_values <= DENSE_CELLS_PER_ROW * len(units) + (1 << 20):
        counts = np.bincount(units * n_values + codes, minlength=n_units * n_values)
        return counts.reshape(n_units, n_values).astype(np.float64)
    ones = np.ones(len(units))
    return sp.csr_array((ones, (units, codes)), shape=(n_units, n_values))


def _coincidences(counts: Any, unit_sizes: FloatArray, weights: FloatArray) -> FloatArray:
    r"""Krippendorff's coincidence matrix $o_{ck} = \sum_u w_u (n_{uc} n_{uk} - [c = k]
    n_{uc}) / (m_u - 1)$, as a (values x values) array."""
    scale = weights / (unit_sizes - 1)
    if isinstance(counts, np.ndarray):
        product = counts.T @ (counts * scale[:, None])
    else:
        product = (counts.T @ sp.diags_array(scale) @ counts).toarray()
    result: FloatArray = product - np.diag(counts.T @ scale)
    return result


def _delta(metric: Metric, values: npt.NDArray[Any], totals: FloatArray) -> FloatArray:
    """Squared difference $\\delta^2_{ck}$ between distinct values, per level of measurement."""
    v = len(values)
    if metric is Metric.NOMINAL:
        return 1.0 - np.eye(v)
    if metric is Metric.ORDINAL:
        cumulative = np.cumsum(totals)
        low = np.minimum.outer(np.arange(v), np.arange(v))
        high = np.maximum.outer(np.arange(v), np.arange(v))
        between = cumulative[high] - cumulative[low] + totals[low]
        result: FloatArray = (between - np.add.outer(totals, totals) / 2) ** 2
        return result
    numeric = values.astype(np.float64)
    difference = np.subtract.outer(numeric, numeric)
    if metric is Metric.INTERVAL:
        return difference**2
    total = np.add.outer(numeric, numeric)
    ratio = np.divide(difference, total, out=np.zeros_like(difference), where=total != 0)
    return ratio**2


def _alpha(observed: float, expected: float) -> float:
    return 1.0 - observed / expected if expected > 0 else float("nan")


def _nominal(units: IntArray, values: npt.NDArray[Any], sizes: FloatArray) -> Statistic:
    """Nominal alpha from per-unit sums of squared counts: no values x values matrix needed."""
    codes, distinct = distinct_codes(values)
    counts = _unit_value_counts(units, codes, len(sizes), len(distinct))
    squares = counts * counts if isinstance(counts, np.ndarray) else counts.multiply(counts)
    same = np.asarray(squares.sum(axis=1)).reshape(-1) - sizes

    def statistic(weights: FloatArray) -> float:
        totals = counts.T @ weights
        n = float(totals.sum())
        observed = n - float(weights / (sizes - 1) @ same)
        return _alpha(observed, (n * n - float(totals @ totals)) / (n - 1))

    return statistic


def _interval(units: IntArray, values: npt.NDArray[Any], sizes: FloatArray) -> Statistic:
    """Interval alpha from per-unit sums and sums of squares (any number of distinct values)."""
    numeric = values.astype(np.float64)
    numeric = numeric - numeric.mean()  # shift-invariant; centring avoids cancellation
    sums = np.bincount(units, numeric, len(sizes))
    squares = np.bincount(units, numeric * numeric, len(sizes))
    within = 2 * (sizes * squares - sums * sums)

    def statistic(weights: FloatArray) -> float:
        n = float(weights @ sizes)
        total, total_sq = float(weights @ sums), float(weights @ squares)
        observed = float(weights / (sizes - 1) @ within)
        return _alpha(observed, 2 * (n * total_sq - total * total) / (n - 1))

    return statistic


def _by_coincidences(
    units: IntArray, values: npt.NDArray[Any], sizes: FloatArray, metric: Metric
) -> Statistic:
    """Alpha through the coincidence matrix: memory O(distinct values^2), not O(units)."""
    codes, distinct = distinct_codes(values)
    counts = _unit_value_counts(units, codes, len(sizes), len(distinct))

    def statistic(weights: FloatArray) -> float:
        coincidences = _coincidences(counts, sizes, weights)
        totals = coincidences.sum(axis=1)
        delta = _delta(metric, distinct, totals)
        n = float(totals.sum())
        expected = float(totals @ delta @ totals) / (n - 1)
        return _alpha(float((coincidences * delta).sum()), expected)

    return statistic


def _pairable(
    items: npt.ArrayLike, annotators: npt.ArrayLike, values: npt.ArrayLike
) -> tuple[IntArray, npt.NDArray[Any], FloatArray]:
    """Rows of units with at least two values (missing: NaN), units renumbered 0..U-1."""
    item_codes, _ = _long(items, annotators)
    array = np.asarray(values)
    if array.shape != item_codes.shape:
        raise ValueError("values must have the same length as items")
    if np.issubdtype(array.dtype, np.floating):
        present = ~np.isnan(array)
        item_codes, array = item_codes[present], array[present]
    n_items = int(item_codes.max()) + 1 if item_codes.size else 0
    sizes = np.bincount(item_codes, minlength=n_items)
    is_pairable = sizes >= 2
    if not is_pairable[item_codes].all():
        keep = is_pairable[item_codes]
        item_codes, array = item_codes[keep], array[keep]
    renumber = np.cumsum(is_pairable) - 1
    return renumber[item_codes], array, sizes[is_pairable].astype(np.float64)


@dataclass
class KrippendorffAlpha(_Agreement):
    r"""Krippendorff's alpha for nominal, ordinal, interval or ratio values, missing allowed.

    $\alpha = 1 - (n - 1) \sum_{ck} o_{ck} \delta^2_{ck} / \sum_{ck} n_c n_k \delta^2_{ck}$
    over pairable units (two values or more; NaN values are missing). Nominal and interval
    alpha come from per-unit sums in O(rows); ordinal and ratio build the coincidence matrix
    of the distinct values. `annotators` are not needed by the statistic (any value pairs
    within a unit count) and are only checked for length.

    Reference: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg
    School for Communication, University of Pennsylvania.
    """

    metric: Metric = Metric.NOMINAL
    n_pairable_: int = field(init=False, repr=False)

    def fit(self, items: npt.ArrayLike, annotators: npt.ArrayLike, values: npt.ArrayLike) -> Self:
        units, kept, sizes = _pairable(items, annotators, values)
        if self.metric is Metric.NOMINAL:
            statistic = _nominal(units, kept, sizes)
        elif self.metric is Metric.INTERVAL:
            statistic = _interval(units, kept, sizes)
        else:
            statistic = _by_coincidences(units, kept, sizes, self.metric)
        self.n_pairable_ = len(kept)
        self._finish(statistic, len(sizes))
        return self


def coincidence_matrix(
    items: npt.ArrayLike, annotators: npt.ArrayLike, values: npt.ArrayLike
) -> tuple[npt.NDArray[Any], FloatArray]:
    """The distinct values and Krippendorff's coincidence matrix between them."""
    units, kept, sizes = _pairable(items, annotators, values)
    codes, distinct = distinct_codes(kept)
    counts = _unit_value_counts(units, codes, len(sizes), len(distinct))
    return distinct, _coincidences(counts, sizes, np.ones(len(sizes)))
