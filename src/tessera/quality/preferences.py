"""Preference aggregation: Bradley-Terry with ties, and Crowd-BT with annotator reliability."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

import numpy as np
import numpy.typing as npt

from tessera.quality.answers import BoolArray, FloatArray, IntArray, sums_by
from tessera.quality.bradley_terry import (
    Objective,
    PairCounts,
    Pairs,
    Solution,
    Terms,
    davidson,
    maximise,
)
from tessera.quality.comparisons import Comparisons

RELIABILITY_BOUNDS = (1e-6, 1 - 1e-6)


@dataclass
class BradleyTerry:
    r"""Bradley-Terry maximum likelihood with Davidson ties, to convergence.

    Item i has log-strength $s_i$, $\pi = e^s$: $P(i \succ j) = \pi_i / (\pi_i + \pi_j +
    \nu\sqrt{\pi_i \pi_j})$ and $P(\text{tie}) \propto \nu \sqrt{\pi_i \pi_j}$; $\nu$ (`tie_`)
    is fitted when the data has ties, else 0. A Gaussian prior of precision `prior` on $s$
    makes the maximum unique and finite (also for items that never lose) and centres the
    scores. Damped Newton with the Hessian solved by conjugate gradients on the comparison
    graph (`bradley_terry.py`): memory linear in the comparisons; converged when a full step
    moves no score by more than `tol`. `skills_`: each annotator's mean model probability of
    the winner it named (ties left out).

    References: Bradley & Terry (1952), Biometrika 39; Davidson (1970), JASA 65(329).
    """

    prior: float = 0.01
    tol: float = 1e-6
    max_iter: int = 100
    scores_: FloatArray = field(init=False, repr=False)
    tie_: float = field(init=False, repr=False)
    ranking_: IntArray = field(init=False, repr=False)
    skills_: FloatArray = field(init=False, repr=False)
    n_iter_: int = field(init=False, repr=False)
    converged_: bool = field(init=False, repr=False)

    def fit(self, comparisons: Comparisons) -> Self:
        pairs = Pairs.of(comparisons)
        named_low, named_high, is_tie = pairs.low_outcomes(comparisons)
        counts = PairCounts(
            pairs,
            pairs.total(named_low.astype(np.float64)),
            pairs.total(named_high.astype(np.float64)),
            pairs.total(is_tie.astype(np.float64)),
        )
        ties = float(is_tie.sum())
        log_tie = np.log(2 * ties / max(len(comparisons) - ties, 1.0)) if ties else -np.inf
        start = Solution(np.zeros(comparisons.n_items), float(log_tie), 0, False)
        solution = self._solve(counts, start)
        self._store(solution)
        self.n_iter_, self.converged_ = solution.n_iter, solution.converged
        named, other = self._named(pairs, named_low, named_high)
        with np.errstate(invalid="ignore"):  # 0/0 on ties, which the mean leaves out
            self.skills_ = _mean_by_annotator(comparisons, is_tie, named / (named + other))
        return self

    def predict_proba(self, left: npt.ArrayLike, right: npt.ArrayLike) -> FloatArray:
        """(n, 3) probabilities of Outcome.LEFT, RIGHT and TIE for each pair of items."""
        delta = self.scores_[np.asarray(left)] - self.scores_[np.asarray(right)]
        return np.column_stack(davidson(delta, self._log_tie))

    @property
    def _log_tie(self) -> float:
        return float(np.log(self.tie_)) if self.tie_ > 0 else -np.inf

    def _solve(self, objective: Objective, start: Solution) -> Solution:
        return maximise(objective, start, prior=self.prior, tol=self.tol, max_iter=self.max_iter)

    def _store(self, solution: Solution) -> None:
        self.scores_ = solution.scores
        self.tie_ = float(np.exp(solution.log_tie))
        self.ranking_ = np.argsort(-solution.scores, kind="stable").astype(np.int64)

    def _named(
        self, pairs: Pairs, named_low: BoolArray, named_high: BoolArray
    ) -> tuple[FloatArray, FloatArray]:
        """Per comparison: model probability of the item it named and of the other (0 on ties)."""
        p_low, p_high, _ = davidson(
            self.scores_[pairs.low] - self.scores_[pairs.high], self._log_tie
        )
        p_low, p_high = p_low[pairs.index], p_high[pairs.index]
        named = np.where(named_low, p_low, np.where(named_high, p_high, 0.0))
        other = np.where(named_low, p_high, np.where(named_high, p_low, 0.0))
        return named, other


def _mean_by_annotator(
    comparisons: Comparisons, is_tie: BoolArray, values: FloatArray
) -> FloatArray:
    """Mean of `values` over each annotator's decided comparisons; NaN if it has none."""
    a = comparisons.n_annotators
    total = sums_by(comparisons.annotators, np.where(is_tie, 0.0, values), a)
    count = sums_by(comparisons.annotators, ~is_tie, a)
    result: FloatArray = np.divide(total, count, out=np.full(a, np.nan), where=count > 0)
    return result


@dataclass(frozen=True, eq=False)
class ReportedOutcomes:
    r"""Log-likelihood of what annotators said when comparison r's annotator reports the true
    winner with probability `reliability[r]` and the other item otherwise (ties are kept).

    $q_{\text{low}} = \eta p_{\text{low}} + (1 - \eta) p_{\text{high}}$; the solver gets the
    exact gradient and the Fisher information, which stays positive semi-definite."""

    pairs: Pairs
    named_low: BoolArray
    named_high: BoolArray
    is_tie: BoolArray
    reliability: FloatArray

    @property
    def has_ties(self) -> bool:
        return bool(self.is_tie.any())

    def _reported(self, scores: FloatArray, log_tie: float) -> tuple[FloatArray, ...]:
        p_low, p_high, p_tie = davidson(scores[self.pairs.low] - scores[self.pairs.high], log_tie)
        p_low, p_high, p_tie = (
            p_low[self.pairs.index],
            p_high[self.pairs.index],
            p_tie[self.pairs.index],
        )
        eta = self.reliability
        return (
            p_low,
            p_high,
            p_tie,
            eta * p_low + (1 - eta) * p_high,
            eta * p_high + (1 - eta) * p_low,
        )

    def value(self, scores: FloatArray, log_tie: float) -> float:
        _, _, p_tie, q_low, q_high = self._reported(scores, log_tie)
        said = np.where(self.named_low, q_low, np.where(self.named_high, q_high, p_tie))
        return float(np.log(said).sum())

    def terms(self, scores: FloatArray, log_tie: float) -> Terms:
        p_low, p_high, p_tie, q_low, q_high = self._reported(scores, log_tie)
        eta, lean = self.reliability, (p_low - p_high) / 2
        d_low, d_high = p_low * (0.5 - lean), p_high * (-0.5 - lean)
        dq_low = eta * d_low + (1 - eta) * d_high
        dq_high = eta * d_high + (1 - eta) * d_low
        gradient = np.where(
            self.named_low, dq_low / q_low, np.where(self.named_high, dq_high / q_high, -lean)
        )
        fisher = dq_low**2 / q_low + dq_high**2 / q_high + p_tie * lean**2
        tie_gradient = np.where(self.is_tie, 1 - p_tie, -p_tie)
        return Terms(
            self.pairs.total(gradient),
            self.pairs.total(fisher),
            self.pairs.total(-p_tie * lean),
            float(tie_gradient.sum()),
            float((p_tie * (1 - p_tie)).sum()),
        )


@dataclass
class CrowdBradleyTerry(BradleyTerry):
    r"""Bradley-Terry (with Davidson ties) where each annotator has a reliability $\eta_k$.

    Annotator k names the true winner with probability $\eta_k$ and the other item otherwise:
    $P(k \text{ says } i \succ j) = \eta_k P(i \succ j) + (1 - \eta_k) P(j \succ i)$; ties
    are taken as said. Block coordinate ascent from the plain Bradley-Terry fit: all $\eta$
    by Newton given the scores (`reliability_prior`: pseudo-counts of truthful and reversed
    answers), then `score_steps` Fisher-scoring steps of the scores and $\nu$ given $\eta$,
    then a step-doubling extrapolation along the round's change (the blocks are coupled: a
    larger spread of scores trades against reliabilities nearer 1/2). Spammers
    ($\eta \approx 1/2$) stop counting, adversaries ($\eta < 1/2$) count reversed. Stops when
    the penalised log-likelihood per comparison changes by at most `em_tol`. `skills_` are
    the $\eta_k$.

    Reference: Chen, Bennett, Collins-Thompson & Horvitz (2013), "Pairwise Ranking
    Aggregation in a Crowdsourced Setting", WSDM.
    """

    em_tol: float = 1e-9
    max_em_iter: int = 200
    score_steps: int = 2
    reliability_prior: tuple[float, float] = (1.0, 1.0)

    def fit(self, comparisons: Comparisons) -> Self:
        pairs = Pairs.of(comparisons)
        named_low, named_high, is_tie = pairs.low_outcomes(comparisons)
        super().fit(comparisons)
        state = _State(Solution(self.scores_, self._log_tie, 0, True), self.skills_ * 0 + 0.9)

        def objective(reliability: FloatArray) -> ReportedOutcomes:
            per_comparison = reliability[comparisons.annotators]
            return ReportedOutcomes(pairs, named_low, named_high, is_tie, per_comparison)

        def penalised(candidate: _State) -> float:
            return self._penalised(objective(candidate.reliability), candidate)

        previous, self.converged_, self.n_iter_ = -np.inf, False, 0
        while self.n_iter_ < self.max_em_iter:
            self.n_iter_ += 1
            named, other = self._named(pairs, named_low, named_high)
            reliability = self._reliability(comparisons, is_tie, named, other, state.reliability)
            solution = maximise(
                objective(reliability),
                state.solution,
                prior=self.prior,
                tol=self.tol,
                max_iter=self.score_steps,
            )
            state, value = _extrapolate(state, _State(solution, reliability), penalised)
            self._store(state.solution)
            if abs(value - previous) <= self.em_tol * max(len(comparisons), 1):
                self.converged_ = True
                break
            previous = value
        self.skills_ = np.where(np.isnan(self.skills_), np.nan, state.reliability)
        return self

    def _penalised(self, objective: ReportedOutcomes, state: _State) -> float:
        a, b = self.reliability_prior
        scores, reliability = state.solution.scores, state.reliability
        value = objective.value(scores, state.solution.log_tie)
        value -= self.prior / 2 * float(scores @ scores)
        return value + float(a * np.log(reliability).sum() + b * np.log1p(-reliability).sum())

    def _reliability(
        self,
        comparisons: Comparisons,
        is_tie: BoolArray,
        named: FloatArray,
        other: FloatArray,
        start: FloatArray,
    ) -> FloatArray:
        """Each annotator's most likely reliability given the scores: 1-D Newton, concave."""
        a, b = self.reliability_prior
        who, n = comparisons.annotators, comparisons.n_annotators
        lift = np.where(is_tie, 0.0, named - other)
        base = np.where(is_tie, 1.0, other)
        reliability = start.copy()
        for _ in range(50):
            slope = lift / (base + reliability[who] * lift)
            gradient = sums_by(who, slope, n) + a / reliability - b / (1 - reliability)
            curvature = sums_by(who, slope**2, n) + a / reliability**2 + b / (1 - reliability) ** 2
            updated = np.clip(reliability + gradient / curvature, *RELIABILITY_BOUNDS)
            if float(np.abs(updated - reliability).max(initial=0.0)) < 1e-10:
                return updated
            reliability = updated
        return reliability


@dataclass(frozen=True)
class _State:
    solution: Solution
    reliability: FloatArray

    def towards(self, other: _State, scale: float) -> _State:
        """The point `scale` times the way from here to `other`."""
        scores = self.solution.scores + scale * (other.solution.scores - self.solution.scores)
        log_tie = other.solution.log_tie  # -inf without ties: nothing to extrapolate
        if np.isfinite(log_tie) and np.isfinite(self.solution.log_tie):
            log_tie = self.solution.log_tie + scale * (log_tie - self.solution.log_tie)
        reliability = self.reliability + scale * (other.reliability - self.reliability)
        reliability = np.clip(reliability, *RELIABILITY_BOUNDS)
        return _State(Solution(scores, log_tie, 0, True), reliability)


def _extrapolate(
    old: _State, new: _State, value: Callable[[_State], float]
) -> tuple[_State, float]:
    """Double the step from `old` to `new` while the objective keeps rising."""
    best, best_value = new, value(new)
    scale = 2.0
    while scale <= 64:
        candidate = old.towards(new, scale)
        candidate_value = value(candidate)
        if not candidate_value > best_value:
            break
        best, best_value, scale = candidate, candidate_value, scale * 2
    return best, best_value
