"""Answers to choice and free-text questions: one option, a set of options, or bounded text."""

from __future__ import annotations

from typing import cast

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.reading import BAD_CHARS

TEXT_ANSWER_MAX_CHARS = 100_000


def single_choice(answer: object, allowed: frozenset[str], path: str) -> str:
    if not isinstance(answer, str) or answer not in allowed:
        raise InvalidInput(f"unknown option {str(answer)[:50]!r}", field=path)
    return answer


def multi_choice(answer: object, allowed: frozenset[str], path: str) -> list[str]:
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
        raise InvalidInput("expected a list of options", field=path)
    chosen = cast(list[str], answer)
    unknown = [a for a in chosen if a not in allowed]
    if unknown:
        raise InvalidInput(f"unknown option {unknown[0][:50]!r}", field=path)
    if len(set(chosen)) != len(chosen):
        raise InvalidInput("an option is chosen twice", field=path)
    return chosen


def free_text(answer: object, min_length: int, max_length: int, path: str) -> str:
    """Text whose length in code points is within the bounds; NUL and lone surrogates refused."""
    if not isinstance(answer, str):
        raise InvalidInput("expected text", field=path)
    if BAD_CHARS.search(answer):
        raise InvalidInput("NUL character is not allowed", field=path)
    if not min_length <= len(answer) <= max_length:
        raise InvalidInput(
            f"length must be between {min_length} and {max_length} characters", field=path
        )
    return answer
