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

# Requests are matched against the routes in this order: the annotators' hot path goes first
# (next task, submit, skip), so it is not tried against every other route before its own. No
# other router has a path its patterns also match.
ROUTERS: list[APIRouter] = [
    tasks.router,
    workspaces.router,
    projects.router,
    media.router,
    schemas.router,
    templates.router,
    reviews.router,
    serving.router,
    quality.router,
    url_imports.router,
    keys.router,
    ledger.router,
    walls.router,
    operator.router,
]
