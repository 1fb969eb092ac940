"""The polite, safe fetcher: one GET of an http(s) URL, within limits.

Every request: only ``http``/``https``; every address the host resolves to
is checked, on every redirect hop, and loopback, private, link-local,
reserved and multicast ranges are refused before connecting unless the
host is allowed (:attr:`FetchLimits.allow_hosts`); ``robots.txt`` is
honoured (one read per host, kept an hour); one request per host per
``min_interval_s``; a timeout on connect and on every read; the body is cut
off past ``max_bytes`` (counted after gzip is undone, so a gzip bomb stops
there too); redirects are followed by hand, at most ``max_redirects``, and a
loop is named as one. A clear ``User-Agent`` (``rag-news/<version>``).

Each request connects to an address its own check resolved and let
through, never to a name resolved again (the URL's host kept in ``Host`` and, for https,
in the TLS server name, so the certificate is still verified against it):
a DNS answer that changes between the check and the connection (DNS
rebinding) cannot send it to an internal address.

Every failure is a :class:`rag._exceptions.FetchError` whose message is one
line naming the URL's problem.

Example:
    >>> fetcher = Fetcher(FetchLimits(timeout_s=5))  # doctest: +SKIP
    >>> fetcher.get("https://example.com/news/1").status  # doctest: +SKIP
    200
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import urllib.parse
import urllib.robotparser
from dataclasses import dataclass, field
from importlib import metadata

import httpx

from ._exceptions import FetchError

__all__ = ["FetchLimits", "Fetcher", "Response", "pinned_request", "user_agent"]

_ROBOTS_TTL_S = 3600.0
_REDIRECTS = (301, 302, 303, 307, 308)


def user_agent() -> str:
    """``rag-news/<version>``, how every request introduces itself."""
    try:
        version = metadata.version("rag-news")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        version = "0.1.0"
    return f"rag-news/{version}"


@dataclass(frozen=True)
class FetchLimits:
    """The fetcher's limits: the one configuration object of fetching.

    Attributes:
        timeout_s: Seconds to connect, and between two reads of the body.
        max_bytes: Largest body read (after gzip is undone); a larger one fails.
        max_redirects: Redirect hops followed; more is an error.
        min_interval_s: Least time between two requests to one host.
        allow_hosts: Hosts (names or IPs, as written in URLs) let through
            although they resolve to loopback or private addresses.
        robots: Honour ``robots.txt``.
        max_articles: Most articles read from one feed, sitemap or list of URLs.

    Example:
        >>> FetchLimits(allow_hosts=frozenset({"127.0.0.1"})).allows("127.0.0.1")
        True
    """

    timeout_s: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    min_interval_s: float = 1.0
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    robots: bool = True
    max_articles: int = 200

    def allows(self, host: str) -> bool:
        """Whether ``host`` was opened with ``--allow-host`` (case-insensitive, brackets of IPv6 ignored)."""
        return host.lower().strip("[]") in {h.lower().strip("[]") for h in self.allow_hosts}


@dataclass(frozen=True)
class Response:
    """A fetched URL.

    Attributes:
        url: The URL finally answered (after redirects).
        status: 200, or 304 when the validators sent still hold.
        body: The body (decompressed); empty for 304.
        content_type: The media type without parameters (``text/html``).
        charset: The declared charset, or ``None``.
        etag / last_modified: The validators to send next time, if any.
    """

    url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    def text(self) -> str:
        """The body as text, in its declared charset (UTF-8 otherwise), undecodable bytes replaced."""
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:  # an unknown charset name
            return self.body.decode("utf-8", errors="replace")


class Fetcher:
    """GETs URLs within :class:`FetchLimits`; one instance keeps robots.txt and per-host timing between calls.

    Example:
        >>> with Fetcher(FetchLimits(allow_hosts=frozenset({"127.0.0.1"}))) as fetcher:  # doctest: +SKIP
        ...     fetcher.get("http://127.0.0.1:8000/feed.xml").content_type
        'application/rss+xml'
    """

    def __init__(self, limits: FetchLimits | None = None):
        self.limits = limits or FetchLimits()
        # One client (one connection pool) per host name: connections are made to addresses, and two sites
        # behind one address (a CDN) must never share a TLS connection made for the other's name.
        self._clients: dict[str, httpx.Client] = {}
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = {}
        self._last_request: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def _client(self, host: str) -> httpx.Client:
        """The client whose connections serve ``host`` only."""
        with self._lock:
            if host not in self._clients:
                self._clients[host] = httpx.Client(
                    follow_redirects=False,  # followed by hand: every hop's address is checked
                    timeout=httpx.Timeout(self.limits.timeout_s),
                    headers={"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate"},
                    trust_env=False,  # no proxy from the environment: the address check must see the real host
                )
            return self._clients[host]

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET ``url``, following redirects; with ``etag``/``last_modified``, a 304 says nothing changed.

        Raises:
            FetchError: Any reason the URL can't be read, in one line.
        """
        seen: list[str] = []
        current = url
        while True:
            self._check(current)
            if self.limits.robots and not self._robots_allow(current):
                raise FetchError(f"{current}: robots.txt disallows fetching it")
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            response = self._send(current, headers)
            if response.status in _REDIRECTS:
                location = response.location
                if not location:
                    raise FetchError(f"{current}: HTTP {response.status} redirect without a Location")
                seen.append(current)
                target = urllib.parse.urljoin(current, location)
                if target in seen:
                    raise FetchError(f"{url}: redirect loop ({' -> '.join([*seen, target])})")
                if len(seen) > self.limits.max_redirects:
                    raise FetchError(f"{url}: more than {self.limits.max_redirects} redirects")
                current = target
                continue
            return response.result

    def _check(self, url: str) -> list[str]:
        """The addresses to connect to for ``url``, each checked; refuse a URL that is not http(s), or whose host
        resolves to an address not let through.

        An allowed host (:attr:`FetchLimits.allow_hosts`) is resolved without the check.
        """
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise FetchError(f"{url}: not a valid URL ({error})") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise FetchError(f"{url}: only http and https URLs are fetched, not {parts.scheme or 'a bare path'}")
        host = parts.hostname
        if not host:
            raise FetchError(f"{url}: the URL names no host")
        try:
            infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise FetchError(f"{url}: cannot resolve host {host} ({error})") from None
        addresses: list[str] = []
        for info in infos:
            text = str(info[4][0])
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not self.limits.allows(host) and (not address.is_global or address.is_multicast):
                where = f"{address} is" if host.strip("[]") == str(address) else f"host {host} resolves to {address},"
                raise FetchError(
                    f"{url}: {where} a loopback, private or link-local address; refused before connecting "
                    f"(--allow-host {host} lets it through)"
                )
            if text not in addresses:
                addresses.append(text)
        return addresses

    def _robots_allow(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        if parts.path == "/robots.txt":
            return True
        origin = f"{parts.scheme}://{parts.netloc}"
        now = time.monotonic()
        with self._lock:
            cached = self._robots.get(origin)
        if cached is None or now - cached[0] > _ROBOTS_TTL_S:
            cached = (now, self._read_robots(origin))
            with self._lock:
                self._robots[origin] = cached
        parser = cached[1]
        return parser is None or parser.can_fetch(user_agent(), url)

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """The origin's robots.txt; ``None`` (all allowed) when it has none (4xx), as RFC 9309 says."""
        robots_url = f"{origin}/robots.txt"
        try:
            response = self._send(robots_url, {})
        except FetchError as error:
            raise FetchError(f"{origin}: robots.txt could not be read, so nothing is fetched ({error})") from None
        if response.status in _REDIRECTS or 400 <= response.status < 500:
            return None
        parser = urllib.robotparser.RobotFileParser(robots_url)
        parser.parse(response.result.text().splitlines())
        return parser

    def _wait_turn(self, host: str) -> None:
        """Sleep until ``min_interval_s`` has passed since the last request to ``host``."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._last_request.get(host, -1e9) + self.limits.min_interval_s)
            self._last_request[host] = start  # reserved, so two threads never share one slot
        if start > now:
            time.sleep(start - now)

    def _send(self, url: str, headers: dict[str, str]) -> _Sent:
        """One GET of ``url`` at the addresses :meth:`_check` resolved and let through, tried in their order."""
        addresses = self._check(url)
        self._wait_turn(urllib.parse.urlsplit(url).hostname or "")
        for i, address in enumerate(addresses):
            try:
                return self._send_to(url, address, headers)
            except _Unreachable as error:
                if i == len(addresses) - 1:
                    raise FetchError(f"{url}: cannot connect ({error})") from None
        raise FetchError(f"{url}: the host has no address")  # getaddrinfo answers with one at least

    def _send_to(self, url: str, address: str, headers: dict[str, str]) -> _Sent:
        """One GET of ``url`` connected to ``address``: the URL's host stays in ``Host`` and the TLS server name."""
        pinned, host, name = pinned_request(url, address)
        headers = {"Host": host, **headers}
        extensions = {"sni_hostname": name} if pinned.startswith("https:") else {}
        limit = self.limits.max_bytes
        try:
            with self._client(name).stream("GET", pinned, headers=headers, extensions=extensions) as response:
                if response.status_code in _REDIRECTS:
                    return _Sent(response.status_code, response.headers.get("location"), Response(url, response.status_code))
                if response.status_code == 304:
                    return _Sent(304, None, Response(url, 304, etag=response.headers.get("etag"),
                                                     last_modified=response.headers.get("last-modified")))
                if response.status_code >= 400:
                    if url.endswith("/robots.txt") and response.status_code < 500:
                        return _Sent(response.status_code, None, Response(url, response.status_code))
                    raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip())
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise FetchError(f"{url}: {_size(int(declared))} is over the {_size(limit)} limit")
                body = bytearray()
                for piece in response.iter_bytes():  # decompressed: the cap counts what gzip expands to
                    body += piece
                    if len(body) > limit:
                        raise FetchError(f"{url}: larger than the {_size(limit)} limit; stopped reading")
                media, _, params = response.headers.get("content-type", "").partition(";")
                charset = next((p.split("=", 1)[1].strip().strip("\"'") for p in params.split(";")
                                if p.strip().lower().startswith("charset=")), None)
                return _Sent(response.status_code, None, Response(
                    url, response.status_code, bytes(body), media.strip().lower(), charset,
                    response.headers.get("etag"), response.headers.get("last-modified"),
                ))
        except httpx.ConnectTimeout:  # no answer from this address (an IPv6 route that goes nowhere): try the next
            raise _Unreachable(f"no answer within {self.limits.timeout_s:g}s") from None
        except httpx.ConnectError as error:  # this address refused or is unreachable: the next one may answer
            raise _Unreachable(" ".join(str(error).split()) or type(error).__name__) from None
        except httpx.TimeoutException:
            raise FetchError(f"{url}: timed out after {self.limits.timeout_s:g}s") from None
        except httpx.DecodingError as error:
            raise FetchError(f"{url}: the body could not be decompressed ({error})") from None
        except httpx.HTTPError as error:
            detail = " ".join(str(error).split()) or type(error).__name__
            raise FetchError(f"{url}: cannot connect ({detail})") from None


class _Unreachable(Exception):
    """One resolved address could not be connected to (its message says why)."""


def pinned_request(url: str, address: str) -> tuple[str, str, str]:
    """``url`` addressed to ``address`` instead of its host; the ``Host`` header; the host's name for TLS.

    The host is written as HTTP sends it (lower case, an international name
    in its ASCII form, the port only when the URL gives one); credentials in
    the URL are not carried over, and neither is the fragment.

    Example:
        >>> pinned_request("https://News.Example:8443/feed.xml?x=1#top", "93.184.216.34")
        ('https://93.184.216.34:8443/feed.xml?x=1', 'news.example:8443', 'news.example')
        >>> pinned_request("http://bücher.example/a", "2001:db8::1")
        ('http://[2001:db8::1]/a', 'xn--bcher-kva.example', 'xn--bcher-kva.example')
        >>> pinned_request("http://user:pw@[::1]:8000", "::1")
        ('http://[::1]:8000/', '[::1]:8000', '::1')
    """
    parts = urllib.parse.urlsplit(url)
    name = (parts.hostname or "").lower()
    if ":" not in name:  # not an IPv6 literal: an international name goes in its ASCII form
        name = name.encode("idna").decode("ascii")
    literal = f"[{address.replace('%', '%25')}]" if ":" in address else address
    port = f":{parts.port}" if parts.port else ""
    pinned = urllib.parse.urlunsplit((parts.scheme.lower(), literal + port, parts.path or "/", parts.query, ""))
    return pinned, (f"[{name}]" if ":" in name else name) + port, name


@dataclass(frozen=True)
class _Sent:
    """One request's answer: its status, a redirect's target, and the response."""

    status: int
    location: str | None
    result: Response


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.3g} MB" if n_bytes >= 2**20 else f"{n_bytes / 1024:.3g} KB"
