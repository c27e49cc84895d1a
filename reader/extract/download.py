"""Downloading a large file to disk, resumable, within the fetch module's limits.

:func:`reader.extract.fetch.fetch` reads a page into memory (at most 20 MB). A voice
model is 20 to 120 MB and a download of that size may break off, so this streams to
an open file instead, from where it stopped: an ``offset`` asks for the rest with an
HTTP ``Range`` request (a server that ignores it sends the whole file again, which is
then written from the start). What it shares with ``fetch``: its connection pool
(TLS verified, the same user agent), its connect and read timeouts, the overall
deadline kept by a timer that shuts the sockets, at most 5 redirects, and its one-line
reasons. What differs: the size cap is the size the caller expects (the catalogue's),
and the body is read raw (``Accept-Encoding: identity``) so that sizes, ranges and
checksums are those of the file. A local file (a mirror on disk) is copied the same
way, from ``offset``, with the same cap.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

from reader.errors import FetchError, InputError
from reader.extract.addresses import Guard
from reader.extract.fetch import (
    MAX_REDIRECTS,
    READ_TIMEOUT,
    _answered,
    _pool,
    _reason,
    _too_slow,
    _Watch,
    urllib3_timeout,
)

CHUNK = 256 * 1024
# A content range as servers send it: "bytes 100-199/200" (or "*" for an unknown total).
_CONTENT_RANGE = re.compile(r"bytes (\d{1,15})-(\d{1,15})/(\d{1,15}|\*)")

Progress = Callable[[int], None]  # called with the bytes the file has so far


class Cancelled(FetchError):
    """The download was asked to stop (what arrived is kept, to resume later)."""


def download(
    url: str,
    handle: BinaryIO,
    *,
    size: int,
    offset: int = 0,
    deadline: float,
    subject: str | None = None,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write the bytes of ``url`` from ``offset`` to ``handle`` (positioned at ``offset``);
    return the size of the file written (``offset`` plus what arrived).

    ``size`` is what the file should be: more is refused as soon as it arrives.
    ``deadline`` (seconds) bounds the whole call, redirects included. Raises
    :class:`FetchError` (:class:`Cancelled` when ``cancel`` is set) naming ``subject``,
    or :class:`InputError` when the file cannot be written.
    """
    import urllib3.exceptions as ue

    name = subject or url
    start = time.monotonic()
    with _Watch(deadline) as watch:
        try:
            limits = _Limits(name, start, watch)
            return _download(url, handle, size, offset, limits, on_progress, cancel)
        except (FetchError, ue.HTTPError, OSError) as exc:
            if isinstance(exc, Cancelled):
                raise
            capped = isinstance(exc, ue.ReadTimeoutError) and watch.remaining < READ_TIMEOUT
            if watch.expired or capped or time.monotonic() - start > deadline:
                raise FetchError(name, _too_slow(deadline)) from None
            if isinstance(exc, FetchError):
                raise
            raise FetchError(name, _reason(exc)) from None


class _Limits:
    """The subject, the start and the deadline's watch of one download."""

    def __init__(self, subject: str, start: float, watch: _Watch) -> None:
        self.subject = subject
        self.start = start
        self.watch = watch

    def remaining(self) -> float:
        left = self.watch.seconds - (time.monotonic() - self.start)
        if left <= 0:
            raise FetchError(self.subject, _too_slow(self.watch.seconds))
        self.watch.remaining = left
        return left


def _download(
    url: str,
    handle: BinaryIO,
    size: int,
    offset: int,
    limits: _Limits,
    on_progress: Progress | None,
    cancel: threading.Event | None,
) -> int:
    from reader.config import settings

    # As every fetch: no redirect from a public address into private space.
    guard = Guard(limits.subject, allow_private=settings().private_addresses)
    pool = _pool(limits.watch, guard)
    headers = {**pool.headers, "Accept": "*/*", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    seen = [url]
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        if urlsplit(current).scheme.lower() not in ("http", "https"):
            raise FetchError(limits.subject, f"redirected to an unsupported address ({current})")
        guard.target = current
        response = pool.request(
            "GET",
            current,
            redirect=False,
            preload_content=False,
            timeout=urllib3_timeout(limits.remaining()),
            headers=headers,
        )
        _answered(guard, current)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(
                        limits.subject, f"HTTP {response.status} redirect without a target"
                    )
                current = urljoin(current, location)
                if current in seen:
                    raise FetchError(limits.subject, "redirect loop")
                seen.append(current)
                continue
            begins = _where_it_starts(response, offset, size, limits.subject)
            if begins is None:  # nothing past what the file has: the caller checks it
                return offset
            offset = begins
            handle.seek(offset)
            handle.truncate()
            return _read_into(response, handle, size, offset, limits, on_progress, cancel)
        finally:
            response.release_conn()
            response.close()
    raise FetchError(limits.subject, f"too many redirects (more than {MAX_REDIRECTS})")


def _where_it_starts(response: Any, offset: int, size: int, subject: str) -> int | None:
    """The offset the answer's body starts at: ``offset`` for a range answer, 0 for the
    whole file, None when the range asked for is past the file's end (nothing to add)."""
    status = response.status
    if status == 416 and offset:  # asked from the end of a complete file
        return None
    if status >= 400:
        phrase = (response.reason or "")[:100]
        raise FetchError(subject, f"HTTP {status} {phrase}".rstrip())
    if status == 206:
        found = _CONTENT_RANGE.fullmatch((response.headers.get("Content-Range") or "").strip())
        if found is None or int(found.group(1)) != offset:
            raise FetchError(subject, "the server answered with another part of the file")
        total = found.group(3)
        if total != "*" and int(total) != size:
            raise FetchError(subject, _other_size(int(total), size))
        return offset
    if status != 200:
        raise FetchError(subject, f"HTTP {status} instead of the file")
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) != size:
        raise FetchError(subject, _other_size(int(length), size))
    return 0


def _other_size(got: int, size: int) -> str:
    return f"the server's file has {got} bytes where {size} were expected"


def _read_into(
    response: Any,
    handle: BinaryIO,
    size: int,
    offset: int,
    limits: _Limits,
    on_progress: Progress | None,
    cancel: threading.Event | None,
) -> int:
    have = offset
    for chunk in _pieces(response):
        have += len(chunk)
        if have > size:
            raise FetchError(limits.subject, f"the file is larger than the {size} bytes expected")
        _write(handle, chunk)
        if on_progress is not None:
            on_progress(have)
        if cancel is not None and cancel.is_set():
            raise Cancelled(limits.subject, "the download was stopped")
        limits.remaining()
    return have


def _pieces(response: Any) -> Iterator[bytes]:
    """The raw body as it arrives: ``read1`` hands over what the socket has (up to
    :data:`CHUNK`), so a server that stalls mid-file leaves its last bytes written, not
    waiting in a buffer for a full chunk."""
    read1 = getattr(response, "read1", None)
    if read1 is None:  # urllib3 before 2.1
        yield from response.stream(CHUNK, decode_content=False)
        return
    while chunk := read1(CHUNK, decode_content=False):
        yield chunk


def _write(handle: BinaryIO, chunk: bytes) -> None:
    try:
        handle.write(chunk)
    except OSError as error:
        name = str(getattr(handle, "name", "the file"))
        raise InputError(name, f"cannot be written ({error.strerror or error})") from None


def copy_local(
    path: Path,
    handle: BinaryIO,
    *,
    size: int,
    offset: int = 0,
    subject: str | None = None,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """:func:`download` for a file on disk (a mirror in a folder): a regular file only
    (never blocks on a named pipe), at most ``size`` bytes, from ``offset``."""
    name = subject or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FetchError(name, f"no such file: {path}") from None
    except OSError as error:
        raise FetchError(name, f"cannot read {path} ({error.strerror or error})") from None
    with os.fdopen(fd, "rb") as source:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FetchError(name, f"not a regular file: {path}")
        if info.st_size != size:
            raise FetchError(name, _other_size(info.st_size, size))
        offset = min(offset, size)
        source.seek(offset)
        handle.seek(offset)
        handle.truncate()
        have = offset
        while have < size:
            try:
                chunk = source.read(min(CHUNK, size - have))
            except OSError as error:
                raise FetchError(name, f"cannot read {path} ({error.strerror or error})") from None
            if not chunk:
                break
            have += len(chunk)
            _write(handle, chunk)
            if on_progress is not None:
                on_progress(have)
            if cancel is not None and cancel.is_set():
                raise Cancelled(name, "the download was stopped")
        return have
