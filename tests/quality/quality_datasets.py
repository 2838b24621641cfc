"""Loaders for the real crowdsourced data sets copied into tests/quality/data/ (see README.md)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tessera.quality import Answers, encode_answers

DATA = Path(__file__).parent / "data"
SNOW = ("rte", "temp", "wsd")


@dataclass(frozen=True)
class CrowdData:
    """Coded answers and the gold label of every item (codes as in `answers`)."""

    name: str
    answers: Answers
    truth: npt.NDArray[np.int64]

    def accuracy(self, labels: npt.NDArray[np.int64]) -> float:
        return float(np.mean(labels == self.truth))


def _coded(
    name: str, items: list[str], workers: list[str], labels: list[str], gold: dict[str, str]
) -> CrowdData:
    encoded = encode_answers(
        items, workers, labels, label_values=sorted(set(labels) | set(gold.values()))
    )
    truth = encoded.labels.encode([gold[item] for item in encoded.items.values])
    return CrowdData(name, encoded.answers, truth)


def snow(task: str) -> CrowdData:
    """Snow et al. (2008) RTE, TEMP or WSD."""
    items, workers, labels, gold = [], [], [], {}
    with (DATA / f"snow2008-{task}.tsv").open(newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            items.append(row["orig_id"])
            workers.append(row["!amt_worker_ids"])
            labels.append(row["response"])
            gold[row["orig_id"]] = row["gold"]
    return _coded(task, items, workers, labels, gold)


_PAIR = re.compile(r"(\d+):\s*(true|false)")


def bluebirds() -> CrowdData:
    """Welinder et al. (2010) Bluebirds; the YAML is flow-style maps, read with a regex."""
    items, workers, labels = [], [], []
    text = (DATA / "bluebirds-labels.yaml").read_text()
    for worker, body in re.findall(r"(\d+):\s*\{([^}]*)\}", text):
        for item, value in _PAIR.findall(body):
            items.append(item)
            workers.append(worker)
            labels.append(value)
    gold = dict(_PAIR.findall((DATA / "bluebirds-gt.yaml").read_text()))
    return _coded("bluebirds", items, workers, labels, gold)


def all_sets() -> list[CrowdData]:
    return [*(snow(task) for task in SNOW), bluebirds()]
