"""create_app(settings): the one place that wires every layer together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tessera import __version__
from tessera.api.errors import install_error_handlers
from tessera.api.limits import JSON_BODY_MAX_BYTES, BodyLimit, SecurityHeaders
from tessera.api.routes import ROUTERS
from tessera.settings import Settings, load_keys
from tessera.startup import open_database
from tessera.storage.engine import Database
from tessera.web import pages

STATIC_DIR = Path(__file__).parent / "web" / "static"
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    """Build the ASGI app; refuses to start without keys or on an out-of-date schema."""
    keys = load_keys(settings)
    database = database or open_database(settings, serving=True)
    app = FastAPI(
        title="Tessera",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database
    app.state.secret_key = keys.secret_key
    install_error_handlers(app, render_page=pages.render_error)

    # Each router straight onto the app, not through an `/api` router holding them: FastAPI
    # matches a request level by level through included routers, scanning a level's routes
    # once to find the branch and again inside it, so that router cost every request a level.
    for router in ROUTERS:
        app.include_router(router, prefix="/api")
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def body_limit_for(path: str) -> int:
        if path.endswith("/items/import") or path.endswith("/import"):
            return settings.max_upload_bytes
        if path.endswith("/media"):  # an image upload, with room for multipart framing
            return settings.max_media_bytes + MULTIPART_OVERHEAD_BYTES
        return JSON_BODY_MAX_BYTES

    app.add_middleware(BodyLimit, limit_for=body_limit_for)
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.router.on_shutdown.append(database.dispose)
    return app
