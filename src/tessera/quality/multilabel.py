"""Multi-label answers (choose any of L labels), aggregated by binary relevance."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Self

import numpy as np
import numpy.typing as npt

from tessera.quality.answers import (
    Answers,
    BoolArray,
    FloatArray,
    Gold,
    IntArray,
    as_codes,
    code_count,
)
from tessera.quality.categorical import DawidSkene
from tessera.quality.posteriors import CategoricalModel


@dataclass(frozen=True, eq=False)
class MultiLabelAnswers:
    """One row per submitted answer; `selected[r, c]` says whether it chose label c."""

    items: IntArray
    annotators: IntArray
    selected: BoolArray
    n_items: int
    n_annotators: int

    @classmethod
    def from_arrays(
        cls,
        items: npt.ArrayLike,
        annotators: npt.ArrayLike,
        selected: npt.ArrayLike,
        *,
        n_items: int | None = None,
        n_annotators: int | None = None,
    ) -> MultiLabelAnswers:
        item_codes, annotator_codes = as_codes(items, "items"), as_codes(annotators, "annotators")
        chosen = np.asarray(selected, dtype=bool)
        if chosen.ndim != 2 or not len(chosen) == len(item_codes) == len(annotator_codes):
            raise ValueError("selected must be (answers, labels) with one row per answer")
        return cls(
            item_codes,
            annotator_codes,
            chosen,
            code_count(item_codes, n_items, "items"),
            code_count(annotator_codes, n_annotators, "annotators"),
        )

    def column(self, label: int) -> Answers:
        """Binary answers (1 chose `label`, 0 did not) for one label."""
        return Answers(
            self.items,
            self.annotators,
            self.selected[:, label].astype(np.int64),
            self.n_items,
            self.n_annotators,
            2,
        )


@dataclass
class BinaryRelevance:
    """One binary aggregator per label, each a copy of `base` (default Dawid-Skene).

    `probas_` (items, labels) is each label's posterior of being chosen; `labels_` the
    aggregated choice (False for items without answers); `skills_` (annotators, labels).
    Gold is given as (items, selected-matrix) pairs.
    """

    base: CategoricalModel = field(default_factory=DawidSkene)
    labels_: BoolArray = field(init=False, repr=False)
    probas_: FloatArray = field(init=False, repr=False)
    skills_: FloatArray = field(init=False, repr=False)
    estimators_: list[CategoricalModel] = field(init=False, repr=False)

    def fit(
        self,
        answers: MultiLabelAnswers,
        gold: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    ) -> Self:
        n_labels = answers.selected.shape[1]
        self.estimators_ = []
        for label in range(n_labels):
            column_gold = None
            if gold is not None:
                gold_selected = np.asarray(gold[1], dtype=bool)
                column_gold = Gold.from_arrays(gold[0], gold_selected[:, label].astype(np.int64))
            estimator = copy.deepcopy(self.base)
            self.estimators_.append(estimator.fit(answers.column(label), column_gold))
        self.probas_ = np.column_stack([e.probas_[:, 1] for e in self.estimators_])
        self.labels_ = np.column_stack([e.labels_ == 1 for e in self.estimators_])
        self.skills_ = np.column_stack([e.skills_ for e in self.estimators_])
        return self
