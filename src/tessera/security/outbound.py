"""The SSRF guard every outbound HTTP request of the server goes through (imports, webhooks...)."""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import BinaryIO

import httpx

from tessera.domain.errors import InvalidInput, TooLarge

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_CHARS = 2048
USER_AGENT = "Tessera-Fetch/1"
_FIELD = "url"
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# A host name after IDNA encoding: letters, digits, '-', '_' and dots, nothing else.
_HOST_NAME = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$")
# Whitespace, controls and backslashes: parsers disagree about them (WHATWG reads '\' as '/').
_BAD_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")

# Ranges that ipaddress' is_global misses or that embed another address; checked explicitly so
# a Python upgrade changing is_global cannot open a hole.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this" network
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255
    )
)
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique-local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class OutboundPolicy:
    """Where the server may send requests; the default allows public addresses only.

    Attributes:
        allow_private: skip the address check entirely (tests and closed networks only).
        allowed_hosts: when not empty, the only destinations allowed, each written as `host`
            or `host:port` (lower case); empty means any public host.
        allowed_private_hosts: exact `host:port` pairs that may resolve to non-public
            addresses, for example an internal model endpoint the operator trusts.
        ssl_context: the TLS context to verify servers with; None means the system's defaults.
    """

    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    allowed_private_hosts: frozenset[str] = frozenset()
    max_redirects: int = 5
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    total_timeout_s: float = 120.0
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FetchResult:
    """What a completed fetch produced: the body went into the caller's file."""

    content_type: str | None
    bytes: int
    final_url: str


@dataclass(frozen=True)
class _Target:
    """One checked hop: the URL as written and the address the connection is pinned to."""

    url: httpx.URL
    host: str  # ASCII (IDNA) host name or canonical IP text
    port: int
    address: IPAddress

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.url.port is None else f"{host}:{self.port}"

    @property
    def pinned_url(self) -> httpx.URL:
        return self.url.copy_with(host=str(self.address), fragment=None)


def blocked_reason(address: IPAddress) -> str | None:
    """Why an address must not be contacted, or None when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return blocked_reason(embedded)
        if any(address in net for net in _BLOCKED_V6):
            return "a private or reserved network"
    elif any(address in net for net in _BLOCKED_V4):
        return "a private or reserved network"
    flags = (
        address.is_private,
        address.is_loopback,
        address.is_link_local,
        address.is_multicast,
        address.is_reserved,
        address.is_unspecified,
        not address.is_global,
    )
    if any(flags) or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local):
        return "a private or reserved network"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv4-mapped, 6to4, Teredo or NAT64 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        server, client = address.teredo
        # Either end being private is enough to refuse; report the worse one.
        return client if blocked_reason(client) else server
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def check_url(url: str, *, policy: OutboundPolicy) -> None:
    """Refuse a URL the policy does not allow, without connecting anywhere.

    Raises:
        InvalidInput: on field `url`, with a neutral reason.
    """
    _resolve(_parse(url), policy)


def fetch_to_file(
    url: str, dest: BinaryIO, *, policy: OutboundPolicy, max_bytes: int
) -> FetchResult:
    """GET a URL through the guard and stream its body into `dest`.

    Every hop (at most `policy.max_redirects` redirects) is parsed, resolved once and checked;
    the connection goes to the exact address that was checked, so a second DNS answer cannot
    move it (DNS rebinding). No cookies, proxies or credentials from the environment are used.

    Args:
        dest: a binary file the body is written to; on error it holds a partial body.
        max_bytes: the largest body accepted.

    Raises:
        InvalidInput: on field `url`: refused address, bad status, too many redirects, timeout.
        TooLarge: the body is larger than `max_bytes`.
    """
    deadline = time.monotonic() + policy.total_timeout_s
    current = _parse(url)
    with _client(policy) as client:
        for _hop in range(policy.max_redirects + 1):
            if time.monotonic() > deadline:
                raise InvalidInput("the server did not answer in time", field=_FIELD)
            target = _resolve(current, policy)
            response = _send(client, target)
            try:
                if response.status_code in _REDIRECT_CODES:
                    current = _next_hop(target, response)
                    continue
                if not 200 <= response.status_code < 300:
                    raise InvalidInput(
                        f"the server answered HTTP {response.status_code}", field=_FIELD
                    )
                size = _stream_body(response, dest, max_bytes=max_bytes, deadline=deadline)
            finally:
                response.close()
            return FetchResult(
                content_type=response.headers.get("content-type"),
                bytes=size,
                final_url=str(target.url),
            )
    raise InvalidInput("too many redirects", field=_FIELD)


def _client(policy: OutboundPolicy) -> httpx.Client:
    timeout = httpx.Timeout(
        connect=policy.connect_timeout_s,
        read=policy.read_timeout_s,
        write=policy.read_timeout_s,
        pool=policy.connect_timeout_s,
    )
    # trust_env=False: no proxy variables, no .netrc credentials; redirects are ours to follow.
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        verify=policy.ssl_context if policy.ssl_context is not None else True,
    )


def _send(client: httpx.Client, target: _Target) -> httpx.Response:
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else None
    client.cookies.clear()  # nothing one server sets may travel to the next
    request = client.build_request(
        "GET",
        target.pinned_url,
        headers={
            "Host": target.host_header,
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "identity",
        },
        extensions=extensions,
    )
    try:
        return client.send(request, stream=True)
    except httpx.TimeoutException:
        raise InvalidInput("the server did not answer in time", field=_FIELD) from None
    except (httpx.HTTPError, ssl.SSLError, OSError):
        # The exception text may carry remote data; say only what kind of failure it was.
        raise InvalidInput("could not connect to the server", field=_FIELD) from None


def _next_hop(target: _Target, response: httpx.Response) -> httpx.URL:
    location = response.headers.get("location")
    if not location:
        raise InvalidInput(
            f"the server answered HTTP {response.status_code} without a location", field=_FIELD
        )
    try:
        nxt = target.url.join(location)  # relative to the URL as written, never the pinned IP
    except (httpx.InvalidURL, ValueError):
        raise InvalidInput("the server redirected to an invalid address", field=_FIELD) from None
    if target.url.scheme == "https" and nxt.scheme == "http":
        raise InvalidInput("a redirect from https to http is not allowed", field=_FIELD)
    return _parse(str(nxt))


def _stream_body(
    response: httpx.Response, dest: BinaryIO, *, max_bytes: int, deadline: float
) -> int:
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        # We asked for identity; decoding a compressed body could bomb memory before any cap.
        raise InvalidInput("the server sent a compressed response", field=_FIELD)
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"the response is larger than {max_bytes} bytes")
    size = 0
    try:
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(f"the response is larger than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise InvalidInput("the server did not answer in time", field=_FIELD)
            dest.write(chunk)
    except httpx.TimeoutException:
        raise InvalidInput("the server did not answer in time", field=_FIELD) from None
    except httpx.HTTPError:
        raise InvalidInput(
            "the connection failed while reading the response", field=_FIELD
        ) from None
    return size


def _parse(url: str) -> httpx.URL:
    if len(url) > MAX_URL_CHARS:
        raise InvalidInput(f"at most {MAX_URL_CHARS} characters", field=_FIELD)
    if _BAD_URL_CHARS.search(url):
        raise InvalidInput("must not contain spaces, control characters or '\\'", field=_FIELD)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        raise InvalidInput("is not a valid URL", field=_FIELD) from None
    if parsed.scheme not in ("http", "https"):
        raise InvalidInput("only http and https URLs are allowed", field=_FIELD)
    if parsed.userinfo:
        raise InvalidInput("must not contain a user name or password", field=_FIELD)
    if not parsed.raw_host:
        raise InvalidInput("must name a host", field=_FIELD)
    if parsed.port == 0:
        raise InvalidInput("is not a valid URL", field=_FIELD)
    return parsed


def _resolve(url: httpx.URL, policy: OutboundPolicy) -> _Target:
    """Check the host against the policy and pick the one address the connection will use."""
    host = url.raw_host.decode("ascii").lower()
    port = url.port or (443 if url.scheme == "https" else 80)
    literal = _ip_literal(host)
    host_text = str(literal) if literal is not None else host
    key = f"[{host_text}]:{port}" if ":" in host_text else f"{host_text}:{port}"
    if policy.allowed_hosts and not {host_text, key} & policy.allowed_hosts:
        raise InvalidInput("the host is not on the list of allowed hosts", field=_FIELD)
    addresses = [literal] if literal is not None else _lookup(host, port)
    if not policy.allow_private and key not in policy.allowed_private_hosts:
        for address in addresses:
            reason = blocked_reason(address)
            if reason is not None:
                raise InvalidInput(f"the address resolves to {reason}", field=_FIELD)
    return _Target(url=url, host=host_text, port=port, address=addresses[0])


def _ip_literal(host: str) -> IPAddress | None:
    """The address when the host is an IP literal; refuses odd numeric spellings."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidInput("is not a valid IPv6 address", field=_FIELD) from None
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
    except OSError:
        if not _HOST_NAME.match(host):
            raise InvalidInput("is not a valid host name", field=_FIELD) from None
        return None
    # 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 all mean 127.0.0.1 to the C resolver.
    raise InvalidInput("write a numeric address as four decimal numbers", field=_FIELD)


def _lookup(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise InvalidInput("the host name could not be resolved", field=_FIELD) from None
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        text = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            continue
    if not addresses:
        raise InvalidInput("the host name could not be resolved", field=_FIELD)
    return addresses
