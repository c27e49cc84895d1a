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
  :class:`~reader.errors.FetchError` messages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from reader import __version__
from reader.errors import FetchError
from reader.extract.sources import MAX_BYTES, not_text_reason, too_large

CONNECT_TIMEOUT = 10.0  # seconds to open the connection (DNS, TCP, TLS)
READ_TIMEOUT = 20.0  # seconds of silence allowed while waiting for bytes
DEADLINE = 60.0  # seconds for the whole fetch, redirects included
MAX_REDIRECTS = 5
USER_AGENT = f"hark-reader/{__version__} (offline article reader)"

# Content types we read. Anything else is refused before its body is downloaded;
# a missing or generic type is left to the content sniffer.
_TEXT_TYPES = ("text/", "application/xhtml+xml", "application/xml", "application/rss+xml")
_UNKNOWN_TYPES = ("", "application/octet-stream", "binary/octet-stream")


@dataclass(frozen=True, slots=True)
class Fetched:
    """The body of a successful fetch."""

    url: str  # the final URL, after redirects
    data: bytes
    content_type: str  # media type, lower case, without parameters ("" if none)
    charset: str | None  # the charset parameter of Content-Type, if any


@lru_cache(maxsize=1)
def _pool() -> Any:
    import urllib3

    try:
        import certifi

        ca_certs: str | None = certifi.where()
    except ImportError:  # pragma: no cover - certifi comes with trafilatura
        ca_certs = None
    return urllib3.PoolManager(
        num_pools=4,
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_certs,
        retries=False,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
        },
    )


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
    if isinstance(exc, ue.NameResolutionError):
        return "host not found (DNS lookup failed)"
    if isinstance(exc, ue.NewConnectionError):
        text = str(exc).lower()
        if "refused" in text:
            return "cannot connect (connection refused)"
        if "timed out" in text:
            return f"connection timed out after {CONNECT_TIMEOUT:g} s"
        return "cannot connect (host unreachable)"
    if isinstance(exc, ue.ConnectTimeoutError):
        return f"connection timed out after {CONNECT_TIMEOUT:g} s"
    if isinstance(exc, ue.ReadTimeoutError):
        return f"no response within {READ_TIMEOUT:g} s (read timeout)"
    if isinstance(exc, ue.SSLError):
        return f"TLS error: {exc.args[0] if exc.args else exc}".split("\n")[0]
    if isinstance(exc, ue.ProtocolError):
        return "the connection broke off"
    return str(exc).split("\n")[0] or type(exc).__name__


def fetch(url: str, *, source: str | None = None) -> Fetched:
    """Download ``url`` within the limits above, or raise :class:`FetchError`."""
    import urllib3.exceptions as ue

    subject = source or url
    start = time.monotonic()
    seen = [url]
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        if urlsplit(current).scheme.lower() not in ("http", "https"):
            raise FetchError(subject, f"redirected to an unsupported address ({current})")
        try:
            response = _pool().request(
                "GET",
                current,
                redirect=False,
                preload_content=False,
                timeout=urllib3_timeout(),
            )
        except ue.HTTPError as exc:
            raise FetchError(subject, _reason(exc)) from None
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
            if response.status >= 400:
                phrase = response.reason or ""
                raise FetchError(subject, f"HTTP {response.status} {phrase}".rstrip())
            content_type, charset = _parse_content_type(response.headers.get("Content-Type"))
            if not (content_type.startswith(_TEXT_TYPES) or content_type in _UNKNOWN_TYPES):
                raise FetchError(subject, not_text_reason(content_type))
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_BYTES:
                raise FetchError(subject, too_large(int(length)))
            data = _read_body(response, subject, start)
            return Fetched(url=current, data=data, content_type=content_type, charset=charset)
        except ue.HTTPError as exc:
            raise FetchError(subject, _reason(exc)) from None
        finally:
            response.release_conn()
    raise FetchError(subject, f"too many redirects (more than {MAX_REDIRECTS})")


def urllib3_timeout() -> Any:
    import urllib3

    return urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)


def _read_body(response: Any, subject: str, start: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.stream(65536, decode_content=True):
        size += len(chunk)
        if size > MAX_BYTES:
            raise FetchError(subject, too_large())
        if time.monotonic() - start > DEADLINE:
            raise FetchError(subject, f"download took longer than {DEADLINE:g} s")
        chunks.append(chunk)
    return b"".join(chunks)
