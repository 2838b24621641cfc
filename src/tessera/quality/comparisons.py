"""Pairwise preferences in long format, from A/B/tie answers or from rankings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from tessera.quality.answers import IntArray, as_codes, code_count


class Outcome(IntEnum):
    """What one comparison said: the left item won, the right one won, or a tie."""

    LEFT = 0
    RIGHT = 1
    TIE = 2


@dataclass(frozen=True, eq=False)
class Comparisons:
    """One row per comparison: `annotators[r]` judged `left[r]` against `right[r]`."""

    left: IntArray
    right: IntArray
    outcomes: IntArray
    annotators: IntArray
    n_items: int
    n_annotators: int

    @classmethod
    def from_arrays(
        cls,
        left: npt.ArrayLike,
        right: npt.ArrayLike,
        outcomes: npt.ArrayLike,
        annotators: npt.ArrayLike | None = None,
        *,
        n_items: int | None = None,
        n_annotators: int | None = None,
    ) -> Comparisons:
        """Validate equal-length codes; `annotators` default to one annotator (code 0)."""
        left_codes, right_codes = as_codes(left, "left"), as_codes(right, "right")
        outcome_codes = as_codes(outcomes, "outcomes")
        if annotators is None:
            annotator_codes = np.zeros(len(left_codes), dtype=np.int64)
        else:
            annotator_codes = as_codes(annotators, "annotators")
        if not len(left_codes) == len(right_codes) == len(outcome_codes) == len(annotator_codes):
            raise ValueError("left, right, outcomes and annotators must have the same length")
        if outcome_codes.size and int(outcome_codes.max()) > Outcome.TIE:
            raise ValueError("outcomes must be Outcome codes: 0 left, 1 right, 2 tie")
        if np.any(left_codes == right_codes):
            raise ValueError("an item is compared with itself")
        both = np.concatenate([left_codes, right_codes])
        return cls(
            left_codes,
            right_codes,
            outcome_codes,
            annotator_codes,
            code_count(both, n_items, "items"),
            code_count(annotator_codes, n_annotators, "annotators"),
        )

    @classmethod
    def from_rankings(
        cls,
        rankings: npt.ArrayLike,
        items: npt.ArrayLike,
        ranks: npt.ArrayLike,
        annotators: npt.ArrayLike | None = None,
        *,
        n_items: int | None = None,
        n_annotators: int | None = None,
    ) -> Comparisons:
        """Every pair within each ranking: the lower rank wins, equal ranks tie.

        Rows are (ranking id, item, rank[, annotator]); a ranking of k items gives k(k-1)/2
        comparisons, linear in the rows for the short rankings people make.
        """
        ranking_codes, item_codes = as_codes(rankings, "rankings"), as_codes(items, "items")
        rank_values = np.asarray(ranks)
        order = np.argsort(ranking_codes, kind="stable")
        ranking_codes, item_codes = ranking_codes[order], item_codes[order]
        rank_values = rank_values[order]
        size = np.bincount(ranking_codes)[ranking_codes]
        start = np.searchsorted(ranking_codes, ranking_codes, side="left")
        later = start + size - 1 - np.arange(len(ranking_codes))  # rows after this one
        first = np.repeat(np.arange(len(ranking_codes)), later)
        offsets = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
        second = first + 1 + offsets
        a, b = rank_values[first], rank_values[second]
        outcomes = np.where(a < b, Outcome.LEFT, np.where(a > b, Outcome.RIGHT, Outcome.TIE))
        who = None
        if annotators is not None:
            who = as_codes(annotators, "annotators")[order][first]
        return cls.from_arrays(
            item_codes[first],
            item_codes[second],
            outcomes,
            who,
            n_items=n_items,
            n_annotators=n_annotators,
        )

    def __len__(self) -> int:
        return len(self.left)

    def take(self, rows: npt.ArrayLike) -> Comparisons:
        """The comparisons at `rows` (indices or a boolean mask), with the same code ranges."""
        index = np.asarray(rows)
        return Comparisons(
            self.left[index],
            self.right[index],
            self.outcomes[index],
            self.annotators[index],
            self.n_items,
            self.n_annotators,
        )
