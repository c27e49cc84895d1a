"""Fetching a URL: bounded in time and size, verified, and explicit about failures.

We do not use trafilatura's ``fetch_url``: it takes no timeout and, on a certificate
error, silently retries with verification off. Here, with urllib3 (already installed
with trafilatura):

- connect and read timeouts, plus an overall deadline (a server trickling one byte a
  second never trips a read timeout);
- TLS certificates verified against certifi's bundle when present, the system's
  otherwise; no fallback to unverified;
- redirects followed by hand, at most :data:`MAX_REDIRECTS`, loops named as loops;
- at most :data:`~reader.extract.sources.MAX_BYTES` read (after decompression);
- HTTP errors and content that is not HTML or text (a PDF, an image) are one-line
  :class:`~reader.errors.FetchError` messages;
- conditional GET for feeds (``etag=``, ``last_modified=``): a ``304 Not Modified``
  answer is a :class:`Fetched` with ``not_modified`` set and no body.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urljoin, urlsplit

from reader import __version__
from reader.errors import FetchError
from reader.extract import addresses
from reader.extract.addresses import Guard
from reader.extract.sources import MAX_BYTES, not_text_reason, too_large
from reader.text.sanitize import one_line

CONNECT_TIMEOUT = 10.0  # seconds to open the connection (DNS, TCP, TLS)
READ_TIMEOUT = 20.0  # seconds of silence allowed while waiting for bytes
DEADLINE = 60.0  # seconds for the whole fetch, redirects included
MAX_REDIRECTS = 5
USER_AGENT = f"hark-reader/{__version__} (offline article reader)"

# Content types we read. Anything else is refused before its body is downloaded;
# a missing or generic type is left to the content sniffer.
_TEXT_TYPES = ("text/", "application/xhtml+xml", "application/xml", "application/rss+xml")
_UNKNOWN_TYPES = ("", "application/octet-stream", "binary/octet-stream")
# What feeds are served as, besides the types above (``fetch(..., feed=True)``).
FEED_TYPES = (
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
)
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)


@dataclass(frozen=True, slots=True)
class Fetched:
    """The body of a successful fetch."""

    url: str  # the final URL, after redirects
    data: bytes
    content_type: str  # media type, lower case, without parameters ("" if none)
    charset: str | None  # the charset parameter of Content-Type, if any
    etag: str | None = None  # validators for the next conditional GET
    last_modified: str | None = None
    not_modified: bool = False  # a 304 answer to a conditional GET: no body
    public: bool = False  # a public address answered (or led here): its links are held


class _Watch:
    """The overall deadline of one fetch, kept by a timer thread.

    Connect and read timeouts bound each wait, not the sum: a server that sends its
    headers or body one byte a second never trips them. When the deadline passes, the
    timer shuts down every socket the fetch opened, which wakes the blocked read at once
    (it sees the connection end), and :attr:`expired` tells the fetch why.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.remaining = seconds  # what was left when the last request began
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watch:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _pool(watch: _Watch | None = None, guard: Guard | None = None) -> Any:
    """A pool manager for one fetch: its connections resolve names under the deadline,
    connect only where ``guard`` allows, and report their sockets to ``watch``."""
    import urllib3
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    try:
        import certifi

        ca_certs: str | None = certifi.where()
    except ImportError:  # pragma: no cover - certifi comes with trafilatura
        ca_certs = None
    manager = urllib3.PoolManager(
        num_pools=4,
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_certs,
        retries=False,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
        },
    )

    policy = guard or Guard("")

    class GuardedHTTP(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _guarded_conn(self, watch, policy)

    class GuardedHTTPS(HTTPSConnection):
        def _new_conn(self) -> socket.socket:  # the raw socket, under TLS
            return _guarded_conn(self, watch, policy)

        def connect(self) -> None:
            try:
                super().connect()
            except TimeoutError as error:  # the TLS handshake, under the connect limit
                raise _connect_timeout(self, "no TLS handshake", self.timeout) from error

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTP

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPS

    manager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
    return manager


def _guarded_conn(conn: Any, watch: _Watch | None, guard: Guard) -> socket.socket:
    """urllib3's ``_new_conn`` through :func:`reader.extract.addresses.connect`, its
    failures raised as urllib3's own (which :func:`_reason` words)."""
    import urllib3.exceptions as ue

    scheme = "https" if conn.default_port == 443 else "http"
    url = f"{scheme}://{conn.host}:{conn.port}/"
    try:
        return addresses.connect(
            guard,
            url,
            conn._dns_host,
            conn.port,
            conn.timeout,
            conn.socket_options,
            watch.add if watch is not None else None,
        )
    except socket.gaierror as error:
        raise ue.NameResolutionError(conn.host, conn, error) from error
    except addresses.LookupTimeout as error:
        what = f"no answer to the name lookup for {conn.host}"
        raise _connect_timeout(conn, what, error.seconds) from error
    except TimeoutError as error:
        raise _connect_timeout(conn, "no connection", conn.timeout) from error
    except OSError as error:
        raise ue.NewConnectionError(conn, f"cannot connect: {error}") from error


def _connect_timeout(conn: Any, what: str, seconds: Any) -> Exception:
    """urllib3's ConnectTimeoutError, carrying the line that says which limit was hit."""
    from urllib3.exceptions import ConnectTimeoutError

    error = ConnectTimeoutError(conn, what)
    limit = seconds if isinstance(seconds, int | float) else CONNECT_TIMEOUT
    error.reader_reason = f"{what} within {limit:.3g} s (connect timeout)"  # type: ignore[attr-defined]
    return error


def _parse_content_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    message = Message()
    message["content-type"] = value
    charset = message.get_param("charset")
    return message.get_content_type().lower(), str(charset) if isinstance(charset, str) else None


def _reason(exc: BaseException) -> str:
    """A short, human reason for a urllib3 exception (no class paths, no repr noise)."""
    import urllib3.exceptions as ue

    if isinstance(exc, ue.MaxRetryError) and exc.reason is not None:
        return _reason(exc.reason)
    # NameResolutionError < NewConnectionError < ConnectTimeoutError in urllib3 2: the
    # specific ones first.
    told = getattr(exc, "reader_reason", None)
    if isinstance(told, str):
        return told
    if isinstance(exc, ue.NameResolutionError):
        return "host not found (DNS lookup failed)"
    if isinstance(exc, ue.NewConnectionError):
        text = str(exc).lower()
        if "refused" in text:
            return "cannot connect (connection refused)"
        if "timed out" in text:
            return f"no connection within {CONNECT_TIMEOUT:g} s (connect timeout)"
        return "cannot connect (host unreachable)"
    if isinstance(exc, ue.ConnectTimeoutError):
        return f"no connection within {CONNECT_TIMEOUT:g} s (connect timeout)"
    if isinstance(exc, ue.ReadTimeoutError):
        return f"no response within {READ_TIMEOUT:g} s (read timeout)"
    if isinstance(exc, ue.SSLError):
        return one_line(f"TLS error: {exc.args[0] if exc.args else exc}".split("\n")[0])[:200]
    if isinstance(exc, ue.ProtocolError):
        return "the connection broke off"
    if isinstance(exc, ue.DecodeError):  # its text is a Python tuple of two messages
        return "the compressed content could not be decoded (damaged Content-Encoding data)"
    return one_line(str(exc))[:200] or type(exc).__name__


def fetch(
    url: str,
    *,
    source: str | None = None,
    deadline: float | None = None,
    feed: bool = False,
    etag: str | None = None,
    last_modified: str | None = None,
    named_by_public: bool = False,
    allow_private: bool | None = None,
) -> Fetched:
    """Download ``url`` within the limits above, or raise :class:`FetchError`.

    ``deadline`` (seconds, :data:`DEADLINE` by default) bounds the whole fetch: connecting,
    headers, body and redirects. ``feed`` also accepts the feed types (Atom, JSON Feed);
    ``etag`` and ``last_modified`` make the request conditional (``If-None-Match``,
    ``If-Modified-Since``). ``named_by_public``: the URL comes from a document fetched
    from a public address (:attr:`Fetched.public`), so it may not lead into loopback or
    private space, nor may any redirect after a public hop
    (:mod:`reader.extract.addresses`); ``allow_private`` (default: the
    ``private_addresses`` setting) allows both.
    """
    import urllib3.exceptions as ue

    subject = source or url
    limit = DEADLINE if deadline is None else deadline
    start = time.monotonic()
    if allow_private is None:
        from reader.config import settings

        allow_private = settings().private_addresses
    guard = Guard(subject, allow_private=allow_private, from_public=named_by_public)
    with _Watch(limit) as watch:
        try:
            asked = _Request(feed, etag, last_modified)
            fetched = _fetch(url, subject, start, watch, guard, asked)
        except (FetchError, ue.HTTPError, OSError) as exc:
            # A timeout cut short to what was left of the deadline is the deadline too.
            capped = (
                isinstance(exc, ue.ConnectTimeoutError) and watch.remaining < CONNECT_TIMEOUT
            ) or (isinstance(exc, ue.ReadTimeoutError) and watch.remaining < READ_TIMEOUT)
            if watch.expired or capped or time.monotonic() - start > limit:
                raise FetchError(subject, _too_slow(limit)) from None
            if isinstance(exc, FetchError):
                raise
            raise FetchError(subject, _reason(exc)) from None
    # A connection shut by the deadline can look like a short but complete reply (headers
    # cut off at an end of file): what arrived after the deadline does not count.
    if watch.expired:
        raise FetchError(subject, _too_slow(limit))
    return fetched


def _too_slow(limit: float) -> str:
    return f"the download took longer than {limit:g} s (the limit for a whole fetch)"


@dataclass(frozen=True, slots=True)
class _Request:
    """What a feed fetch asks for beyond a page fetch."""

    feed: bool = False
    etag: str | None = None
    last_modified: str | None = None

    def headers(self, defaults: dict[str, str]) -> dict[str, str] | None:
        """Request headers, or None for the pool's own (given ones replace the pool's)."""
        extra: dict[str, str] = {}
        if self.feed:
            extra["Accept"] = FEED_ACCEPT
        if self.etag:
            extra["If-None-Match"] = self.etag
        if self.last_modified:
            extra["If-Modified-Since"] = self.last_modified
        return {**defaults, **extra} if extra else None


def _fetch(
    url: str, subject: str, start: float, watch: _Watch, guard: Guard, asked: _Request
) -> Fetched:
    types = _TEXT_TYPES + FEED_TYPES if asked.feed else _TEXT_TYPES
    limit = watch.seconds
    pool = _pool(watch, guard)
    seen = [url]
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        if urlsplit(current).scheme.lower() not in ("http", "https"):
            raise FetchError(subject, f"redirected to an unsupported address ({current})")
        remaining = limit - (time.monotonic() - start)
        if remaining <= 0:
            raise FetchError(subject, _too_slow(limit))
        watch.remaining = remaining
        guard.target = current
        response = pool.request(
            "GET",
            current,
            redirect=False,
            preload_content=False,
            timeout=urllib3_timeout(remaining),
            headers=asked.headers(pool.headers),
        )
        _answered(guard, current)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(subject, f"HTTP {response.status} redirect without a target")
                nxt = urljoin(current, location)
                if nxt in seen:
                    raise FetchError(subject, "redirect loop")
                seen.append(nxt)
                current = nxt
                continue
            if response.status == 304 and (asked.etag or asked.last_modified):
                return Fetched(
                    url=current,
                    data=b"",
                    content_type="",
                    charset=None,
                    etag=response.headers.get("ETag") or asked.etag,
                    last_modified=response.headers.get("Last-Modified") or asked.last_modified,
                    not_modified=True,
                    public=guard.from_public,
                )
            if response.status >= 400:
                phrase = (response.reason or "")[:100]
                raise FetchError(subject, f"HTTP {response.status} {phrase}".rstrip())
            content_type, charset = _parse_content_type(response.headers.get("Content-Type"))
            if not (content_type.startswith(types) or content_type in _UNKNOWN_TYPES):
                raise FetchError(subject, not_text_reason(content_type[:100]))
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_BYTES:
                raise FetchError(subject, too_large(int(length)))
            data = _read_body(response, subject, start, limit)
            return Fetched(
                url=current,
                data=data,
                content_type=content_type,
                charset=charset,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                public=guard.from_public,
            )
        finally:
            _release(response)
    raise FetchError(subject, f"too many redirects (more than {MAX_REDIRECTS})")


def _answered(guard: Guard, url: str) -> None:
    """The server of ``url`` answered: from a public address, everything after it (its
    redirects, the links of what it sent) is held to the address policy."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    guard.answered((parts.hostname or "").rstrip("."), port)


def _release(response: Any) -> None:
    """Give the connection back for reuse when its answer was read to the end.

    A keep-alive connection whose body was not read (a redirect, an error page, a
    refused type) cannot carry the next request (a redirect to the same host): it is
    closed, not pooled broken. A body known to be empty (304, ``Content-Length: 0``)
    is drained instead.
    """
    empty = response.status == 304 or response.headers.get("Content-Length") == "0"
    if empty:
        try:
            response.drain_conn()
        except Exception:
            response.close()
    elif not response.isclosed():
        response.close()
    response.release_conn()


def urllib3_timeout(remaining: float | None = None) -> Any:
    """Connect and read timeouts, neither longer than ``remaining`` seconds."""
    import urllib3

    cap = float("inf") if remaining is None else max(remaining, 0.001)
    return urllib3.Timeout(connect=min(CONNECT_TIMEOUT, cap), read=min(READ_TIMEOUT, cap))


def _read_body(response: Any, subject: str, start: float, limit: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.stream(65536, decode_content=True):
        size += len(chunk)
        if size > MAX_BYTES:
            raise FetchError(subject, too_large())
        if time.monotonic() - start > limit:
            raise FetchError(subject, _too_slow(limit))
        chunks.append(chunk)
    return b"".join(chunks)
