"""MACE: which annotators know the answer and which ones spam, for categorical answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

import numpy as np

from tessera.quality.answers import Answers, FloatArray, Gold
from tessera.quality.posteriors import (
    EMModel,
    answer_posteriors,
    answered,
    e_step,
    priors,
    symmetric_log_joint,
)


@dataclass
class MACE(EMModel):
    r"""Multi-Annotator Competence Estimation, fitted by EM.

    Annotator k knows the answer with probability $\theta_k$ and gives the true label; else it
    spams, drawing a label from its own distribution $\xi_k$. So $P(\ell \mid t) = \theta_k
    [\ell = t] + (1 - \theta_k)\,\xi_k[\ell]$. The M-step splits each answer into its expected
    "knew" and "spammed" parts (plus `smoothing` pseudo-counts). Starts from majority-vote
    shares instead of random restarts, so results are deterministic.
    The class prior is uniform, as in the paper, unless `learn_priors`.

    `skills_` are the competences $\theta$; `spam_` the distributions $\xi$ (annotators x labels).

    Reference: Hovy, Berg-Kirkpatrick, Vaswani & Hovy (2013), "Learning Whom to Trust with
    MACE", NAACL-HLT.
    """

    max_iter: int = 500
    smoothing: float = 1.0  # Laplace: annotators with few answers stay near competence 1/2
    learn_priors: bool = False
    spam_: FloatArray = field(init=False, repr=False)

    def fit(self, answers: Answers, gold: Gold | None = None) -> Self:
        if gold is not None:
            gold.check(answers)
        a, k = answers.n_annotators, answers.n_labels
        in_prior = answered(answers, gold).astype(np.float64)
        n_answers = np.bincount(answers.annotators, minlength=a)
        keys = answers.annotators * k + answers.labels
        self.skills_, self.spam_ = np.full(a, 0.5), np.full((a, k), 1.0 / k)

        def spammed() -> FloatArray:
            """Per answer: probability of spamming and hitting that very label."""
            result: FloatArray = (1 - self.skills_)[answers.annotators] * self.spam_.reshape(-1)[
                keys
            ]
            return result

        def em_round(probas: FloatArray) -> tuple[FloatArray, float]:
            self.priors_ = priors(probas, in_prior, self.smoothing, self.learn_priors)
            competence = self.skills_[answers.annotators]
            knew = answer_posteriors(answers, probas) * competence / (competence + spammed())
            knew_total = np.bincount(answers.annotators, knew, a)
            self.skills_ = (knew_total + self.smoothing) / (n_answers + 2 * self.smoothing)
            spam_counts = np.bincount(keys, 1 - knew, a * k).reshape(a, k) + self.smoothing
            self.spam_ = spam_counts / spam_counts.sum(axis=1, keepdims=True)
            spam = spammed()
            log_joint = symmetric_log_joint(
                answers,
                np.log(self.skills_[answers.annotators] + spam),
                np.log(spam),
                np.log(self.priors_),
            )
            return log_joint, e_step(log_joint, gold)

        self._run_em(answers, gold, em_round)
        self.skills_ = np.where(n_answers > 0, self.skills_, np.nan)
        return self
