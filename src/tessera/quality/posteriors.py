"""What the categorical aggregators share: fitted attributes, votes, gold clamping, stopping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from tessera.quality.answers import Answers, BoolArray, FloatArray, Gold, IntArray

NO_LABEL = -1  # labels_ of an item that has neither answers nor a gold label


@dataclass
class CategoricalModel:
    """Fitted attributes common to every categorical aggregator.

    `labels_` (n_items,) the aggregated label, NO_LABEL where an item has no answer;
    `probas_` (n_items, n_labels) posteriors, rows sum to one; `skills_` (n_annotators,)
    each annotator's estimated accuracy (NaN for an annotator without answers);
    `n_iter_` and `converged_` tell how fitting ended.
    """

    labels_: IntArray = field(init=False, repr=False)
    probas_: FloatArray = field(init=False, repr=False)
    skills_: FloatArray = field(init=False, repr=False)
    n_iter_: int = field(init=False, repr=False)
    converged_: bool = field(init=False, repr=False)

    def fit(self, answers: Answers, gold: Gold | None = None) -> Self:
        raise NotImplementedError

    def fit_predict(self, answers: Answers, gold: Gold | None = None) -> IntArray:
        """`fit`, then the aggregated labels."""
        return self.fit(answers, gold).labels_

    def _store(self, answers: Answers, probas: FloatArray, gold: Gold | None) -> None:
        self.probas_ = probas
        self.labels_ = decide(probas, answered(answers, gold))


@dataclass
class EMModel(CategoricalModel):
    """A categorical aggregator fitted by EM from majority-vote shares.

    A round is an M-step then an E-step; fitting stops when the log-likelihood per answer
    changes by at most `tol` (`converged_` is then true) or after `max_iter` rounds.
    `smoothing` is the pseudo-count added to every estimated count.
    """

    max_iter: int = 100
    tol: float = 1e-6
    smoothing: float = 0.01
    priors_: FloatArray = field(init=False, repr=False)
    log_likelihood_: float = field(init=False, repr=False)

    def _run_em(
        self,
        answers: Answers,
        gold: Gold | None,
        em_round: Callable[[FloatArray], tuple[FloatArray, float]],
    ) -> None:
        """Iterate `em_round` (posteriors -> new posteriors, log-likelihood) to convergence."""
        probas = vote_fractions(vote_counts(answers))
        clamp(probas, gold)
        previous, self.converged_, self.n_iter_ = -np.inf, False, 0
        while self.n_iter_ < self.max_iter:
            self.n_iter_ += 1
            probas, self.log_likelihood_ = em_round(probas)
            if has_converged(self.log_likelihood_, previous, len(answers), self.tol):
                self.converged_ = True
                break
            previous = self.log_likelihood_
        self._store(answers, probas, gold)


def answered(answers: Answers, gold: Gold | None) -> BoolArray:
    """Items with at least one answer or a gold label."""
    mask = np.bincount(answers.items, minlength=answers.n_items) > 0
    if gold is not None:
        mask[gold.items] = True
    return mask


def decide(probas: FloatArray, is_answered: BoolArray) -> IntArray:
    """Most probable label per item; ties go to the lowest code; NO_LABEL if unanswered."""
    labels: IntArray = np.argmax(probas, axis=1).astype(np.int64)
    labels[~is_answered] = NO_LABEL
    return labels


def vote_counts(answers: Answers, weights: FloatArray | None = None) -> FloatArray:
    """(n_items, n_labels) sum of (weighted) votes for each label."""
    k = answers.n_labels
    counts = np.bincount(
        answers.items * k + answers.labels, weights=weights, minlength=answers.n_items * k
    )
    return counts.astype(np.float64).reshape(answers.n_items, k)


def vote_fractions(votes: FloatArray) -> FloatArray:
    """Rows of `votes` scaled to sum to one; a row without votes becomes uniform."""
    totals = votes.sum(axis=1, keepdims=True)
    k = votes.shape[1]
    shares: FloatArray = np.divide(
        votes, totals, out=np.full_like(votes, 1.0 / k), where=totals > 0
    )
    return shares


def clamp(probas: FloatArray, gold: Gold | None) -> None:
    """Fix the posteriors of gold items to their known label, in place."""
    if gold is None or gold.items.size == 0:
        return
    probas[gold.items] = 0.0
    probas[gold.items, gold.labels] = 1.0


def normalize_log(log_probas: FloatArray) -> FloatArray:
    """Turn unnormalised log posteriors into posteriors in place; returns each row's log total.

    Log-space because a product of many answer likelihoods underflows.
    """
    # column by column: numpy's row-wise max and sum are slow on a narrow last axis
    peak = log_probas[:, 0].copy()
    for column in range(1, log_probas.shape[1]):
        np.maximum(peak, log_probas[:, column], out=peak)
    log_probas -= peak[:, None]
    np.exp(log_probas, out=log_probas)
    totals = log_probas @ np.ones(log_probas.shape[1])
    log_probas /= totals[:, None]
    result: FloatArray = peak + np.log(totals)
    return result


def e_step(log_probas: FloatArray, gold: Gold | None) -> float:
    """Normalise log joint probabilities into posteriors in place, clamp gold items.

    Returns the log-likelihood: marginal for free items, joint with the known label for gold.
    """
    gold_joint = log_probas[gold.items, gold.labels] if gold is not None else None
    log_totals = normalize_log(log_probas)
    if gold is None or gold_joint is None:
        return float(log_totals.sum())
    log_totals[gold.items] = gold_joint
    clamp(log_probas, gold)
    return float(log_totals.sum())


def symmetric_log_joint(
    answers: Answers, log_right: FloatArray, log_wrong: FloatArray, log_priors: FloatArray
) -> FloatArray:
    """(n_items, n_labels) log joint when answer r has log-probability `log_right[r]` if the
    true label is the one given, and `log_wrong[r]` for each other true label."""
    log_joint = vote_counts(answers, log_right - log_wrong)
    log_joint += np.bincount(answers.items, weights=log_wrong, minlength=answers.n_items)[:, None]
    log_joint += log_priors
    return log_joint


def class_priors(probas: FloatArray, in_prior: FloatArray, smoothing: float) -> FloatArray:
    """Share of each class over the items weighted by `in_prior`, plus `smoothing`."""
    counts: FloatArray = in_prior @ probas + smoothing
    shares: FloatArray = counts / counts.sum()
    return shares


def priors(probas: FloatArray, in_prior: FloatArray, smoothing: float, learn: bool) -> FloatArray:
    """`class_priors` when `learn`, else uniform."""
    if learn:
        return class_priors(probas, in_prior, smoothing)
    k = probas.shape[1]
    return np.full(k, 1.0 / k)


def answer_posteriors(answers: Answers, probas: FloatArray) -> FloatArray:
    """Posterior probability, per answer, that it is the true label of its item."""
    flat = probas.reshape(-1)
    result: FloatArray = flat[answers.items * answers.n_labels + answers.labels]
    return result


def agreement_skills(answers: Answers, probas: FloatArray) -> FloatArray:
    """Each annotator's mean posterior that its answers are right (NaN without answers).

    With vote shares as posteriors this is the expected agreement with the majority; unlike
    agreement with the majority label it does not depend on how ties are broken.
    """
    totals = np.bincount(answers.annotators, minlength=answers.n_annotators)
    hits = np.bincount(answers.annotators, answer_posteriors(answers, probas), answers.n_annotators)
    shares: FloatArray = np.divide(
        hits, totals, out=np.full(answers.n_annotators, np.nan), where=totals > 0
    )
    return shares


def has_converged(log_likelihood: float, previous: float, n_answers: int, tol: float) -> bool:
    """EM stops when the log-likelihood per answer changes by at most `tol`."""
    return abs(log_likelihood - previous) <= tol * max(n_answers, 1)


@dataclass(frozen=True, eq=False)
class Incidence:
    """Answers as sparse counts keyed by (annotator, label): `key = annotator * n_labels + label`.

    `by_item` is (n_items, n_annotators * n_labels) and `by_key` its transpose, both CSR, so an
    E-step and an M-step are each one sparse-times-dense product, linear in the answers.
    """

    by_item: Any
    by_key: Any

    @classmethod
    def of(cls, answers: Answers) -> Incidence:
        keys = answers.annotators * answers.n_labels + answers.labels
        shape = (answers.n_items, answers.n_annotators * answers.n_labels)
        ones = np.ones(len(answers), dtype=np.float64)
        by_item = sp.csr_array((ones, (answers.items, keys)), shape=shape)
        return cls(by_item, by_item.T.tocsr())
