"""Categorical aggregation on toy data with known answers: labels, posteriors, skills, gold."""

from __future__ import annotations

import numpy as np
import pytest

from tessera.quality import (
    GLAD,
    MACE,
    NO_LABEL,
    Answers,
    BinaryRelevance,
    CategoricalModel,
    DawidSkene,
    Gold,
    MajorityVote,
    MultiLabelAnswers,
    OneCoinDawidSkene,
    Wawa,
    encode_answers,
)

ALL = [MajorityVote, Wawa, DawidSkene, OneCoinDawidSkene, GLAD, MACE]


def simulated(
    n_items: int = 300, seed: int = 0, n_labels: int = 3
) -> tuple[Answers, np.ndarray, np.ndarray]:
    """Five good annotators (90 %), two spammers (uniform) and one who always says 0."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_labels, n_items)
    items, annotators, labels = [], [], []
    for annotator in range(8):
        answered = np.flatnonzero(rng.random(n_items) < 0.7)
        if annotator < 5:
            right = rng.random(len(answered)) < 0.9
            noise = (truth[answered] + rng.integers(1, n_labels, len(answered))) % n_labels
            given = np.where(right, truth[answered], noise)
        elif annotator < 7:
            given = rng.integers(0, n_labels, len(answered))
        else:
            given = np.zeros(len(answered), dtype=int)
        items.append(answered)
        annotators.append(np.full(len(answered), annotator))
        labels.append(given)
    answers = Answers.from_arrays(
        np.concatenate(items), np.concatenate(annotators), np.concatenate(labels), n_items=n_items
    )
    good = np.array([1, 1, 1, 1, 1, 0, 0, 0], dtype=bool)
    return answers, truth, good


@pytest.mark.parametrize("model", ALL)
def test_recovers_the_truth_and_ranks_annotators(model: type[CategoricalModel]) -> None:
    answers, truth, good = simulated()
    fitted = model().fit(answers)
    answered = np.bincount(answers.items, minlength=answers.n_items) > 0
    accuracy = np.mean(fitted.labels_[answered] == truth[answered])
    assert accuracy > (0.9 if model in (MajorityVote, Wawa) else 0.95)
    assert fitted.converged_
    assert fitted.probas_.shape == (answers.n_items, answers.n_labels)
    np.testing.assert_allclose(fitted.probas_.sum(axis=1), 1.0)
    assert fitted.skills_[good].min() > np.nanmax(fitted.skills_[~good])


@pytest.mark.parametrize("model", ALL)
def test_unanswered_items_get_no_label(model: type[CategoricalModel]) -> None:
    answers = Answers.from_arrays([0, 0, 2], [0, 1, 0], [1, 1, 0], n_items=4, n_annotators=3)
    fitted = model().fit(answers)
    assert fitted.labels_[[1, 3]].tolist() == [NO_LABEL, NO_LABEL]
    assert fitted.labels_[0] == 1
    assert np.isnan(fitted.skills_[2])
    np.testing.assert_allclose(fitted.probas_.sum(axis=1), 1.0)


@pytest.mark.parametrize("model", ALL)
def test_gold_labels_are_clamped(model: type[CategoricalModel]) -> None:
    answers, truth, _ = simulated(n_items=60)
    gold_items = np.arange(0, 60, 3)
    wrong = (truth[gold_items] + 1) % 3  # clamping must win even against the crowd
    fitted = model().fit(answers, Gold.from_arrays(gold_items, wrong))
    assert np.array_equal(fitted.labels_[gold_items], wrong)
    np.testing.assert_allclose(fitted.probas_[gold_items, wrong], 1.0)


@pytest.mark.parametrize("model", ALL)
def test_gold_items_count_even_without_answers(model: type[CategoricalModel]) -> None:
    answers = Answers.from_arrays([0, 0], [0, 1], [1, 1], n_items=3)
    fitted = model().fit(answers, Gold.from_arrays([2], [0]))
    assert fitted.labels_[1:].tolist() == [NO_LABEL, 0]


def test_gold_is_checked() -> None:
    answers = Answers.from_arrays([0], [0], [1])
    with pytest.raises(ValueError, match="gold label"):
        DawidSkene().fit(answers, Gold.from_arrays([0], [5]))
    with pytest.raises(ValueError, match="more than one gold label"):
        Gold.from_arrays([0, 0], [1, 1])


def test_majority_vote_breaks_ties_towards_the_first_label() -> None:
    answers = Answers.from_arrays([0, 0, 1, 1], [0, 1, 0, 1], [2, 1, 0, 1])
    assert MajorityVote().fit(answers).labels_.tolist() == [1, 0]


def test_dawid_skene_learns_confusions_of_a_biased_annotator() -> None:
    answers, _, _ = simulated(n_items=500)
    fitted = DawidSkene().fit(answers)
    always_zero = fitted.confusions_[7]
    np.testing.assert_allclose(always_zero[:, 0], 1.0, atol=0.01)
    assert fitted.confusions_.shape == (8, 3, 3)
    np.testing.assert_allclose(fitted.confusions_.sum(axis=2), 1.0)
    assert fitted.priors_.sum() == pytest.approx(1.0)


def test_mace_spots_spammers() -> None:
    answers, _, good = simulated(n_items=500)
    fitted = MACE().fit(answers)
    assert fitted.skills_[good].min() > 0.8
    assert fitted.skills_[~good].max() < 0.3
    np.testing.assert_allclose(fitted.spam_.sum(axis=1), 1.0)


def test_glad_gives_abilities_and_difficulties() -> None:
    answers, _, good = simulated(n_items=400)
    fitted = GLAD().fit(answers)
    assert fitted.difficulties_.shape == (400,)
    assert (fitted.difficulties_ > 0).all()
    assert fitted.skills_[good].min() > fitted.skills_[~good].max()


def test_max_iter_bounds_the_work() -> None:
    answers, _, _ = simulated()
    fitted = DawidSkene(max_iter=2, tol=0.0).fit(answers)
    assert fitted.n_iter_ == 2
    assert not fitted.converged_


def test_encoding_round_trips_any_ids_and_labels() -> None:
    coded = encode_answers(
        ["t2", "t1", "t1", "t2"], ["ann", "bob", "ann", "bob"], ["cat", "dog", "dog", "cat"]
    )
    assert coded.items.values.tolist() == ["t1", "t2"]
    fitted = MajorityVote().fit(coded.answers)
    assert coded.labels.decode(fitted.labels_).tolist() == ["dog", "cat"]
    assert coded.labels.encode(["dog"]).tolist() == [1]
    with pytest.raises(KeyError):
        coded.labels.encode(["bird"])


def test_encoding_keeps_declared_labels_that_nobody_chose() -> None:
    coded = encode_answers([1, 1], [1, 2], ["b", "b"], label_values=["c", "a", "b"])
    assert coded.answers.n_labels == 3
    assert coded.labels.values.tolist() == ["a", "b", "c"]


def test_answers_are_validated() -> None:
    with pytest.raises(ValueError, match="same length"):
        Answers.from_arrays([0, 1], [0], [0, 1])
    with pytest.raises(TypeError, match="integer codes"):
        Answers.from_arrays(["a"], [0], [0])
    with pytest.raises(ValueError, match="non-negative"):
        Answers.from_arrays([-1], [0], [0])
    with pytest.raises(ValueError, match="declared"):
        Answers.from_arrays([3], [0], [0], n_items=2)


def test_binary_relevance_aggregates_each_label() -> None:
    rng = np.random.default_rng(1)
    truth = rng.random((200, 4)) < 0.4
    items = np.repeat(np.arange(200), 5)
    annotators = np.tile(np.arange(5), 200)
    flips = rng.random((1000, 4)) < 0.1
    answers = MultiLabelAnswers.from_arrays(items, annotators, truth[items] ^ flips)
    fitted = BinaryRelevance().fit(answers, gold=([0, 1], truth[[0, 1]]))
    assert fitted.labels_.shape == (200, 4)
    assert np.mean(fitted.labels_ == truth) > 0.97
    assert fitted.skills_.shape == (5, 4)
    assert ((fitted.probas_ >= 0) & (fitted.probas_ <= 1)).all()
    fitted_mv = BinaryRelevance(base=MajorityVote()).fit(answers)
    assert fitted_mv.estimators_[0] is not fitted_mv.base
