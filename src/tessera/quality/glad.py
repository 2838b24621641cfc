"""GLAD: annotator ability and item difficulty, jointly, for categorical answers."""

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

MAX_STEP = 2.0  # cap on one Fisher-scoring step of an item's log-easiness, against overshoot


@dataclass
class GLAD(EMModel):
    r"""Generative model of Labels, Abilities and Difficulties, fitted by EM.

    Answer r is right with probability $\sigma(\alpha_{k_r} \beta_{i_r})$ (ability times
    easiness, $\beta = e^b$); wrong answers spread evenly over the other labels. Gaussian priors
    $\alpha \sim N(1, 1)$, $b \sim N(0, 1)$ keep the estimates finite. The M-step is one
    Fisher-scoring step for all abilities, then one for all easinesses (an ECM step), so each
    round is linear in the answers. Stops on the penalised log-likelihood. The class
    prior is uniform, as in the paper, unless `learn_priors`.

    `skills_` are the abilities $\alpha$ (negative: adversarial); `difficulties_` are $1/\beta$.

    Reference: Whitehill, Ruvolo, Wu, Bergsma & Movellan (2009), "Whose Vote Should Count
    More", NeurIPS 22.
    """

    max_iter: int = 500
    learn_priors: bool = False
    difficulties_: FloatArray = field(init=False, repr=False)

    def fit(self, answers: Answers, gold: Gold | None = None) -> Self:
        if gold is not None:
            gold.check(answers)
        in_prior = answered(answers, gold).astype(np.float64)
        log_other = np.log(max(answers.n_labels - 1, 1))
        self.skills_ = np.ones(answers.n_annotators)
        log_easiness = np.zeros(answers.n_items)

        def em_round(probas: FloatArray) -> tuple[FloatArray, float]:
            nonlocal log_easiness
            self.priors_ = priors(probas, in_prior, self.smoothing, self.learn_priors)
            right = answer_posteriors(answers, probas)
            ability = self.skills_ = _ability_step(answers, right, self.skills_, log_easiness)
            log_easiness = _easiness_step(answers, right, ability, log_easiness)
            margin = ability[answers.annotators] * np.exp(log_easiness)[answers.items]
            log_joint = symmetric_log_joint(
                answers,
                -np.logaddexp(0.0, -margin),
                -np.logaddexp(0.0, margin) - log_other,
                np.log(self.priors_),
            )
            likelihood = e_step(log_joint, gold)
            penalty = 0.5 * (((ability - 1) ** 2).sum() + (log_easiness**2).sum())
            return log_joint, likelihood - penalty

        self._run_em(answers, gold, em_round)
        self.difficulties_ = np.exp(-log_easiness)
        has_answers = np.bincount(answers.annotators, minlength=answers.n_annotators) > 0
        self.skills_ = np.where(has_answers, self.skills_, np.nan)
        return self


def _ability_step(
    answers: Answers, right: FloatArray, ability: FloatArray, log_easiness: FloatArray
) -> FloatArray:
    """One Fisher-scoring step of every ability given the easinesses (prior N(1, 1))."""
    easiness = np.exp(log_easiness)[answers.items]
    chance = 1.0 / (1.0 + np.exp(-ability[answers.annotators] * easiness))
    n = answers.n_annotators
    gradient = np.bincount(answers.annotators, (right - chance) * easiness, n) - (ability - 1)
    curvature = np.bincount(answers.annotators, chance * (1 - chance) * easiness**2, n) + 1
    result: FloatArray = ability + gradient / curvature
    return result


def _easiness_step(
    answers: Answers, right: FloatArray, ability: FloatArray, log_easiness: FloatArray
) -> FloatArray:
    """One Fisher-scoring step of every log-easiness given the abilities (prior N(0, 1))."""
    margin = ability[answers.annotators] * np.exp(log_easiness)[answers.items]
    chance = 1.0 / (1.0 + np.exp(-margin))
    n = answers.n_items
    gradient = np.bincount(answers.items, (right - chance) * margin, n) - log_easiness
    curvature = np.bincount(answers.items, chance * (1 - chance) * margin**2, n) + 1
    step = np.clip(gradient / curvature, -MAX_STEP, MAX_STEP)
    result: FloatArray = log_easiness + step
    return result
