"""API routes, one module per resource; ROUTERS lists what app.py mounts under /api."""

from fastapi import APIRouter

from tessera.api.routes import (
    keys,
    ledger,
    media,
    operator,
    projects,
    quality,
    reviews,
    schemas,
    serving,
    tasks,
    templates,
    url_imports,
    walls,
    workspaces,
)

ROUTERS: list[APIRouter] = [
    workspaces.router,
    projects.router,
    media.router,
    schemas.router,
    templates.router,
    tasks.router,
    reviews.router,
    serving.router,
    quality.router,
    url_imports.router,
    keys.router,
    ledger.router,
    walls.router,
    operator.router,
]
