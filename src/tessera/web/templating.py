"""The Jinja2 environment of the web pages (autoescape always on) and the render helper."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from tessera import __version__
from tessera.domain.entities import Project
from tessera.web import renderers

TEMPLATE_DIR = Path(__file__).parent / "templates"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,  # every template, whatever its extension: item content is hostile
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["version"] = __version__
_env.filters.update(
    markdown=renderers.markdown_html,
    highlight=renderers.code_html,
    code_of=renderers.code_of,
    json_tree=renderers.json_html,
    json_pretty=renderers.json_pretty,
    media_src=renderers.media_src,
    image_ref=renderers.image_ref,
    step_chars=renderers.step_chars,
)
templates = Jinja2Templates(env=_env)


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it then wants a partial, not a page)."""
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    name: str,
    context: Mapping[str, object] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render a template; pages get `user` and `csrf` (None when logged out) by default."""
    full: dict[str, object] = {"user": None, "csrf": None, "flash": None}
    full.update(context or {})
    return templates.TemplateResponse(
        request, name, full, status_code=status, headers=dict(headers or {})
    )


@dataclass(frozen=True)
class Progress:
    """The numbers a progress bar shows; `max` is never 0 (a <progress max=0> is invalid)."""

    items: int
    done: int
    annotations: int
    max: int
    percent: int


def progress_of(project: Project) -> Progress:
    c = project.counts
    return Progress(
        items=c.items,
        done=c.done,
        annotations=c.annotations,
        max=max(c.items, 1),
        percent=int(100 * c.progress),  # floor: 99.6% is not done
    )
