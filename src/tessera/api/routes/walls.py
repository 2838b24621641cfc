"""Routes for organisations, affiliations and conflict-of-interest walls."""

from fastapi import APIRouter

router = APIRouter(tags=["walls"])
