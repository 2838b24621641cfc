"""Gold answers and the quality rules: settings, checking gold, scoring answers against it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import LabelSchema, Question, QuestionType
from tessera.domain.schema.context import AnswerContext
from tessera.domain.schema.pairwise import PairwiseSpec

MAX_OVERLAP = 50
# What an annotator's answers are worth before the project's aggregation has measured them:
# the one-coin accuracy the incremental confidence rule assumes (docs/user-guide/quality.md).
DEFAULT_SKILL = 0.7
AGGREGATED_TYPES = frozenset(
    {
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTI_CHOICE,
        QuestionType.RATING,
        QuestionType.PAIRWISE,
        QuestionType.SPANS,
        QuestionType.BOXES,
    }
)
# aggregated only by a full run (numpy consensus); an empty list is an answer ("nothing")
GEOMETRY_TYPES = frozenset({QuestionType.SPANS, QuestionType.BOXES})
# aggregated as one categorical choice per item: an option, or a / b / tie
CATEGORICAL_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.PAIRWISE})


@dataclass(frozen=True)
class QualitySettings:
    """A project's gold and rule settings; None switches a rule off.

    - `gold_rate`: chance that a new lease is a gold item (when one is left for the annotator).
    - `gold_min_accuracy` / `gold_min_answers`: pause an annotator whose accuracy on gold is
      below the first after at least the second gold answers.
    - `min_confidence` / `max_annotations_per_item`: an item whose aggregated confidence is
      below the first gets one more answer at a time, up to the second.
    """

    gold_rate: float = 0.0
    gold_min_accuracy: float | None = None
    gold_min_answers: int = 10
    min_confidence: float | None = None
    max_annotations_per_item: int | None = None

    def check(self) -> None:
        """Raise InvalidInput naming the first setting out of range."""
        for name in ("gold_rate", "gold_min_accuracy", "min_confidence"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, float | int) and 0 <= value <= 1):
                raise InvalidInput("must be a number from 0 to 1", field=name)
        if not 1 <= self.gold_min_answers <= 100_000:
            raise InvalidInput("must be between 1 and 100000", field="gold_min_answers")
        cap = self.max_annotations_per_item
        if cap is not None and not 1 <= cap <= MAX_OVERLAP:
            raise InvalidInput(
                f"must be between 1 and {MAX_OVERLAP}", field="max_annotations_per_item"
            )


def validate_gold(
    schema: LabelSchema,
    gold: object,
    content: Mapping[str, object] | None,
    *,
    line: int | None = None,
) -> dict[str, object]:
    """Check known answers (question name -> answer) against the schema; returns them clean.

    Gold may cover only some questions; each given answer must be one the question accepts.
    Conditions (`when`) are not applied: gold states the truth of each question it names.
    """
    if not isinstance(gold, Mapping) or not gold:
        raise InvalidInput("must be a non-empty object of answers by question", field="gold")
    known = {q.name: q for q in schema.questions}
    fields = {f.name: f for f in schema.fields}
    clean: dict[str, object] = {}
    for key, answer in gold.items():
        question = known.get(str(key))
        if question is None:
            raise InvalidInput("unknown question", field=f"gold.{str(key)[:100]}", line=line)
        if question.is_blank(answer):
            raise InvalidInput("an answer is required", field=f"gold.{key}", line=line)
        if question.needs_content and content is None:
            raise ValueError("this question checks answers against the item: pass its content")
        labels = frozenset(o.value for o in question.options)
        ctx = AnswerContext(name=question.name, labels=labels, fields=fields, content=content)
        try:
            clean[question.name] = question.validate(answer, ctx)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, field=f"gold.{exc.field}", line=line) from None
    return clean


def answer_matches(question: Question, given: object, known: object) -> bool:
    """Whether an answer equals the gold one (a multi-choice answer as a set)."""
    if question.type is QuestionType.MULTI_CHOICE:
        return isinstance(given, list) and isinstance(known, list) and set(given) == set(known)
    if question.type is QuestionType.PAIRWISE and isinstance(known, Mapping):
        # the preferences must agree (overall and per criterion the gold names); not strength
        criteria = known.get("criteria")
        names = list(criteria) if isinstance(criteria, Mapping) else []
        return all(
            answer_for({question.name: given}, question, c)
            == answer_for({question.name: known}, question, c)
            for c in [None, *names]
        )
    return given == known


@dataclass(frozen=True)
class QuestionScore:
    asked: int = 0
    correct: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.asked if self.asked else None


@dataclass(frozen=True)
class GoldScore:
    """One annotator's answers on gold: items answered, and right / asked per question."""

    answers: int = 0
    by_question: Mapping[str, QuestionScore] = field(default_factory=dict)

    @property
    def asked(self) -> int:
        return sum(s.asked for s in self.by_question.values())

    @property
    def correct(self) -> int:
        return sum(s.correct for s in self.by_question.values())

    @property
    def accuracy(self) -> float | None:
        """Share of gold questions answered right, over every gold item answered."""
        return self.correct / self.asked if self.asked else None


def score_gold(
    schema: LabelSchema, pairs: Iterable[tuple[Mapping[str, object], Mapping[str, object]]]
) -> GoldScore:
    """Score (answer, gold) pairs: every question the gold names counts, unanswered is wrong."""
    known = {q.name: q for q in schema.questions}
    asked: dict[str, int] = {}
    correct: dict[str, int] = {}
    answers = 0
    for value, gold in pairs:
        answers += 1
        for name, truth in gold.items():
            question = known.get(name)
            if question is None:
                continue  # a question removed from the schema since the gold was set
            asked[name] = asked.get(name, 0) + 1
            correct[name] = correct.get(name, 0) + answer_matches(question, value.get(name), truth)
    return GoldScore(
        answers=answers,
        by_question={n: QuestionScore(asked[n], correct.get(n, 0)) for n in sorted(asked)},
    )


def pause_reason(settings: QualitySettings, score: GoldScore) -> str | None:
    """Why the gold rule pauses this annotator now, or None when it does not."""
    threshold = settings.gold_min_accuracy
    accuracy = score.accuracy
    if threshold is None or accuracy is None or score.answers < settings.gold_min_answers:
        return None
    if accuracy >= threshold:
        return None
    return (
        f"accuracy on gold {accuracy:.0%} over {score.answers} gold items is below the "
        f"project's minimum of {threshold:.0%}"
    )


@dataclass(frozen=True)
class LiveResult:
    """An item's aggregated answer to one question, from its answers alone (incremental)."""

    value: object
    confidence: float
    n_answers: int


def aggregation_keys(schema: LabelSchema) -> list[tuple[str, Question, str | None]]:
    """The (key, question, criterion) triples aggregated: one per question, one per criterion."""
    from tessera.domain.schema.rating import RatingSpec

    keys: list[tuple[str, Question, str | None]] = []
    for q in schema.questions:
        if q.type not in AGGREGATED_TYPES:
            continue
        if q.type is QuestionType.RATING and isinstance(q.spec, RatingSpec) and q.spec.criteria:
            keys += [(f"{q.name}.{c.name}", q, c.name) for c in q.spec.criteria]
        elif q.type is QuestionType.PAIRWISE and isinstance(q.spec, PairwiseSpec):
            keys.append((q.name, q, None))  # the overall preference, then each criterion's
            keys += [(f"{q.name}.{c.name}", q, c.name) for c in q.spec.criteria]
        else:
            keys.append((q.name, q, None))
    return keys


def choice_options(question: Question) -> list[str]:
    """The labels of a categorical key: the options, or a, b (and tie) for a preference."""
    if question.type is QuestionType.PAIRWISE and isinstance(question.spec, PairwiseSpec):
        return ["a", "b", "tie"] if question.spec.allow_tie else ["a", "b"]
    return [o.value for o in question.options]


def answer_for(value: Mapping[str, object], question: Question, criterion: str | None) -> object:
    """One annotation's answer for an aggregation key (None when it gave none).

    A preference counts by its choice alone (a, b or tie); its strength is not aggregated.
    """
    answer = value.get(question.name)
    if question.type is QuestionType.PAIRWISE:
        if criterion is not None:
            per = answer.get("criteria") if isinstance(answer, Mapping) else None
            answer = per.get(criterion) if isinstance(per, Mapping) else None
        return answer.get("choice") if isinstance(answer, Mapping) else None
    if criterion is None:
        return answer
    return answer.get(criterion) if isinstance(answer, Mapping) else None


def rating_bounds(question: Question, criterion: str | None) -> tuple[float, float]:
    from tessera.domain.schema.rating import RatingSpec

    spec = question.spec
    assert isinstance(spec, RatingSpec)
    for c in spec.criteria:
        if c.name == criterion:
            return float(c.min), float(c.max)
    return float(spec.min), float(spec.max)


def live_results(
    schema: LabelSchema,
    answers: Iterable[tuple[int, Mapping[str, object]]],
    skills: Mapping[tuple[int, str], float],
) -> dict[str, LiveResult]:
    """Aggregate one item's (annotator, answer) pairs per key, weighting by known skills.

    Choices: a one-coin vote, log-odds weight log(s (K - 1) / (1 - s)) for skill s (the
    project's last aggregation, else DEFAULT_SKILL); confidence is the winner's posterior
    (multi-choice: the least sure option). Ratings: the mean; confidence 1 - standard
    deviation / half the scale (0.5 for a single rating).
    """
    rows = list(answers)
    out: dict[str, LiveResult] = {}
    for key, question, criterion in aggregation_keys(schema):
        if question.type in GEOMETRY_TYPES:
            continue  # spans and boxes need the consensus of a full run
        given = [(who, answer_for(v, question, criterion)) for who, v in rows]
        given = [(who, a) for who, a in given if a is not None and a != []]
        if not given:
            continue
        if question.type is QuestionType.RATING:
            out[key] = _live_rating(given, *rating_bounds(question, criterion))
        elif question.type in CATEGORICAL_TYPES:
            options = choice_options(question)
            weights = [
                _weight(skills.get((who, key), DEFAULT_SKILL), len(options)) for who, _ in given
            ]
            posterior = _posterior(options, [a for _, a in given], weights)
            best = max(options, key=lambda o: (posterior[o], -options.index(o)))
            out[key] = LiveResult(best, posterior[best], len(given))
        else:
            out[key] = _live_multi(question, given, skills, key)
    return out


def _weight(skill: float, n_options: int) -> float:
    s = min(max(skill, 0.01), 0.99)
    return math.log(s * max(n_options - 1, 1) / (1 - s))


def _posterior(options: list[str], votes: list[object], weights: list[float]) -> dict[str, float]:
    score = {o: 0.0 for o in options}
    for vote, w in zip(votes, weights, strict=True):
        if vote in score:
            score[str(vote)] += w
    top = max(score.values())
    exp = {o: math.exp(v - top) for o, v in score.items()}
    total = sum(exp.values())
    return {o: e / total for o, e in exp.items()}


def _live_multi(
    question: Question,
    given: list[tuple[int, object]],
    skills: Mapping[tuple[int, str], float],
    key: str,
) -> LiveResult:
    chosen: list[str] = []
    confidence = 1.0
    for option in (o.value for o in question.options):
        votes = ["yes" if isinstance(a, list) and option in a else "no" for _, a in given]
        weights = [_weight(skills.get((who, key), DEFAULT_SKILL), 2) for who, _ in given]
        p = _posterior(["yes", "no"], list(votes), weights)["yes"]
        if p > 0.5:
            chosen.append(option)
        confidence = min(confidence, max(p, 1 - p))
    return LiveResult(chosen, confidence, len(given))


def _live_rating(given: list[tuple[int, object]], low: float, high: float) -> LiveResult:
    values = [float(a) for _, a in given if isinstance(a, int | float)]
    if not values:
        return LiveResult(None, 0.0, 0)
    mean = sum(values) / len(values)
    if len(values) == 1:
        return LiveResult(mean, 0.5, 1)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    half = max((high - low) / 2, 1e-9)
    return LiveResult(mean, max(0.0, 1.0 - sd / half), len(values))
