"""A project template: a ready label schema, guidelines, demo items and one valid answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PICTURE_SCHEME = "picture:"  # demo items name generated pictures so; replaced by media:<id>


@dataclass(frozen=True)
class Template:
    """What a project made from the template starts with.

    `example_answer` is a valid answer to `items[0]`; items may reference generated pictures
    as `picture:<seed>` in image fields, which creation uploads and replaces by `media:<id>`.
    """

    key: str
    title: str
    description: str
    guidelines: str
    label_schema: Mapping[str, object]
    items: tuple[Mapping[str, object], ...]
    example_answer: Mapping[str, object]
    annotations_per_item: int = 1


def span(text: str, part: str, label: str, occurrence: int = 1) -> dict[str, object]:
    """A span answer over `text` for the n-th occurrence of `part` (offsets in code points)."""
    start = -1
    for _ in range(occurrence):
        start = text.index(part, start + 1)
    return {"start": start, "end": start + len(part), "label": label, "text": part}
