"""Routes for the access ledger: export, checkpoints, verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from tessera.api.deps import CurrentUser, DatabaseDep, SessionDep
from tessera.domain.errors import Locked
from tessera.schemas.ledger import CheckpointPublic, VerifyResult
from tessera.security.signing import SigningKeyError, load_signing_key
from tessera.services import ledger
from tessera.settings import SIGNING_KEY_FILE, Settings

router = APIRouter(tags=["ledger"])
LedgerPath = "/workspaces/{workspace_id}/ledger"


def _checkpoint_public(cp: ledger.Checkpoint) -> CheckpointPublic:
    return CheckpointPublic(
        workspace_id=cp.workspace_id,
        seq=cp.seq,
        hash=cp.hash,
        signed_at=cp.signed_at,
        signature=cp.signature,
        public_key=cp.public_key,
    )


@router.get(
    LedgerPath,
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export_ledger(
    workspace_id: int,
    database: DatabaseDep,
    user: CurrentUser,
    after_seq: Annotated[int, Query(ge=0)] = 0,
) -> StreamingResponse:
    """The access ledger as JSONL: one event a line, with its hashes (owner, auditor)."""
    chunks = ledger.open_ledger_export(
        database, actor=user, workspace_id=workspace_id, after_seq=after_seq
    )
    return StreamingResponse(
        chunks,
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="ledger-{workspace_id}.jsonl"',
            "Cache-Control": "no-store",
        },
    )


@router.post(LedgerPath + "/checkpoints", status_code=201)
def create_checkpoint(
    workspace_id: int, request: Request, db: SessionDep, user: CurrentUser
) -> CheckpointPublic:
    """Sign the chain's head now; keep the answer outside the server (owner, auditor)."""
    settings: Settings = request.app.state.settings
    ledger.check_ledger_access(db, actor=user, workspace_id=workspace_id)  # before the key
    try:
        key = load_signing_key(settings.data_dir / SIGNING_KEY_FILE)
    except SigningKeyError as exc:
        raise Locked(str(exc)) from None
    cp = ledger.create_checkpoint(db, actor=user, workspace_id=workspace_id, signing_key=key)
    return _checkpoint_public(cp)


@router.post(LedgerPath + "/verify")
def verify_ledger(
    workspace_id: int, db: SessionDep, user: CurrentUser, body: CheckpointPublic | None = None
) -> VerifyResult:
    """Check the chain, and a checkpoint kept earlier if one is the body; names the first break."""
    checkpoint = None if body is None else ledger.Checkpoint(**body.model_dump())
    report = ledger.verify_workspace_ledger(
        db, actor=user, workspace_id=workspace_id, checkpoint=checkpoint
    )
    return VerifyResult(
        ok=report.ok, events=report.events, first_bad_seq=report.first_bad_seq, reason=report.reason
    )
