"""Rules every piece of free text from outside must pass before it is stored."""

from __future__ import annotations

from tessera.domain.errors import InvalidInput


def checked_text(value: str, *, field: str, max_chars: int, min_chars: int = 0) -> str:
    """The text with surrounding whitespace removed, if its length fits and it holds no NUL.

    PostgreSQL cannot store NUL in text columns, and no human-written name needs one.
    """
    if "\x00" in value:
        raise InvalidInput("NUL character is not allowed", field=field)
    clean = value.strip()
    if not min_chars <= len(clean) <= max_chars:
        raise InvalidInput(f"must be {min_chars}-{max_chars} characters", field=field)
    return clean
