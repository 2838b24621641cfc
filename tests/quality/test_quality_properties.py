"""Properties: posteriors sum to one; results ignore row order and the names of labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tessera.quality import (
    GLAD,
    MACE,
    Answers,
    BradleyTerry,
    CategoricalModel,
    Comparisons,
    DawidSkene,
    FleissKappa,
    KrippendorffAlpha,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
)

# tol=0 and a fixed number of rounds: a permuted run stops after exactly as many rounds
MODELS: list[type[CategoricalModel]] = [
    MajorityVote,
    Wawa,
    DawidSkene,
    OneCoinDawidSkene,
    GLAD,
    MACE,
]


def build(model: type[CategoricalModel]) -> CategoricalModel:
    if model in (MajorityVote, Wawa):
        return model()
    return model(max_iter=15, tol=0.0)  # type: ignore[call-arg]


@dataclass(frozen=True)
class Case:
    answers: Answers
    permutation: np.ndarray  # rows
    relabel: np.ndarray  # old label code -> new label code


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n_items = draw(st.integers(1, 10))
    n_annotators = draw(st.integers(1, 5))
    n_labels = draw(st.integers(2, 4))
    n_rows = draw(st.integers(1, 40))
    codes = st.lists(st.integers(0, 10_000), min_size=n_rows, max_size=n_rows)
    items = np.array(draw(codes)) % n_items
    annotators = np.array(draw(codes)) % n_annotators
    labels = np.array(draw(codes)) % n_labels
    answers = Answers.from_arrays(
        items, annotators, labels, n_items=n_items, n_annotators=n_annotators, n_labels=n_labels
    )
    permutation = np.array(draw(st.permutations(range(n_rows))), dtype=np.int64)
    relabel = np.array(draw(st.permutations(range(n_labels))), dtype=np.int64)
    return Case(answers, permutation, relabel)


def decisive(probas: np.ndarray) -> np.ndarray:
    """Items whose best label wins by a clear margin (ties may break either way)."""
    top = np.sort(probas, axis=1)
    return top[:, -1] - top[:, -2] > 1e-6


@settings(max_examples=40, deadline=None)
@given(cases())
def test_posteriors_sum_to_one(case: Case) -> None:
    for model in MODELS:
        probas = build(model).fit(case.answers).probas_
        assert np.all(probas >= 0)
        np.testing.assert_allclose(probas.sum(axis=1), 1.0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_row_order_does_not_matter(case: Case) -> None:
    shuffled = case.answers.take(case.permutation)
    for model in MODELS:
        first, second = build(model).fit(case.answers), build(model).fit(shuffled)
        np.testing.assert_allclose(first.probas_, second.probas_, atol=1e-7)
        np.testing.assert_allclose(first.skills_, second.skills_, atol=1e-7)
        clear = decisive(first.probas_)
        assert np.array_equal(first.labels_[clear], second.labels_[clear])


@settings(max_examples=40, deadline=None)
@given(cases())
def test_renaming_labels_permutes_the_results(case: Case) -> None:
    a = case.answers
    renamed = Answers(
        a.items, a.annotators, case.relabel[a.labels], a.n_items, a.n_annotators, a.n_labels
    )
    for model in MODELS:
        first, second = build(model).fit(a), build(model).fit(renamed)
        np.testing.assert_allclose(second.probas_[:, case.relabel], first.probas_, atol=1e-7)
        clear = decisive(first.probas_) & (first.labels_ >= 0)
        assert np.array_equal(second.labels_[clear], case.relabel[first.labels_[clear]])


@settings(max_examples=40, deadline=None)
@given(cases())
def test_agreement_ignores_row_order_and_label_names(case: Case) -> None:
    a = case.answers
    rows = case.permutation
    for statistic in (KrippendorffAlpha(), FleissKappa()):
        value = statistic.fit(a.items, a.annotators, a.labels).value_
        shuffled = statistic.fit(a.items[rows], a.annotators[rows], a.labels[rows]).value_
        renamed = statistic.fit(a.items, a.annotators, case.relabel[a.labels]).value_
        np.testing.assert_allclose([shuffled, renamed], [value, value], atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**31),
    st.permutations(range(8)),
)
def test_bradley_terry_follows_item_names(seed: int, names: list[int]) -> None:
    rng = np.random.default_rng(seed)
    left = rng.integers(0, 8, 60)
    right = (left + rng.integers(1, 8, 60)) % 8
    outcomes = rng.integers(0, 3, 60)
    rename = np.array(names)
    first = BradleyTerry().fit(Comparisons.from_arrays(left, right, outcomes, n_items=8))
    second = BradleyTerry().fit(
        Comparisons.from_arrays(rename[left], rename[right], outcomes, n_items=8)
    )
    np.testing.assert_allclose(second.scores_[rename], first.scores_, atol=1e-6)
    assert second.tie_ == np.float64(first.tie_) or abs(second.tie_ - first.tie_) < 1e-6
