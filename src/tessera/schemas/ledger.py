"""Wire models for the access ledger: checkpoints and verification reports."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CheckpointPublic(BaseModel):
    """A signed checkpoint; keep it somewhere the server cannot change."""

    model_config = ConfigDict(extra="forbid")
    workspace_id: int
    seq: int = Field(ge=0)
    hash: str = Field(min_length=64, max_length=64)
    signed_at: datetime
    signature: str = Field(max_length=200)
    public_key: str = Field(max_length=100)


class VerifyResult(BaseModel):
    ok: bool
    events: int
    first_bad_seq: int | None
    reason: str
