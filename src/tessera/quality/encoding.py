"""Coding arbitrary ids and label values to dense integer codes and back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tessera.quality.answers import Answers, IntArray


@dataclass(frozen=True, eq=False)
class Codebook:
    """The sorted distinct values; a value's code is its position here."""

    values: npt.NDArray[Any]

    @classmethod
    def of(cls, values: npt.ArrayLike) -> Codebook:
        """The codebook of the distinct `values`, in sorted order (the order labels are listed)."""
        return cls(np.unique(np.asarray(values)))

    def __len__(self) -> int:
        return len(self.values)

    def encode(self, values: npt.ArrayLike) -> IntArray:
        """Codes of `values`; raises KeyError on a value not in the codebook."""
        array = np.asarray(values)
        if array.size == 0:
            return np.zeros(0, dtype=np.int64)
        codes = np.searchsorted(self.values, array)
        clipped = np.minimum(codes, len(self.values) - 1)
        if len(self.values) == 0 or not np.array_equal(self.values[clipped], array):
            raise KeyError("a value is not in the codebook")
        return clipped.astype(np.int64)

    def decode(self, codes: npt.ArrayLike) -> npt.NDArray[Any]:
        """The values of `codes` (code -1, "no answer", is not decodable: mask it first)."""
        return self.values[np.asarray(codes, dtype=np.int64)]


def encode(values: npt.ArrayLike) -> tuple[IntArray, Codebook]:
    """Codes of `values` and the codebook that decodes them."""
    uniques, inverse = np.unique(np.asarray(values), return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), Codebook(uniques)


@dataclass(frozen=True, eq=False)
class EncodedAnswers:
    """Integer-coded answers plus the codebooks that turn results back into ids and labels."""

    answers: Answers
    items: Codebook
    annotators: Codebook
    labels: Codebook


def encode_answers(
    items: npt.ArrayLike,
    annotators: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    label_values: npt.ArrayLike | None = None,
) -> EncodedAnswers:
    """Code long-format answers with any ids (strings, UUIDs, ints) and any label values.

    Args:
        label_values: every possible label, when some may be unanswered; sorted for coding.

    Columns of a DataFrame work as they are: `encode_answers(df.task, df.worker, df.label)`.
    """
    item_codes, item_book = encode(items)
    annotator_codes, annotator_book = encode(annotators)
    if label_values is None:
        label_codes, label_book = encode(labels)
    else:
        label_book = Codebook.of(label_values)
        label_codes = label_book.encode(labels)
    answers = Answers.from_arrays(
        item_codes,
        annotator_codes,
        label_codes,
        n_items=len(item_book),
        n_annotators=len(annotator_book),
        n_labels=len(label_book),
    )
    return EncodedAnswers(answers, item_book, annotator_book, label_book)
