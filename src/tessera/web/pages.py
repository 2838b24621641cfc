"""The web UI's router (every page module's routes) and its HTML error pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from tessera.web import annotate, auth, media, projects, quality, review
from tessera.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)
for _module in (auth, projects, annotate, media, quality, review):
    router.include_router(_module.router)

_TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Invalid input",
    423: "Unavailable",
}
# One message for every 404: another workspace's object reads exactly like a missing one.
NOT_FOUND_MESSAGE = "This page does not exist, or you do not have access to it."


def render_error(request: Request, status: int, message: str) -> Response:
    """An HTML error page (a partial for htmx); a 401 sends the browser to the login page."""
    if status == 401:
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)
    if status == 404:
        message = NOT_FOUND_MESSAGE
    elif status >= 500:
        message = "Something went wrong on our side. Please try again."
    context = {"status": status, "title": _TITLES.get(status, "Error"), "message": message}
    if is_htmx(request):
        # Show it in the page's message area, whatever element asked.
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return render(request, "_error.html", context, status=status, headers=headers)
    return render(request, "error.html", context, status=status)
