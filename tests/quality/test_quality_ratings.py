"""Numeric ratings: mean, median, trimmed mean, and annotator bias."""

from __future__ import annotations

import numpy as np
import pytest

from tessera.quality import MeanRating, MedianRating, Ratings, TrimmedMeanRating
from tessera.quality.ratings import grouped_quantile_mean


def test_grouped_statistics_on_toy_groups() -> None:
    groups = np.array([0, 0, 0, 1, 1, 1, 1, 2])
    values = np.array([3.0, 1.0, 2.0, 10.0, 1.0, 4.0, 2.0, 5.0])
    np.testing.assert_allclose(grouped_quantile_mean(groups, values, 4, 0.0)[:3], [2, 4.25, 5])
    np.testing.assert_allclose(grouped_quantile_mean(groups, values, 4, 0.5)[:3], [2, 3, 5])
    np.testing.assert_allclose(grouped_quantile_mean(groups, values, 4, 0.25)[:3], [2, 3, 5])
    assert np.isnan(grouped_quantile_mean(groups, values, 4, 0.0)[3])


def test_trimmed_mean_cuts_outliers() -> None:
    ratings = Ratings.from_arrays([0] * 10, range(10), [1, 2, 2, 2, 2, 2, 2, 2, 3, 100])
    assert MeanRating().fit(ratings).values_[0] == pytest.approx(11.8)
    assert TrimmedMeanRating(proportion=0.1).fit(ratings).values_[0] == pytest.approx(2.125)
    assert MedianRating().fit(ratings).values_[0] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="proportion"):
        TrimmedMeanRating(proportion=0.5).fit(ratings)


@pytest.mark.parametrize("model", [MeanRating, MedianRating, TrimmedMeanRating])
def test_bias_correction_recovers_harsh_and_lenient_raters(model: type[MeanRating]) -> None:
    rng = np.random.default_rng(0)
    truth = rng.normal(3, 1, 400)
    bias = np.linspace(-1, 1, 20)
    items = np.repeat(np.arange(400), 4)
    annotators = rng.integers(0, 20, len(items))
    values = truth[items] + bias[annotators] + rng.normal(0, 0.2, len(items))
    ratings = Ratings.from_arrays(items, annotators, values)
    plain = model().fit(ratings)
    corrected = model(correct_bias=True).fit(ratings)
    assert corrected.converged_
    error = np.abs(corrected.values_ - truth).mean()
    assert error < 0.5 * np.abs(plain.values_ - truth).mean()
    np.testing.assert_allclose(corrected.bias_, bias - bias.mean(), atol=0.1)
    assert corrected.noise_.max() < 0.4
    assert corrected.skills_.shape == (20,)


def test_ratings_are_validated() -> None:
    with pytest.raises(ValueError, match="finite"):
        Ratings.from_arrays([0], [0], [np.nan])
