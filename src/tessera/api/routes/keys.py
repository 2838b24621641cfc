"""Routes for workspace keys: status, customer-held passphrase, lock and unlock."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tessera.api.deps import CurrentUser, SessionDep
from tessera.schemas.keys import KeyStatusPublic, PassphraseGiven, PassphraseSet
from tessera.services import keys

router = APIRouter(tags=["keys"])
KEYS = "/workspaces/{workspace_id}/keys"


@router.get(KEYS)
def key_status(workspace_id: int, db: SessionDep, user: CurrentUser) -> KeyStatusPublic:
    """Key versions, the active one, and whether the owner's passphrase holds them (owners)."""
    s = keys.key_status(db, actor=user, workspace_id=workspace_id)
    return KeyStatusPublic(
        versions=s.versions,
        active_version=s.active_version,
        is_customer_held=s.is_customer_held,
        is_unlocked=s.is_unlocked,
    )


@router.post(KEYS + "/passphrase", status_code=204)
def set_passphrase(
    workspace_id: int, body: PassphraseSet, db: SessionDep, user: CurrentUser
) -> Response:
    """Hold the workspace's keys with a passphrase only the owner knows (or change it)."""
    keys.set_passphrase(
        db, actor=user, workspace_id=workspace_id, passphrase=body.passphrase, current=body.current
    )
    return Response(status_code=204)


@router.post(KEYS + "/unlock", status_code=204)
def unlock(workspace_id: int, body: PassphraseGiven, db: SessionDep, user: CurrentUser) -> Response:
    """Unlock a passphrase-held workspace in this server process after a restart."""
    keys.unlock_workspace(db, actor=user, workspace_id=workspace_id, passphrase=body.passphrase)
    return Response(status_code=204)


@router.post(KEYS + "/lock", status_code=204)
def lock(workspace_id: int, db: SessionDep, user: CurrentUser) -> Response:
    """Forget the unlocked keys in this server process now."""
    keys.lock_workspace(db, actor=user, workspace_id=workspace_id)
    return Response(status_code=204)


@router.delete("/workspaces/{workspace_id}", status_code=204, tags=["workspaces"])
def delete_workspace(workspace_id: int, db: SessionDep, user: CurrentUser) -> Response:
    """Delete the workspace and destroy its keys (crypto-shredding); owners only."""
    keys.delete_workspace(db, actor=user, workspace_id=workspace_id)
    return Response(status_code=204)
