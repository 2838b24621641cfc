"""Routes for workspace keys: rotation, customer-held keys, lock and unlock."""

from fastapi import APIRouter

router = APIRouter(tags=["keys"])
