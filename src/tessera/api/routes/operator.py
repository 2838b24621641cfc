"""Routes for operator views (health, counts) and time-boxed access grants."""

from fastapi import APIRouter

router = APIRouter(tags=["operator"])
