"""The Bradley-Terry-Davidson likelihood and its Newton solver on the sparse comparison graph.

Scores enter the likelihood only through pair differences, so the Hessian in the scores is a
weighted graph Laplacian: one CSR matrix with a fixed pattern, refilled each step and solved by
Jacobi-preconditioned conjugate gradients. Memory and work per step are linear in the pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from tessera.quality.answers import BoolArray, FloatArray, IntArray, sums_by
from tessera.quality.comparisons import Comparisons, Outcome

MAX_HALVINGS = 30  # backtracking line search: at most this many step halvings
CG_RTOL = 1e-10  # Newton systems are solved this tightly: the step size decides convergence


def davidson(delta: FloatArray, log_tie: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""P(first wins), P(second wins), P(tie) when the first's log-strength is ahead by `delta`.

    Davidson (1970): $P(i) \propto \pi_i$, $P(j) \propto \pi_j$, $P(\text{tie}) \propto \nu
    \sqrt{\pi_i \pi_j}$; with $\nu = 0$ (`log_tie` = -inf) this is Bradley-Terry.
    """
    half = delta / 2
    log_total = np.logaddexp(np.logaddexp(half, -half), log_tie)
    return np.exp(half - log_total), np.exp(-half - log_total), np.exp(log_tie - log_total)


@dataclass(frozen=True, eq=False)
class Pairs:
    """Distinct unordered pairs `low < high`, each comparison's pair and orientation, and the
    sparsity pattern of the Laplacian, built once per fit."""

    low: IntArray
    high: IntArray
    index: IntArray
    left_is_low: BoolArray
    n_items: int
    order: IntArray
    indices: IntArray
    indptr: IntArray

    @classmethod
    def of(cls, comparisons: Comparisons) -> Pairs:
        n = comparisons.n_items
        low = np.minimum(comparisons.left, comparisons.right)
        high = np.maximum(comparisons.left, comparisons.right)
        keys, index = np.unique(low * n + high, return_inverse=True)
        low, high = keys // n, keys % n
        diagonal = np.arange(n)
        rows = np.concatenate([low, high, diagonal])
        cols = np.concatenate([high, low, diagonal])
        order = np.lexsort((cols, rows))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        left_is_low = comparisons.left < comparisons.right
        return cls(low, high, index.reshape(-1), left_is_low, n, order, cols[order], indptr)

    def total(self, per_comparison: FloatArray) -> FloatArray:
        """Per-pair sum of a per-comparison quantity."""
        return sums_by(self.index, per_comparison, len(self.low))

    def spread(self, per_pair: FloatArray) -> FloatArray:
        """Per-item sum of `per_pair`, + for the low item and - for the high one."""
        return sums_by(self.low, per_pair, self.n_items) - sums_by(
            self.high, per_pair, self.n_items
        )

    def laplacian(self, weights: FloatArray, diagonal_extra: float) -> Any:
        """CSR weighted Laplacian of the pair graph plus `diagonal_extra` * identity."""
        degree = sums_by(self.low, weights, self.n_items)
        degree += sums_by(self.high, weights, self.n_items) + diagonal_extra
        data = np.concatenate([-weights, -weights, degree])[self.order]
        shape = (self.n_items, self.n_items)
        return sp.csr_array((data, self.indices, self.indptr), shape=shape)

    def low_outcomes(self, comparisons: Comparisons) -> tuple[BoolArray, BoolArray, BoolArray]:
        """Per comparison: did it name the low item, the high item, or a tie."""
        is_tie = comparisons.outcomes == Outcome.TIE
        is_left = comparisons.outcomes == Outcome.LEFT
        named_low = ~is_tie & (is_left == self.left_is_low)
        return named_low, ~is_tie & ~named_low, is_tie


@dataclass(frozen=True)
class Terms:
    """Gradient and Fisher information of an objective, by pair difference and log nu."""

    gradient: FloatArray
    curvature: FloatArray
    cross: FloatArray
    tie_gradient: float
    tie_curvature: float


class Objective(Protocol):
    """A concave-enough log-likelihood of (scores, log_tie), as the solver needs it."""

    @property
    def pairs(self) -> Pairs: ...

    @property
    def has_ties(self) -> bool: ...

    def value(self, scores: FloatArray, log_tie: float) -> float: ...

    def terms(self, scores: FloatArray, log_tie: float) -> Terms: ...


@dataclass(frozen=True, eq=False)
class PairCounts:
    """Bradley-Terry-Davidson log-likelihood from (weighted) win, loss and tie counts per pair.

    Its Hessian equals its Fisher information (an exponential family in the differences)."""

    pairs: Pairs
    low_wins: FloatArray
    high_wins: FloatArray
    ties: FloatArray

    @property
    def has_ties(self) -> bool:
        return bool(self.ties.sum() > 0)

    def value(self, scores: FloatArray, log_tie: float) -> float:
        half = (scores[self.pairs.low] - scores[self.pairs.high]) / 2
        log_total = np.logaddexp(np.logaddexp(half, -half), log_tie)
        total = self.low_wins + self.high_wins + self.ties
        value = float((self.low_wins - self.high_wins) @ half - total @ log_total)
        return value + float(self.ties.sum()) * log_tie if self.has_ties else value

    def terms(self, scores: FloatArray, log_tie: float) -> Terms:
        p_low, p_high, p_tie = davidson(scores[self.pairs.low] - scores[self.pairs.high], log_tie)
        n = self.low_wins + self.high_wins + self.ties
        lean = (p_low - p_high) / 2
        return Terms(
            (self.low_wins - self.high_wins) / 2 - n * lean,
            n * ((p_low + p_high) / 4 - lean**2),
            -n * p_tie * lean,
            float(self.ties.sum() - n @ p_tie),
            float(n @ (p_tie * (1 - p_tie))),
        )


@dataclass
class Solution:
    scores: FloatArray
    log_tie: float
    n_iter: int
    converged: bool


def _direction(objective: Objective, terms: Terms, prior: float, scores: FloatArray) -> Any:
    """Solve (Fisher + prior) step = gradient by CG; the last entry is log nu's, if fitted."""
    pairs = objective.pairs
    gradient = pairs.spread(terms.gradient) - prior * scores
    laplacian = pairs.laplacian(terms.curvature, prior)
    diagonal = laplacian.diagonal()
    size = pairs.n_items
    if not objective.has_ties:
        jacobi = spla.LinearOperator((size, size), matvec=lambda v: v / diagonal)
        step, _ = spla.cg(laplacian, gradient, rtol=CG_RTOL, M=jacobi)
        return np.append(step, 0.0)
    cross = pairs.spread(terms.cross)
    tie_curvature = terms.tie_curvature + 1e-12

    def matvec(v: FloatArray) -> FloatArray:
        top = laplacian @ v[:size] + cross * v[size]
        return np.append(top, cross @ v[:size] + tie_curvature * v[size])

    full_diagonal = np.append(diagonal, tie_curvature)
    shape = (size + 1, size + 1)
    system = spla.LinearOperator(shape, matvec=matvec)
    jacobi = spla.LinearOperator(shape, matvec=lambda v: v / full_diagonal)
    step, _ = spla.cg(system, np.append(gradient, terms.tie_gradient), rtol=CG_RTOL, M=jacobi)
    return step


def maximise(
    objective: Objective, start: Solution, *, prior: float, tol: float, max_iter: int
) -> Solution:
    """Damped Fisher scoring (Newton, for pair counts) on objective - prior/2 |scores|^2.

    Converged when a full step moves no log-strength, nor log nu, by more than `tol`.
    """
    scores, log_tie = start.scores.copy(), start.log_tie

    def penalised(s: FloatArray, t: float) -> float:
        return objective.value(s, t) - prior / 2 * float(s @ s)

    value = penalised(scores, log_tie)
    for n_iter in range(1, max_iter + 1):
        step = _direction(objective, objective.terms(scores, log_tie), prior, scores)
        scale = 1.0
        for _ in range(MAX_HALVINGS):
            trial = penalised(scores + scale * step[:-1], log_tie + scale * step[-1])
            if trial >= value - 1e-12 * abs(value):
                break
            scale /= 2
        scores, log_tie, value = scores + scale * step[:-1], log_tie + scale * step[-1], trial
        if scale == 1.0 and float(np.abs(step).max()) <= tol:
            return Solution(scores, log_tie, n_iter, True)
    return Solution(scores, log_tie, max_iter, False)
