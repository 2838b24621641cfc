"""Categorical aggregation: majority vote, Wawa, Dawid-Skene and its one-coin variant.

GLAD and MACE live in `glad.py` and `mace.py`; all share `CategoricalModel.fit(answers, gold)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

import numpy as np

from tessera.quality.answers import Answers, FloatArray, Gold
from tessera.quality.posteriors import (
    CategoricalModel,
    EMModel,
    Incidence,
    agreement_skills,
    answer_posteriors,
    answered,
    clamp,
    class_priors,
    e_step,
    symmetric_log_joint,
    vote_counts,
    vote_fractions,
)


@dataclass
class MajorityVote(CategoricalModel):
    """The most frequent answer per item; ties go to the lowest label code.

    `probas_` are vote shares; `skills_` each annotator's mean vote share of its answers
    (expected agreement with the majority, so independent of how ties are broken).
    """

    def fit(self, answers: Answers, gold: Gold | None = None) -> Self:
        if gold is not None:
            gold.check(answers)
        probas = vote_fractions(vote_counts(answers))
        clamp(probas, gold)
        self._store(answers, probas, gold)
        self.skills_ = agreement_skills(answers, probas)
        self.n_iter_, self.converged_ = 1, True
        return self


@dataclass
class Wawa(CategoricalModel):
    """Worker Agreement With Aggregate: votes weighted by each annotator's agreement with the
    majority (`MajorityVote.skills_`); `skills_` are the same agreement with the result.

    Reference: Appen's "Wawa" heuristic, as described in crowd-kit's documentation.
    """

    def fit(self, answers: Answers, gold: Gold | None = None) -> Self:
        first = MajorityVote().fit(answers, gold)
        weights = np.nan_to_num(first.skills_)
        probas = vote_fractions(vote_counts(answers, weights[answers.annotators]))
        clamp(probas, gold)
        self._store(answers, probas, gold)
        self.skills_ = agreement_skills(answers, probas)
        self.n_iter_, self.converged_ = 2, True
        return self


@dataclass
class DawidSkene(EMModel):
    r"""Dawid-Skene EM: one full confusion matrix per annotator and a class prior.

    $P(\ell \mid t, k) = \pi_k[t, \ell]$; E-step $T_{it} \propto p_t \prod_r \pi_{k_r}[t, \ell_r]$,
    M-step counts $\sum_r T_{i_r t}$ per (annotator, true, answered), plus `smoothing`. Each
    step is one sparse-times-dense product (`Incidence`). `confusions_` is (annotators, true,
    answered); `skills_` the prior-weighted accuracy.

    Reference: Dawid & Skene (1979), Applied Statistics 28(1), 20-28.
    """

    smoothing: float = 0.1  # a 5 x 5 confusion matrix from a few dozen answers needs it
    confusions_: FloatArray = field(init=False, repr=False)

    def fit(self, answers: Answers, gold: Gold | None = None) -> Self:
        if gold is not None:
            gold.check(answers)
        a, k = answers.n_annotators, answers.n_labels
        incidence = Incidence.of(answers)
        in_prior = answered(answers, gold).astype(np.float64)

        def em_round(probas: FloatArray) -> tuple[FloatArray, float]:
            self.priors_ = class_priors(probas, in_prior, self.smoothing)
            # counts[annotator, answered, true]: normalised over `answered`
            counts = (incidence.by_key @ probas).reshape(a, k, k) + self.smoothing
            confusions = counts / counts.sum(axis=1, keepdims=True)
            self.confusions_ = confusions
            log_joint = incidence.by_item @ np.log(confusions).reshape(a * k, k)
            log_joint += np.log(self.priors_)
            return log_joint, e_step(log_joint, gold)

        self._run_em(answers, gold, em_round)
        self.confusions_ = self.confusions_.transpose(0, 2, 1).copy()
        has_answers = np.bincount(answers.annotators, minlength=a) > 0
        accuracy = np.diagonal(self.confusions_, axis1=1, axis2=2) @ self.priors_
        self.skills_ = np.where(has_answers, accuracy, np.nan)
        return self


@dataclass
class OneCoinDawidSkene(EMModel):
    r"""Dawid-Skene with one accuracy per annotator; errors spread evenly over other labels.

    $P(\ell \mid t, k) = s_k$ if $\ell = t$ else $(1 - s_k)/(K - 1)$; `skills_` are the $s_k$.
    """

    def fit(self, answers: Answers, gold: Gold | None = None) -> Self:
        if gold is not None:
            gold.check(answers)
        n_answers = np.bincount(answers.annotators, minlength=answers.n_annotators)
        in_prior = answered(answers, gold).astype(np.float64)
        wrong_share = 1.0 / max(answers.n_labels - 1, 1)

        def em_round(probas: FloatArray) -> tuple[FloatArray, float]:
            self.priors_ = class_priors(probas, in_prior, self.smoothing)
            right = answer_posteriors(answers, probas)
            hits = np.bincount(answers.annotators, right, answers.n_annotators)
            self.skills_ = (hits + self.smoothing) / (n_answers + 2 * self.smoothing)
            log_right = np.log(self.skills_)[answers.annotators]
            log_wrong = np.log((1 - self.skills_) * wrong_share)[answers.annotators]
            log_joint = symmetric_log_joint(answers, log_right, log_wrong, np.log(self.priors_))
            return log_joint, e_step(log_joint, gold)

        self._run_em(answers, gold, em_round)
        self.skills_ = np.where(n_answers > 0, self.skills_, np.nan)
        return self
