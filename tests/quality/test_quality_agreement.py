"""Agreement statistics against published reference values and the `krippendorff` package."""

from __future__ import annotations

import numpy as np
import pytest

from tessera.quality import (
    CohensKappa,
    FleissKappa,
    KrippendorffAlpha,
    Metric,
    Weighting,
    coincidence_matrix,
    encode,
)

NAN = np.nan

# Example of the `krippendorff` package's README (3 coders x 15 units, NaN = missing); its
# published results are nominal 0.691358 and interval 0.810845.
PACKAGE_EXAMPLE = np.array(
    [
        [NAN, NAN, NAN, NAN, NAN, 3, 4, 1, 2, 1, 1, 3, 3, NAN, 3],
        [1, NAN, 2, 1, 3, 3, 4, 3, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
        [NAN, NAN, 2, 1, 3, 4, 4, NAN, 2, 1, 1, 3, 3, NAN, 4],
    ]
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x
# 12 units with missing values; published alphas nominal .743, ordinal .815, interval .849,
# ratio .797.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)

# Fleiss (1971), Psychol. Bull. 76(5): 30 patients, 6 psychiatrists each, 5 diagnoses
# (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other), as the
# `diagnoses` data of R's irr package; kappam.fleiss gives 0.4302445.
DIAGNOSES = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
)  # fmt: skip

# R irr's `anxiety` data (20 subjects rated by 3 raters on 1..6); irr::kappa2 on raters 2 and
# 3 gives unweighted -0.006289308, "equal" (linear) 0.1459075, "squared" 0.2520325.
ANXIETY = np.array(
    [
        3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3,
        3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4,
        2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2,
    ]
).reshape(3, 20)  # fmt: skip


def long_format(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coders x units) reliability data to (units, coders, values) rows."""
    coders, units = np.indices(matrix.shape)
    return units.ravel(), coders.ravel(), matrix.ravel()


def pairs_from_table(table: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A K x K two-rater contingency table to long-format rows (rater 0 by row, 1 by column)."""
    counts = np.asarray(table)
    first, second = (axis.ravel() for axis in np.indices(counts.shape))
    a, b = np.repeat(first, counts.ravel()), np.repeat(second, counts.ravel())
    n = len(a)
    items = np.concatenate([np.arange(n), np.arange(n)])
    raters = np.concatenate([np.zeros(n, int), np.ones(n, int)])
    return items, raters, np.concatenate([a, b])


@pytest.mark.parametrize(
    ("metric", "expected"), [(Metric.NOMINAL, 0.691358), (Metric.INTERVAL, 0.810845)]
)
def test_alpha_on_the_krippendorff_package_example(metric: Metric, expected: float) -> None:
    alpha = KrippendorffAlpha(metric=metric).fit(*long_format(PACKAGE_EXAMPLE))
    assert round(alpha.value_, 6) == expected


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (Metric.NOMINAL, 0.743),
        (Metric.ORDINAL, 0.815),
        (Metric.INTERVAL, 0.849),
        (Metric.RATIO, 0.797),
    ],
)
def test_alpha_on_krippendorffs_published_example(metric: Metric, expected: float) -> None:
    alpha = KrippendorffAlpha(metric=metric).fit(*long_format(KRIPPENDORFF_2011))
    assert round(alpha.value_, 3) == expected


def test_fleiss_kappa_on_the_fleiss_1971_diagnoses() -> None:
    patients, raters = np.indices(DIAGNOSES.shape)
    kappa = FleissKappa().fit(patients.ravel(), raters.ravel(), DIAGNOSES.ravel() - 1)
    assert kappa.value_ == pytest.approx(0.4302445, abs=5e-8)


def test_cohens_kappa_on_a_textbook_table() -> None:
    # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals read by two readers,
    # 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    kappa = CohensKappa().fit(*pairs_from_table([[20, 5], [10, 15]]))
    assert kappa.value_ == pytest.approx(0.4, abs=1e-12)
    assert kappa.confusion_.tolist() == [[20, 5], [10, 15]]


@pytest.mark.parametrize(
    ("weighting", "expected"), [(Weighting.NOMINAL, 0.4842), (Weighting.LINEAR, 0.4701)]
)
def test_cohens_kappa_on_the_sas_proc_freq_example(weighting: Weighting, expected: float) -> None:
    # SAS/STAT PROC FREQ "AGREE" example table, as quoted in statsmodels' test suite:
    # simple kappa 0.4842, weighted (Cicchetti-Allison, i.e. linear) kappa 0.4701.
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    assert round(CohensKappa(weighting=weighting).fit(*pairs_from_table(table)).value_, 4) == (
        expected
    )


@pytest.mark.parametrize(
    ("weighting", "expected"),
    [
        (Weighting.NOMINAL, -0.006289308),
        (Weighting.LINEAR, 0.1459075),
        (Weighting.QUADRATIC, 0.2520325),
    ],
)
def test_weighted_kappa_matches_r_irr(weighting: Weighting, expected: float) -> None:
    # irr drops the unused level 5: coding the values present does the same.
    codes, _ = encode(ANXIETY[1:].ravel())
    raters, subjects = np.indices((2, 20))
    kappa = CohensKappa(weighting=weighting).fit(subjects.ravel(), raters.ravel(), codes)
    assert kappa.value_ == pytest.approx(expected, abs=5e-8)


def test_cohens_kappa_needs_two_annotators() -> None:
    with pytest.raises(ValueError, match="exactly two"):
        CohensKappa().fit([0, 0, 0], [0, 1, 2], [1, 1, 1])


@pytest.mark.parametrize("metric", list(Metric))
def test_alpha_matches_the_krippendorff_package_on_random_data(metric: Metric) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(7)
    data = rng.integers(1, 6, size=(6, 80)).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    data[:3, :40] = data[3:, :40]  # some agreement
    ours = KrippendorffAlpha(metric=metric).fit(*long_format(data)).value_
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=metric.value)
    assert ours == pytest.approx(theirs, abs=1e-10)


@pytest.mark.parametrize("metric", list(Metric))
def test_alpha_from_the_coincidence_matrix_agrees(metric: Metric) -> None:
    values, coincidences = coincidence_matrix(*long_format(KRIPPENDORFF_2011))
    totals = coincidences.sum(axis=1)
    n = totals.sum()
    v = values.astype(float)
    if metric is Metric.NOMINAL:
        delta = 1.0 - np.eye(len(v))
    elif metric is Metric.INTERVAL:
        delta = np.subtract.outer(v, v) ** 2
    elif metric is Metric.RATIO:
        delta = (np.subtract.outer(v, v) / np.add.outer(v, v)) ** 2
    else:
        c = np.cumsum(totals)
        delta = np.array(
            [
                [(c[max(i, j)] - c[min(i, j)] + totals[min(i, j)] - (totals[i] + totals[j]) / 2)
                 ** 2 for j in range(len(v))]
                for i in range(len(v))
            ]
        )  # fmt: skip
    expected = 1 - (n - 1) * (coincidences * delta).sum() / (np.outer(totals, totals) * delta).sum()
    alpha = KrippendorffAlpha(metric=metric).fit(*long_format(KRIPPENDORFF_2011))
    assert alpha.value_ == pytest.approx(expected, abs=1e-12)
    assert coincidences.sum() == pytest.approx(alpha.n_pairable_)


def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible() -> None:
    patients, raters = np.indices(DIAGNOSES.shape)
    rows = (patients.ravel(), raters.ravel(), DIAGNOSES.ravel())
    first = KrippendorffAlpha(n_resamples=300, seed=3).fit(*rows)
    again = KrippendorffAlpha(n_resamples=300, seed=3).fit(*rows)
    low, high = first.interval_
    assert low < first.value_ < high
    assert first.interval_ == again.interval_
    kappa = FleissKappa(n_resamples=300).fit(*rows)
    assert kappa.interval_[0] < kappa.value_ < kappa.interval_[1]


def test_units_with_one_value_do_not_count() -> None:
    items = [0, 0, 1, 1, 2]
    alpha = KrippendorffAlpha().fit(items, [0, 1, 0, 1, 0], [1, 1, 2, 2, 9])
    assert alpha.value_ == pytest.approx(1.0)
    assert alpha.n_pairable_ == 4
