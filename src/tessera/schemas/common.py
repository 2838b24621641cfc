"""Wire shapes used by every resource: pages and errors."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One keyset page; pass `next_after` back as `after` for the next one (null at the end)."""

    items: list[T]
    next_after: int | None


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    line: int | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
