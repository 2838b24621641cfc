"""Bradley-Terry and Crowd-BT: converged maxima, ties, reliabilities, rankings."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from tessera.quality import BradleyTerry, Comparisons, CrowdBradleyTerry, Outcome
from tessera.quality.bradley_terry import PairCounts, Pairs


def simulated(
    n_items: int = 60,
    n_comparisons: int = 6000,
    tie: float = 0.0,
    reliability: np.ndarray | None = None,
    seed: int = 0,
) -> tuple[Comparisons, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = rng.normal(0, 1, n_items)
    left = rng.integers(0, n_items, n_comparisons)
    right = (left + rng.integers(1, n_items, n_comparisons)) % n_items
    half = (scores[left] - scores[right]) / 2
    weights = np.stack([np.exp(half), np.exp(-half), np.full_like(half, tie)], axis=1)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    outcomes = (rng.random(n_comparisons)[:, None] > cumulative).sum(axis=1)
    annotators = np.zeros(n_comparisons, dtype=int)
    if reliability is not None:
        annotators = rng.integers(0, len(reliability), n_comparisons)
        flip = (rng.random(n_comparisons) > reliability[annotators]) & (outcomes < 2)
        outcomes = np.where(flip, 1 - outcomes, outcomes)
    return Comparisons.from_arrays(left, right, outcomes, annotators), scores


def penalised_gradient(model: BradleyTerry, comparisons: Comparisons) -> np.ndarray:
    """Gradient of the penalised log-likelihood at the fit, by finite differences on one
    coordinate at a time would be slow: use the analytic terms, independently assembled."""
    pairs = Pairs.of(comparisons)
    low, high, tie = pairs.low_outcomes(comparisons)
    counts = PairCounts(
        pairs, pairs.total(low * 1.0), pairs.total(high * 1.0), pairs.total(tie * 1.0)
    )
    log_tie = np.log(model.tie_) if model.tie_ > 0 else -np.inf
    step = 1e-6
    base = counts.value(model.scores_, log_tie)
    gradient = np.empty(comparisons.n_items)
    for i in range(comparisons.n_items):
        moved = model.scores_.copy()
        moved[i] += step
        gradient[i] = (counts.value(moved, log_tie) - base) / step - model.prior * model.scores_[i]
    return gradient


def test_bradley_terry_reaches_the_maximum() -> None:
    comparisons, truth = simulated()
    model = BradleyTerry().fit(comparisons)
    assert model.converged_
    assert model.n_iter_ < 15
    assert model.tie_ == 0.0
    assert np.abs(penalised_gradient(model, comparisons)).max() < 1e-2
    assert spearmanr(model.scores_, truth)[0] > 0.95
    assert model.scores_.mean() == pytest.approx(0.0, abs=1e-8)
    assert model.ranking_[0] == np.argmax(model.scores_)


def test_known_two_item_maximum() -> None:
    # 3 wins to 1 with no prior: P(win) = 3/4 so the score gap is log 3
    comparisons = Comparisons.from_arrays([0, 0, 0, 1], [1, 1, 1, 0], [0, 0, 0, 0])
    model = BradleyTerry(prior=1e-9, tol=1e-10).fit(comparisons)
    assert model.scores_[0] - model.scores_[1] == pytest.approx(np.log(3), abs=1e-6)
    np.testing.assert_allclose(model.predict_proba([0], [1]), [[0.75, 0.25, 0.0]], atol=1e-6)


def test_an_item_that_never_loses_stays_finite() -> None:
    comparisons = Comparisons.from_arrays([0, 0, 1], [1, 2, 2], [0, 0, 0])
    model = BradleyTerry().fit(comparisons)
    assert model.converged_
    assert np.isfinite(model.scores_).all()
    assert model.ranking_.tolist() == [0, 1, 2]


def test_ties_are_fitted_with_davidsons_parameter() -> None:
    comparisons, truth = simulated(n_comparisons=20_000, tie=0.5)
    model = BradleyTerry().fit(comparisons)
    assert model.converged_
    assert model.tie_ == pytest.approx(0.5, rel=0.1)
    probabilities = model.predict_proba([0, 1], [2, 3])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert spearmanr(model.scores_, truth)[0] > 0.95


def test_crowd_bt_finds_spammers_and_adversaries() -> None:
    reliability = np.array([0.95, 0.9, 0.9, 0.85, 0.5, 0.5, 0.1])
    comparisons, truth = simulated(n_comparisons=30_000, reliability=reliability)
    crowd = CrowdBradleyTerry().fit(comparisons)
    plain = BradleyTerry().fit(comparisons)
    assert crowd.converged_
    np.testing.assert_allclose(crowd.skills_, reliability, atol=0.05)
    assert spearmanr(crowd.scores_, truth)[0] > spearmanr(plain.scores_, truth)[0]
    # plain Bradley-Terry's skills rank annotators too, without modelling them
    assert plain.skills_[0] > plain.skills_[4] > plain.skills_[6]


def test_rankings_become_every_pair() -> None:
    comparisons = Comparisons.from_rankings(
        rankings=[7, 7, 7, 9, 9],
        items=[0, 1, 2, 2, 3],
        ranks=[1, 2, 2, 2, 1],
        annotators=[0, 0, 0, 1, 1],
    )
    rows = set(
        zip(
            comparisons.left.tolist(),
            comparisons.right.tolist(),
            comparisons.outcomes.tolist(),
            comparisons.annotators.tolist(),
            strict=True,
        )
    )
    assert rows == {
        (0, 1, Outcome.LEFT, 0),
        (0, 2, Outcome.LEFT, 0),
        (1, 2, Outcome.TIE, 0),
        (2, 3, Outcome.RIGHT, 1),
    }
    model = BradleyTerry().fit(comparisons)
    assert model.ranking_[0] in (0, 3)


def test_comparisons_are_validated() -> None:
    with pytest.raises(ValueError, match="itself"):
        Comparisons.from_arrays([1], [1], [0])
    with pytest.raises(ValueError, match="Outcome codes"):
        Comparisons.from_arrays([0], [1], [3])
