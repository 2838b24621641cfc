"""Routes for the access ledger: export, checkpoints, verification."""

from fastapi import APIRouter

router = APIRouter(tags=["ledger"])
