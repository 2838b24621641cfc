"""Wire models for workspace keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class KeyStatusPublic(BaseModel):
    versions: list[int]
    active_version: int
    is_customer_held: bool
    is_unlocked: bool


class PassphraseSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    passphrase: str = Field(min_length=12, max_length=1024)
    current: str | None = Field(default=None, max_length=1024)


class PassphraseGiven(BaseModel):
    model_config = ConfigDict(extra="forbid")
    passphrase: str = Field(min_length=1, max_length=1024)
