"""API: importing items from a URL, through the SSRF guard, after authorization."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI

from conftest import Factory, World, make_world
from tessera.domain.entities import Role
from tessera.security.outbound import OutboundPolicy

JSONL = b'{"external_id": "u1", "text": "from a url"}\n{"external_id": "u2", "text": "two"}\n'
SECRET = "SECRET-MARKER-91c2"


@dataclass
class FileServer:
    """Serves canned files on 127.0.0.1 and counts the requests that reach it."""

    files: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def files() -> Iterator[FileServer]:
    state = FileServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits.append(self.path)
            status, ctype, body = state.files.get(self.path, (404, "text/plain", b"missing"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.files["/items.jsonl"] = (200, "application/octet-stream", JSONL)
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def empty(world: World, factory: Factory) -> World:
    return make_world(world.client, factory, items=0)


@pytest.fixture
def allowed(app: FastAPI, files: FileServer) -> FileServer:
    """The app may reach exactly this local server (and nothing else private)."""
    app.state.outbound_policy = OutboundPolicy(
        allowed_private_hosts=frozenset({f"127.0.0.1:{files.port}"})
    )
    return files


def _post(w: World, body: dict[str, Any], who: Any = None, project_url: str = "") -> Any:
    return w.client.post(
        f"{project_url or w.project_url}/items/import-url",
        json=body,
        headers=(who or w.manager).headers,
    )


def _count(w: World) -> int:
    r = w.client.get(w.project_url, headers=w.manager.headers)
    return int(r.json()["counts"]["items"])


def test_imports_from_an_allowed_server(empty: World, allowed: FileServer) -> None:
    r = _post(empty, {"url": allowed.url("/items.jsonl")})
    assert r.status_code == 200, r.text
    assert r.json() == {"read": 2, "created": 2, "existing": 0}
    items = empty.client.get(f"{empty.project_url}/items", headers=empty.manager.headers).json()
    assert [i["data"] for i in items["items"]] == [{"text": "from a url"}, {"text": "two"}]
    again = _post(empty, {"url": allowed.url("/items.jsonl"), "format": "jsonl"})
    assert again.json() == {"read": 2, "created": 0, "existing": 2}


def test_format_from_content_type_or_body_field(empty: World, allowed: FileServer) -> None:
    allowed.files["/feed"] = (200, "text/csv; charset=utf-8", b"external_id,text\nc1,hi\n")
    allowed.files["/export"] = (200, "application/octet-stream", b'[{"text": "j"}]')
    assert _post(empty, {"url": allowed.url("/feed")}).json()["created"] == 1
    assert _post(empty, {"url": allowed.url("/export"), "format": "json"}).json()["created"] == 1
    r = _post(empty, {"url": allowed.url("/export")})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "format"
    assert _count(empty) == 2


def test_default_policy_refuses_loopback(empty: World, files: FileServer) -> None:
    r = _post(empty, {"url": files.url("/items.jsonl"), "format": "jsonl"})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["field"] == "url"
    assert "private or reserved" in err["message"]
    assert files.hits == []
    assert _count(empty) == 0


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",
        "http://example.com@127.0.0.1/",
        "gopher://127.0.0.1:25/",
    ],
)
def test_hostile_urls_are_422_on_url(empty: World, allowed: FileServer, url: str) -> None:
    r = _post(empty, {"url": url, "format": "jsonl"})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "url"
    assert allowed.hits == []


def test_annotator_is_403_before_any_request(world: World, allowed: FileServer) -> None:
    r = _post(world, {"url": allowed.url("/items.jsonl")}, who=world.annotators[0])
    assert r.status_code == 403
    assert allowed.hits == []


def test_other_workspace_and_unknown_project_are_404(
    world: World, factory: Factory, allowed: FileServer
) -> None:
    r = _post(
        world, {"url": allowed.url("/items.jsonl")}, project_url=f"{world.base}/projects/999999"
    )
    assert r.status_code == 404
    stranger_owner = factory.person(label="owner", with_password=False)
    other = factory.workspace(stranger_owner)
    stranger = factory.add(other, stranger_owner, Role.MANAGER, with_password=False)
    r = _post(world, {"url": allowed.url("/items.jsonl")}, who=stranger)
    assert r.status_code == 404
    assert allowed.hits == []


def test_remote_error_body_is_never_echoed(empty: World, allowed: FileServer) -> None:
    allowed.files["/boom.jsonl"] = (500, "text/html", f"<p>{SECRET}</p>".encode())
    r = _post(empty, {"url": allowed.url("/boom.jsonl")})
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "field 'url': the server answered HTTP 500"
    assert SECRET not in r.text


def test_oversize_file_is_413(empty: World, allowed: FileServer) -> None:
    big = json.dumps({"text": "x" * 1_100_000}).encode() + b"\n"  # limit: 1,000,000 bytes
    allowed.files["/big.jsonl"] = (200, "application/x-ndjson", big)
    r = _post(empty, {"url": allowed.url("/big.jsonl")})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"
    assert _count(empty) == 0


def test_bad_record_names_the_line_and_keeps_nothing(empty: World, allowed: FileServer) -> None:
    allowed.files["/bad.jsonl"] = (200, "application/x-ndjson", JSONL + b'{"text": 5}\n')
    r = _post(empty, {"url": allowed.url("/bad.jsonl")})
    assert r.status_code == 422
    assert r.json()["error"]["line"] == 3
    assert _count(empty) == 0


def test_body_is_validated(empty: World) -> None:
    assert _post(empty, {"url": "http://x.example/a.csv", "extra": 1}).status_code == 422
    assert _post(empty, {"url": "http://x.example/a", "format": "xml"}).status_code == 422
    assert _post(empty, {"url": ""}).status_code == 422
