"""Responses the busiest routes build themselves."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """The model as a JSON response, serialised on the route's own worker thread.

    A plain `def` route that returns a model has FastAPI validate it again in a second
    thread-pool turn; the routes annotators and pipelines call all day return the bytes
    instead (decision 0015). The decorator's `response_model` still documents the body.
    """
    return Response(model.model_dump_json(), status_code, media_type="application/json")
