"""The one place where domain errors become HTTP responses; no trace, SQL or path ever leaks."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tessera.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    Locked,
    NotFound,
    TesseraError,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)

log = logging.getLogger("tessera.api")

STATUS_BY_ERROR: dict[type[TesseraError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    InvalidInput: 422,
    Locked: 423,
}
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int, code: str, message: str, *, field: str | None = None, line: int | None = None
) -> JSONResponse:
    """The JSON body every error has: {"error": {"code", "message", "field"?, "line"?}}."""
    detail: dict[str, object] = {"code": code, "message": message}
    if field is not None:
        detail["field"] = field
    if line is not None:
        detail["line"] = line
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def status_of(exc: TesseraError) -> int:
    """The HTTP status for a domain error (500 for one with no mapping)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


PageRenderer = Callable[[Request, int, str], Response]


def install_error_handlers(app: FastAPI, *, render_page: PageRenderer | None = None) -> None:
    """Register the handlers: JSON under /api, and `render_page` (if given) for web pages."""

    def respond(
        request: Request, status: int, code: str, message: str, **where: object
    ) -> Response:
        if render_page is not None and not request.url.path.startswith("/api"):
            return render_page(request, status, message)
        return error_response(status, code, message, **where)  # type: ignore[arg-type]

    @app.exception_handler(TesseraError)
    async def _domain(request: Request, exc: TesseraError) -> Response:
        status = status_of(exc)
        if status == 500:
            log.error("unmapped domain error %s", type(exc).__name__)
            return respond(request, 500, "internal", "internal error")
        if isinstance(exc, InvalidInput):
            return respond(request, status, exc.code, exc.message, field=exc.field, line=exc.line)
        return respond(request, status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        kind = first.get("type", "")
        message = "malformed JSON" if kind == "json_invalid" else str(first.get("msg", "invalid"))
        return respond(request, 422, "invalid_input", message, field=field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = "not found" if exc.status_code == 404 else str(exc.detail)
        return respond(request, exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error", exc_info=exc)
        return respond(request, 500, "internal", "internal error")
