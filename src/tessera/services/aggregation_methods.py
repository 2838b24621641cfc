"""Per-question aggregation methods of a stored run: categorical, multi-label, rating and
geometry keys, each from integer-coded answers to results, skills and agreement."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from tessera.domain.entities import Project
from tessera.domain.label_schema import Question, QuestionType
from tessera.domain.quality_rules import (
    CATEGORICAL_TYPES,
    GEOMETRY_TYPES,
    answer_for,
    choice_options,
    rating_bounds,
)
from tessera.quality import (
    Answers,
    BinaryRelevance,
    DawidSkene,
    FleissKappa,
    Gold,
    KrippendorffAlpha,
    MeanRating,
    Metric,
    MultiLabelAnswers,
    Ratings,
)
from tessera.services.aggregation_geometry import box_consensus, span_consensus
from tessera.storage.repositories.quality import Answer, Skill, StoredResult

BOOTSTRAP_RESAMPLES = 200
Numbers = Sequence[float] | npt.NDArray[Any]  # one per item or annotator code


@dataclass
class KeyAggregate:
    """One aggregated question (or rating criterion) and what the run found for it."""

    key: str
    question: Question
    criterion: str | None
    results: list[StoredResult]
    skills: list[Skill]
    summary: dict[str, object]


def _finite(x: float) -> float | None:
    return None if x is None or math.isnan(x) or math.isinf(x) else float(x)


def _agreement(
    name: str, estimator: KrippendorffAlpha | FleissKappa, metric: str
) -> dict[str, object]:
    low, high = estimator.interval_
    return {
        "statistic": name,
        "metric": metric,
        "value": _finite(estimator.value_),
        "low": _finite(low),
        "high": _finite(high),
    }


def _alpha(
    metric: Metric,
    units: npt.NDArray[np.int64],
    who: npt.NDArray[np.int64],
    values: npt.NDArray[Any],
    described: str,
) -> dict[str, object]:
    """Krippendorff's alpha with its bootstrap interval, as a summary's agreement entry."""
    estimator = KrippendorffAlpha(metric=metric, n_resamples=BOOTSTRAP_RESAMPLES)
    return _agreement("krippendorff_alpha", estimator.fit(units, who, values), described)


def aggregate_key(
    project: Project,
    answers: Sequence[Answer],
    gold: Mapping[int, Mapping[str, object]],
    emails: Mapping[int, str],
    triple: tuple[str, Question, str | None],
) -> KeyAggregate:
    """Aggregate one key (question, or criterion) over the project's answers: its results
    (gold items left out), each annotator's skill and the key's agreement summary."""
    with warnings.catch_warnings():
        # one unanimous item leaves bootstrap resamples without disagreement: NaN, not noise
        warnings.simplefilter("ignore", RuntimeWarning)
        return _aggregate_key_quietly(project, answers, gold, emails, triple)


def _aggregate_key_quietly(
    project: Project,
    answers: Sequence[Answer],
    gold: Mapping[int, Mapping[str, object]],
    emails: Mapping[int, str],
    triple: tuple[str, Question, str | None],
) -> KeyAggregate:
    key, question, criterion = triple
    given = [(a, answer_for(a.value, question, criterion)) for a in answers]
    is_geometry = question.type in GEOMETRY_TYPES
    given = [(a, v) for a, v in given if v is not None and (v != [] or is_geometry)]
    out = KeyAggregate(key, question, criterion, [], [], {"key": key, "type": question.type.value})
    out.summary.update(n_answers=len(given), agreement=[])
    if not given:
        out.summary["method"] = None
        return out
    item_ids, item_codes = np.unique([a.item_id for a, _ in given], return_inverse=True)
    user_ids, user_codes = np.unique([a.user_id for a, _ in given], return_inverse=True)
    coded = _Coded(item_ids, item_codes.astype(np.int64), user_ids, user_codes.astype(np.int64))
    if is_geometry:
        _geometry(out, coded, [v for _, v in given])
    elif question.type in CATEGORICAL_TYPES:
        _single(out, coded, [v for _, v in given], gold)
    elif question.type is QuestionType.MULTI_CHOICE:
        _multi(out, coded, [v for _, v in given], gold)
    else:
        _rating(out, coded, [v for _, v in given])
    counts = np.bincount(coded.users, minlength=len(user_ids))
    out.skills = [
        Skill(
            user_id=int(user_ids[s.user_id]),
            email=emails.get(int(user_ids[s.user_id]), ""),
            question=key,
            method=s.method,
            skill=s.skill,
            n_answers=int(counts[s.user_id]),
            confusion=s.confusion,
        )
        for s in out.skills
    ]
    # gold items are known already: their clamped answers are no result
    out.results = [r for r in out.results if r.item_id not in gold]
    out.summary["n_items"] = len(out.results)
    return out


@dataclass(frozen=True)
class _Coded:
    item_ids: npt.NDArray[np.int64]
    items: npt.NDArray[np.int64]
    user_ids: npt.NDArray[np.int64]
    users: npt.NDArray[np.int64]

    @cached_property
    def answers_per_item(self) -> npt.NDArray[np.int64]:
        """How many answers each item code has."""
        return np.bincount(self.items, minlength=len(self.item_ids))

    def result(
        self, code: int, key: str, value: object, confidence: float, method: str
    ) -> StoredResult:
        n = int(self.answers_per_item[code])
        return StoredResult(int(self.item_ids[code]), key, value, float(confidence), method, n)

    def results(
        self, key: str, method: str, values: Sequence[object], confidences: Numbers
    ) -> list[StoredResult]:
        """One result per item code, in code order."""
        return [
            self.result(i, key, values[i], confidences[i], method)
            for i in range(len(self.item_ids))
        ]

    def skills(
        self,
        key: str,
        method: str,
        values: Numbers,
        confusions: Sequence[list[list[float]]] | None = None,
    ) -> list[Skill]:
        """One skill per annotator code; `aggregate_key` puts in who they are and how many
        answers they gave."""
        return [
            Skill(
                a,
                "",
                key,
                method,
                _finite(float(values[a])),
                0,
                None if confusions is None else confusions[a],
            )
            for a in range(len(self.user_ids))
        ]


def _gold_codes(
    coded: _Coded, gold: Mapping[int, Mapping[str, object]], out: KeyAggregate
) -> list[tuple[int, object]]:
    """(item code, known answer for this key) of the gold items that have answers here."""
    code_of = {int(i): c for c, i in enumerate(coded.item_ids)}
    found = [
        (code_of[i], answer_for(g, out.question, out.criterion))
        for i, g in gold.items()
        if i in code_of
    ]
    return [(c, v) for c, v in found if v is not None]


def _single(
    out: KeyAggregate, coded: _Coded, values: list[object], gold: Mapping[int, Mapping[str, object]]
) -> None:
    options = choice_options(out.question)
    labels = np.array([options.index(str(v)) for v in values], dtype=np.int64)
    answers = Answers.from_arrays(
        coded.items,
        coded.users,
        labels,
        n_items=len(coded.item_ids),
        n_annotators=len(coded.user_ids),
        n_labels=len(options),
    )
    known = [(c, options.index(str(v))) for c, v in _gold_codes(coded, gold, out) if v in options]
    gold_arg = Gold.from_arrays([c for c, _ in known], [v for _, v in known]) if known else None
    model = DawidSkene().fit(answers, gold_arg)
    out.results = coded.results(
        out.key,
        "dawid_skene",
        [options[int(c)] for c in model.labels_],
        model.probas_.max(axis=1),
    )
    out.skills = coded.skills(
        out.key, "dawid_skene", model.skills_, np.round(model.confusions_, 4).tolist()
    )
    out.summary.update(
        method="dawid_skene",
        gold_items=len(known),
        options=options,
        agreement=[
            _alpha(Metric.NOMINAL, coded.items, coded.users, labels, "nominal"),
            _agreement(
                "fleiss_kappa",
                FleissKappa(n_resamples=BOOTSTRAP_RESAMPLES).fit(coded.items, coded.users, labels),
                "nominal",
            ),
        ],
    )


def _multi(
    out: KeyAggregate, coded: _Coded, values: list[object], gold: Mapping[int, Mapping[str, object]]
) -> None:
    options = [o.value for o in out.question.options]
    selected = np.array(
        [[isinstance(v, list) and o in v for o in options] for v in values], dtype=bool
    )
    answers = MultiLabelAnswers.from_arrays(
        coded.items,
        coded.users,
        selected,
        n_items=len(coded.item_ids),
        n_annotators=len(coded.user_ids),
    )
    known = [(c, v) for c, v in _gold_codes(coded, gold, out) if isinstance(v, list)]
    gold_arg = None
    if known:
        gold_arg = (
            [c for c, _ in known],
            np.array([[o in v for o in options] for _, v in known], dtype=bool),
        )
    model = BinaryRelevance().fit(answers, gold_arg)
    sure = np.maximum(model.probas_, 1 - model.probas_).min(axis=1)
    chosen = [[o for c, o in enumerate(options) if row[c]] for row in model.labels_]
    out.results = coded.results(out.key, "dawid_skene_per_option", chosen, sure)
    with np.errstate(all="ignore"):
        skills = np.nanmean(model.skills_, axis=1)
    out.skills = coded.skills(out.key, "dawid_skene_per_option", skills)
    # agreement over the item x option yes/no decisions
    units = np.repeat(coded.items * len(options), len(options)) + np.tile(
        np.arange(len(options)), len(values)
    )
    who = np.repeat(coded.users, len(options))
    flat = selected.reshape(-1).astype(np.int64)
    out.summary.update(
        method="dawid_skene_per_option",
        gold_items=len(known),
        options=options,
        agreement=[
            _alpha(Metric.NOMINAL, units, who, flat, "nominal, per option"),
        ],
    )


def _geometry(out: KeyAggregate, coded: _Coded, values: list[object]) -> None:
    consensus = span_consensus if out.question.type is QuestionType.SPANS else box_consensus
    found = consensus(out.question, coded.items, coded.users, values, len(coded.item_ids))
    out.results = [
        coded.result(code, out.key, value, confidence, found.method)
        for code, (value, confidence) in sorted(found.results.items())
    ]
    out.skills = coded.skills(out.key, found.method, found.skills)
    out.summary.update(method=found.method)


def _rating(out: KeyAggregate, coded: _Coded, values: list[object]) -> None:
    low, high = rating_bounds(out.question, out.criterion)
    numbers = np.array([float(v) for v in values])  # type: ignore[arg-type]
    ratings = Ratings.from_arrays(
        coded.items,
        coded.users,
        numbers,
        n_items=len(coded.item_ids),
        n_annotators=len(coded.user_ids),
    )
    model = MeanRating(correct_bias=True).fit(ratings)
    half = max((high - low) / 2, 1e-9)
    n = coded.answers_per_item
    mean = np.bincount(coded.items, numbers, len(coded.item_ids)) / np.maximum(n, 1)
    spread = np.sqrt(
        np.bincount(coded.items, (numbers - mean[coded.items]) ** 2, len(coded.item_ids))
        / np.maximum(n, 1)
    )
    confidence = np.where(n > 1, np.clip(1 - spread / half, 0, 1), 0.5)
    out.results = coded.results(
        out.key, "mean_with_bias", [round(float(v), 4) for v in model.values_], confidence
    )
    out.skills = coded.skills(out.key, "mean_with_bias", np.clip(1 - model.noise_ / half, 0, 1))
    out.summary.update(
        method="mean_with_bias",
        scale=[low, high],
        agreement=[
            _alpha(Metric.INTERVAL, coded.items, coded.users, numbers, "interval"),
        ],
    )
