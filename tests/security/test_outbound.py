"""The SSRF guard: blocked ranges and spellings, redirects, DNS rebinding, size cap, no echo."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore
import pytest
from httpcore._backends.sync import SyncBackend

from tessera.domain.errors import InvalidInput, TooLarge
from tessera.security.outbound import (
    OutboundPolicy,
    blocked_reason,
    check_url,
    fetch_to_file,
)

SECRET = "SECRET-MARKER-7f3a"
PUBLIC_IP = "93.184.215.14"  # never contacted: the connection layer is intercepted


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    length: bool = True  # False: no Content-Length, the body ends when the connection closes
    delay_s: float = 0.0


class LocalServer:
    """An HTTP server on 127.0.0.1 with canned replies; records every request it gets."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Reply] = {}
        self.hits: list[dict[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(
                    {
                        "path": self.path,
                        "host": self.headers.get("Host"),
                        "cookie": self.headers.get("Cookie"),
                    }
                )
                reply = server.routes.get(self.path, Reply(404, b"no such page"))
                time.sleep(reply.delay_s)
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if reply.length:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        yield s


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection httpx opens; connecting to anything but 127.0.0.1 fails the test."""
    seen: list[tuple[str, int]] = []
    real = SyncBackend.connect_tcp

    def connect_tcp(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        seen.append((host, port))
        if host != "127.0.0.1":
            raise httpcore.ConnectError("test: outside connections are refused")
        return real(self, host, port, *args, **kwargs)

    monkeypatch.setattr(SyncBackend, "connect_tcp", connect_tcp)
    return seen


def _only(server: LocalServer, **kw: Any) -> OutboundPolicy:
    return OutboundPolicy(allowed_private_hosts=frozenset({server.host_port}), **kw)


def _fetch(url: str, policy: OutboundPolicy | None = None, max_bytes: int = 10_000) -> bytes:
    out = io.BytesIO()
    fetch_to_file(url, out, policy=policy or OutboundPolicy(), max_bytes=max_bytes)
    return out.getvalue()


BLOCKED = [
    "http://127.0.0.1/",
    "http://127.8.9.10:8080/x",
    "http://localhost/",
    "http://LocalHost/",
    "http://[::1]/",
    "http://[::]/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1:8080/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::127.0.0.1]/",
    "http://100.64.0.1/",
    "http://198.18.0.1/",
    "http://192.0.0.8/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
    "http://[2002:a9fe:a9fe::]/",  # 6to4 around 169.254.169.254
    "http://[64:ff9b::a00:1]/",  # NAT64 around 10.0.0.1
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://0/",
    "http://example.com@127.0.0.1/",
    "http://user:pass@example.com/",
    "http://evil.com\\@127.0.0.1/",
    "http://a b/",
    "http:///nohost",
    "file:///etc/passwd",
    "gopher://127.0.0.1:70/_x",
    "ftp://example.com/",
    "dict://127.0.0.1:11211/",
    "javascript:alert(1)",
    "//example.com/x",
]


@pytest.mark.parametrize("url", BLOCKED)
def test_blocked_before_any_connection(url: str, connects: list[tuple[str, int]]) -> None:
    with pytest.raises(InvalidInput) as caught:
        _fetch(url)
    assert caught.value.field == "url"
    assert connects == []


def test_fragment_trick_is_judged_by_the_real_host(connects: list[Any]) -> None:
    # After '#' comes the fragment, so the host is 127.0.0.1, not example.com.
    with pytest.raises(InvalidInput, match="private or reserved"):
        check_url("http://127.0.0.1#@example.com/", policy=OutboundPolicy())
    assert connects == []


@pytest.mark.parametrize(
    "address",
    ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"],
)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_fetch_from_an_allowed_local_server(server: LocalServer) -> None:
    server.routes["/data.jsonl"] = Reply(
        body=b'{"text": "a"}\n', headers={"Content-Type": "application/x-ndjson"}
    )
    out = io.BytesIO()
    result = fetch_to_file(server.url("/data.jsonl"), out, policy=_only(server), max_bytes=1000)
    assert out.getvalue() == b'{"text": "a"}\n'
    assert (result.bytes, result.content_type) == (14, "application/x-ndjson")
    assert result.final_url == server.url("/data.jsonl")
    assert server.hits[0]["host"] == server.host_port


def test_default_policy_blocks_the_same_local_server(server: LocalServer) -> None:
    server.routes["/data.jsonl"] = Reply(body=b"{}")
    with pytest.raises(InvalidInput, match="private or reserved"):
        _fetch(server.url("/data.jsonl"))
    with pytest.raises(InvalidInput):
        _fetch(server.url("/data.jsonl", host="localhost"))
    assert server.hits == []
    assert _fetch(server.url("/data.jsonl"), OutboundPolicy(allow_private=True)) == b"{}"


def test_allow_list_of_one_host_port_is_exact(server: LocalServer) -> None:
    policy = OutboundPolicy(allowed_private_hosts=frozenset({f"127.0.0.1:{server.port + 1}"}))
    with pytest.raises(InvalidInput):
        _fetch(server.url("/"), policy)
    assert server.hits == []


def test_allowed_hosts_restricts_destinations(server: LocalServer) -> None:
    policy = OutboundPolicy(allow_private=True, allowed_hosts=frozenset({"data.example.org"}))
    with pytest.raises(InvalidInput, match="allowed hosts"):
        _fetch(server.url("/"), policy)
    assert server.hits == []


def test_redirect_to_loopback_is_blocked(server: LocalServer) -> None:
    with LocalServer() as inner:
        inner.routes["/secret"] = Reply(body=b"internal")
        server.routes["/go"] = Reply(302, headers={"Location": inner.url("/secret")})
        server.routes["/go2"] = Reply(
            307, headers={"Location": server.url("/secret", host="localhost")}
        )
        for path in ("/go", "/go2"):
            with pytest.raises(InvalidInput, match="private or reserved"):
                _fetch(server.url(path), _only(server))
        assert inner.hits == []
        assert [h["path"] for h in server.hits] == ["/go", "/go2"]


def test_redirects_are_followed_relative_to_the_url_as_written(server: LocalServer) -> None:
    server.routes["/a"] = Reply(301, headers={"Location": "/b"})
    server.routes["/b"] = Reply(303, headers={"Location": "c.json"})
    server.routes["/c.json"] = Reply(body=b"[]")
    out = io.BytesIO()
    result = fetch_to_file(server.url("/a"), out, policy=_only(server), max_bytes=100)
    assert result.final_url == server.url("/c.json")
    assert out.getvalue() == b"[]"


def test_too_many_redirects(server: LocalServer) -> None:
    server.routes["/loop"] = Reply(302, headers={"Location": "/loop"})
    with pytest.raises(InvalidInput, match="too many redirects"):
        _fetch(server.url("/loop"), _only(server))
    assert len(server.hits) == 6  # the first request and five redirects


def test_redirect_without_location(server: LocalServer) -> None:
    server.routes["/r"] = Reply(302)
    with pytest.raises(InvalidInput, match="without a location"):
        _fetch(server.url("/r"), _only(server))


def test_cookies_do_not_travel_between_hops(server: LocalServer) -> None:
    server.routes["/set"] = Reply(302, headers={"Location": "/check", "Set-Cookie": "s=1"})
    server.routes["/check"] = Reply(body=b"ok")
    assert _fetch(server.url("/set"), _only(server)) == b"ok"
    assert server.hits[1]["cookie"] is None


def test_error_status_never_echoes_the_body(server: LocalServer) -> None:
    server.routes["/boom"] = Reply(500, f"<h1>{SECRET}</h1>".encode())
    server.routes["/gone"] = Reply(404, SECRET.encode(), headers={"X-Secret": SECRET})
    with pytest.raises(InvalidInput) as caught:
        _fetch(server.url("/boom"), _only(server))
    assert "the server answered HTTP 500" in str(caught.value)
    with pytest.raises(InvalidInput) as caught404:
        _fetch(server.url("/gone"), _only(server))
    for exc in (caught.value, caught404.value):
        assert SECRET not in str(exc) and SECRET not in repr(exc.args)
        assert exc.__cause__ is None


@pytest.mark.parametrize("length", [True, False])
def test_size_cap(server: LocalServer, length: bool) -> None:
    server.routes["/big"] = Reply(body=b"x" * 300_000, length=length)
    out = io.BytesIO()
    with pytest.raises(TooLarge):
        fetch_to_file(server.url("/big"), out, policy=_only(server), max_bytes=100_000)
    assert len(out.getvalue()) <= 100_000
    out = io.BytesIO()
    fetch_to_file(server.url("/big"), out, policy=_only(server), max_bytes=300_000)
    assert len(out.getvalue()) == 300_000


def test_compressed_body_is_refused(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * 1_000_000)
    server.routes["/gz"] = Reply(body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(InvalidInput, match="compressed"):
        _fetch(server.url("/gz"), _only(server), max_bytes=10_000_000)


def test_slow_server_times_out(server: LocalServer) -> None:
    server.routes["/slow"] = Reply(body=b"late", delay_s=1.5)
    with pytest.raises(InvalidInput, match="in time"):
        _fetch(server.url("/slow"), _only(server, read_timeout_s=0.3))


def test_proxy_variables_are_ignored(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.9.9.9:3128")
    server.routes["/p"] = Reply(body=b"direct")
    assert _fetch(server.url("/p"), _only(server)) == b"direct"


def _fake_dns(monkeypatch: pytest.MonkeyPatch, name: str, answers: list[list[str]]) -> list[str]:
    """Make `name` resolve to each answer in turn (the last repeats); other names as usual."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        ips = answers[min(len(lookups), len(answers)) - 1]
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in ips
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_dns_rebinding_connects_to_the_checked_public_address(
    monkeypatch: pytest.MonkeyPatch, connects: list[tuple[str, int]]
) -> None:
    lookups = _fake_dns(monkeypatch, "rebind.example", [[PUBLIC_IP], ["127.0.0.1"]])
    with pytest.raises(InvalidInput, match="could not connect"):
        _fetch("http://rebind.example:8080/data.jsonl")
    assert connects == [(PUBLIC_IP, 8080)]  # the checked address, never a second answer
    assert lookups == ["rebind.example"]


def test_pinned_connection_keeps_host_header_and_resolves_once(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, connects: list[tuple[str, int]]
) -> None:
    lookups = _fake_dns(monkeypatch, "pinned.example", [["127.0.0.1"], ["10.0.0.1"]])
    server.routes["/d"] = Reply(body=b"pinned")
    policy = OutboundPolicy(allowed_private_hosts=frozenset({f"pinned.example:{server.port}"}))
    assert _fetch(server.url("/d", host="pinned.example"), policy) == b"pinned"
    assert server.hits[0]["host"] == f"pinned.example:{server.port}"
    assert lookups == ["pinned.example"]
    assert connects == [("127.0.0.1", server.port)]


def test_any_private_answer_blocks_the_host(
    monkeypatch: pytest.MonkeyPatch, connects: list[tuple[str, int]]
) -> None:
    _fake_dns(monkeypatch, "mixed.example", [[PUBLIC_IP, "127.0.0.1"]])
    with pytest.raises(InvalidInput, match="private or reserved"):
        _fetch("http://mixed.example/")
    _fake_dns(monkeypatch, "v6.example", [["2606:4700::1", "::ffff:10.0.0.1"]])
    with pytest.raises(InvalidInput, match="private or reserved"):
        _fetch("http://v6.example/")
    assert connects == []


def _tls_pair(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a self-signed certificate for `name`, and a client trusting it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert_file, key_file)
    client_ctx = ssl.create_default_context(cadata=cert_pem.decode())
    return server_ctx, client_ctx


@pytest.mark.parametrize(("cert_name", "ok"), [("secure.example", True), ("other.example", False)])
def test_https_verifies_the_name_while_connecting_to_the_pinned_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cert_name: str, ok: bool
) -> None:
    server_ctx, client_ctx = _tls_pair(tmp_path, cert_name)
    with LocalServer(tls=server_ctx) as tls_server:
        tls_server.routes["/s"] = Reply(body=b"over tls")
        _fake_dns(monkeypatch, "secure.example", [["127.0.0.1"]])
        policy = OutboundPolicy(
            allowed_private_hosts=frozenset({f"secure.example:{tls_server.port}"}),
            ssl_context=client_ctx,
        )
        url = tls_server.url("/s", host="secure.example", scheme="https")
        if ok:
            assert _fetch(url, policy) == b"over tls"
            assert tls_server.hits[0]["host"] == f"secure.example:{tls_server.port}"
        else:
            with pytest.raises(InvalidInput, match="could not connect"):
                _fetch(url, policy)
            assert tls_server.hits == []
