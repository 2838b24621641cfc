"""On real crowdsourced labels, every method is at least as accurate as crowd-kit 1.4.2.

Reference accuracies: crowd-kit 1.4.2 with default settings, from data/README.md.
"""

from __future__ import annotations

import numpy as np
import pytest
from quality_datasets import CrowdData, bluebirds, snow

from tessera.quality import (
    GLAD,
    MACE,
    CategoricalModel,
    DawidSkene,
    Gold,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
)

METHODS: dict[str, type[CategoricalModel]] = {
    "majority vote": MajorityVote,
    "Wawa": Wawa,
    "one-coin DS": OneCoinDawidSkene,
    "Dawid-Skene": DawidSkene,
    "GLAD": GLAD,
    "MACE": MACE,
}

CROWD_KIT = {
    "rte": [0.8750, 0.9187, 0.9250, 0.9275, 0.9250, 0.9250],
    "temp": [0.9394, 0.9437, 0.9394, 0.9416, 0.9351, 0.9394],
    "wsd": [0.9944, 0.9944, 0.9944, 0.9944, 0.9944, 0.9944],
    "bluebirds": [0.7593, 0.7593, 0.5833, 0.8889, 0.7222, 0.8519],
}

CASES = [
    (data, method, accuracy)
    for data, row in CROWD_KIT.items()
    for method, accuracy in zip(METHODS, row, strict=True)
]


@pytest.fixture(scope="module")
def crowd_sets() -> dict[str, CrowdData]:
    return {**{task: snow(task) for task in ("rte", "temp", "wsd")}, "bluebirds": bluebirds()}


@pytest.mark.parametrize(("data", "method", "crowd_kit"), CASES)
def test_accuracy_is_at_least_crowd_kits(
    crowd_sets: dict[str, CrowdData], data: str, method: str, crowd_kit: float
) -> None:
    crowd = crowd_sets[data]
    model = METHODS[method]().fit(crowd.answers)
    assert model.converged_
    # crowd-kit's figures are rounded to 4 places
    assert crowd.accuracy(model.labels_) >= crowd_kit - 5e-5


def test_data_sets_have_the_documented_shapes(crowd_sets: dict[str, CrowdData]) -> None:
    shapes = {
        name: (len(c.answers), c.answers.n_items, c.answers.n_annotators, c.answers.n_labels)
        for name, c in crowd_sets.items()
    }
    assert shapes == {
        "rte": (8000, 800, 164, 2),
        "temp": (4620, 462, 76, 2),
        "wsd": (1770, 177, 34, 3),
        "bluebirds": (4212, 108, 39, 2),
    }


def test_gold_on_some_items_helps_dawid_skene_on_bluebirds(
    crowd_sets: dict[str, CrowdData],
) -> None:
    crowd = crowd_sets["bluebirds"]
    known = np.arange(0, crowd.answers.n_items, 5)
    gold = Gold.from_arrays(known, crowd.truth[known])
    model = DawidSkene().fit(crowd.answers, gold)
    free = np.setdiff1d(np.arange(crowd.answers.n_items), known)
    assert np.array_equal(model.labels_[known], crowd.truth[known])
    plain = DawidSkene().fit(crowd.answers)
    assert np.mean(model.labels_[free] == crowd.truth[free]) >= np.mean(
        plain.labels_[free] == crowd.truth[free]
    )
