"""Long-format inputs: integer-coded answers and gold labels, validated once at the boundary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def as_codes(values: npt.ArrayLike, name: str) -> IntArray:
    """`values` as a one-dimensional int64 array of non-negative codes, or a clear error."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not (np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_):
        raise TypeError(f"{name} must hold integer codes (see tessera.quality.encoding)")
    codes = array.astype(np.int64, copy=False)
    if codes.min() < 0:
        raise ValueError(f"{name} must hold non-negative codes")
    return codes


def sums_by(codes: IntArray, weights: npt.ArrayLike, size: int) -> FloatArray:
    """Sum of `weights` per code, as floats, for codes 0..size-1 (np.bincount, typed)."""
    result: FloatArray = np.bincount(codes, weights, size).astype(np.float64, copy=False)
    return result


def code_count(codes: IntArray, given: int | None, name: str) -> int:
    """How many codes there are: `given`, checked against the data, or max + 1."""
    seen = int(codes.max()) + 1 if codes.size else 0
    if given is None:
        return seen
    if given < seen:
        raise ValueError(f"{name} has code {seen - 1} but only {given} were declared")
    return given


@dataclass(frozen=True, eq=False)
class Answers:
    """One row per answer: `labels[r]` is what `annotators[r]` answered on `items[r]`.

    Codes run from 0 to `n_items - 1` (and so on); never a dense annotators-by-items matrix.
    """

    items: IntArray
    annotators: IntArray
    labels: IntArray
    n_items: int
    n_annotators: int
    n_labels: int

    @classmethod
    def from_arrays(
        cls,
        items: npt.ArrayLike,
        annotators: npt.ArrayLike,
        labels: npt.ArrayLike,
        *,
        n_items: int | None = None,
        n_annotators: int | None = None,
        n_labels: int | None = None,
    ) -> Answers:
        """Validate three equal-length code arrays; sizes default to the largest code + 1."""
        item_codes = as_codes(items, "items")
        annotator_codes = as_codes(annotators, "annotators")
        label_codes = as_codes(labels, "labels")
        if not len(item_codes) == len(annotator_codes) == len(label_codes):
            raise ValueError("items, annotators and labels must have the same length")
        return cls(
            item_codes,
            annotator_codes,
            label_codes,
            code_count(item_codes, n_items, "items"),
            code_count(annotator_codes, n_annotators, "annotators"),
            code_count(label_codes, n_labels, "labels"),
        )

    def __len__(self) -> int:
        return len(self.items)

    def take(self, rows: npt.ArrayLike) -> Answers:
        """The answers at `rows` (indices or a boolean mask), with the same code ranges."""
        index = np.asarray(rows)
        return Answers(
            self.items[index],
            self.annotators[index],
            self.labels[index],
            self.n_items,
            self.n_annotators,
            self.n_labels,
        )


@dataclass(frozen=True, eq=False)
class Gold:
    """Known true labels: `labels[g]` is the answer of `items[g]`. Clamped while fitting."""

    items: IntArray
    labels: IntArray

    @classmethod
    def from_arrays(cls, items: npt.ArrayLike, labels: npt.ArrayLike) -> Gold:
        item_codes = as_codes(items, "gold items")
        label_codes = as_codes(labels, "gold labels")
        if len(item_codes) != len(label_codes):
            raise ValueError("gold items and labels must have the same length")
        if len(np.unique(item_codes)) != len(item_codes):
            raise ValueError("an item has more than one gold label")
        return cls(item_codes, label_codes)

    def check(self, answers: Answers) -> None:
        """Raise if a gold item or label is outside the answers' code ranges."""
        if self.items.size and int(self.items.max()) >= answers.n_items:
            raise ValueError("a gold item is outside the answers' items")
        if self.labels.size and int(self.labels.max()) >= answers.n_labels:
            raise ValueError("a gold label is outside the answers' labels")
