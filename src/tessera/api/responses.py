"""Responses the busiest routes build themselves."""

from __future__ import annotations

import orjson
from fastapi import Response
from pydantic import BaseModel


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """The model as a JSON response, serialised on the route's own worker thread.

    A plain `def` route that returns a model has FastAPI validate it again in a second
    thread-pool turn; the routes annotators and pipelines call all day return the bytes
    instead (decision 0015). The decorator's `response_model` still documents the body.
    """
    return Response(model.model_dump_json(), status_code, media_type="application/json")


def stored_json_response(payload: object, status_code: int = 200) -> Response:
    """A response built from plain values (dicts, lists, text, numbers, None, aware UTC
    datetimes) and `orjson.Fragment`s of JSON text the store holds, which go out as they are,
    unparsed. The text is what pydantic writes for the same values (datetimes end in `Z`): a
    page of items that would parse and re-serialise every item's content skips both.
    """
    body = orjson.dumps(payload, option=orjson.OPT_UTC_Z)
    return Response(body, status_code, media_type="application/json")
