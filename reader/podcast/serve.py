"""`reader serve`: an export folder, read-only over HTTP, for a podcast app.

Starlette's :class:`~starlette.responses.FileResponse` does the file serving (byte
ranges with ``206``, ``HEAD``, ``Content-Length``, ``ETag``, ``Last-Modified``,
streaming in 64 KiB chunks) under uvicorn. What is ours:

- only what an export folder is for is served: its audio (``.mp3``, ``.wav``),
  ``feed.xml``, ``playlist.m3u`` and a cover image, by plain name at the top of the
  folder; anything else, ``..``, encoded slashes, hidden files and symlinks leading
  out of the folder are 404;
- ``feed.xml`` is made per request from the folder (:mod:`reader.podcast.feed`) with
  enclosure URLs pointing at this server, as the client reached it;
- a malformed ``Range`` is 416, as an unsatisfiable one is;
- connections are bounded (:func:`guarded_protocol`): one that has not sent a whole
  request within :data:`IDLE_SECONDS` of opening, or of its last answer, is closed
  (uvicorn's own keep-alive timer starts only after a first answer, and stops at the
  first byte of the next request: a client that sends nothing, or half its headers,
  held its connection for ever), and one client holds at most
  :data:`PER_CLIENT` connections at once (the next ones get a ``503`` and are closed).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reader.podcast.feed import FEED, MIME, PLAYLIST

COVERS = ("cover.jpg", "cover.jpeg", "cover.png", "cover.webp", "folder.jpg", "folder.png")
TYPES = {
    **MIME,
    ".m3u": "audio/x-mpegurl",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
IDLE_SECONDS = 10.0  # to send a whole request, from the connection or the last answer
# Connections one address may hold at once: a player opens a few, the benchmark's 20
# clients on one machine 20 (benchmarks/feeds.py); a client past it gets a 503.
PER_CLIENT = 32
MAX_CONNECTIONS = 256  # in all; past that, 503 (uvicorn's limit_concurrency)

# A Host header we trust to build links with: a name or an address, and a port.
_HOST = re.compile(r"[A-Za-z0-9.\-]{1,253}(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](?::[0-9]{1,5})?")


def servable(folder: Path, name: str) -> Path | None:
    """The file ``name`` names in ``folder`` if it may be served, else ``None``."""
    if not name or "/" in name or "\\" in name or "\x00" in name or name.startswith("."):
        return None
    lower = name.lower()
    if not (Path(lower).suffix in MIME or lower in (PLAYLIST, *COVERS)):
        return None
    root = folder.resolve()
    try:
        path = (root / name).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if path.parent != root or not path.is_file():
        return None  # a symlink leading out of the folder, or not a file
    return path


def _base_url(request: Any, fallback: str) -> str:
    host = request.headers.get("host", "")
    if host and _HOST.fullmatch(host):
        return f"http://{host}/"
    return fallback


def make_app(folder: Path, base_url: str) -> Any:
    """The Starlette application serving ``folder``; ``base_url`` when Host is unusable."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from reader.podcast.feed import rss, scan

    root = folder.resolve()

    class Ranged(FileResponse):
        """A malformed Range is 416 (Starlette says 400)."""

        @classmethod
        def _parse_range_header(cls, http_range: str, file_size: int) -> list[tuple[int, int]]:
            from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable

            try:
                return super()._parse_range_header(http_range, file_size)
            except MalformedRangeHeader:
                raise RangeNotSatisfiable(file_size) from None

    def not_found() -> Response:
        return PlainTextResponse("not found\n", status_code=404)

    async def feed(request: Request) -> Response:
        import anyio

        def build() -> bytes:
            title = root.name or "reader"
            return rss(scan(root), folder=root, title=title, base_url=_base_url(request, base_url))

        body = await anyio.to_thread.run_sync(build)
        return Response(body, media_type="application/rss+xml; charset=utf-8")

    async def file(request: Request) -> Response:
        name = request.path_params["name"]
        if name == FEED:
            return await feed(request)
        path = servable(root, name)
        if path is None:
            return not_found()
        media = TYPES.get(path.suffix.lower(), "application/octet-stream")
        return Ranged(path, media_type=media, stat_result=path.stat())

    async def index(request: Request) -> Response:
        return PlainTextResponse(f"reader: subscribe to {_base_url(request, base_url)}{FEED}\n")

    return Starlette(
        routes=[
            Route("/", index, methods=["GET", "HEAD"]),
            Route("/{name}", file, methods=["GET", "HEAD"]),
        ]
    )


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), or its name."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.254.254.254", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return socket.gethostname()
    finally:
        probe.close()


def public_url(host: str, port: int) -> str:
    """The address to type into a phone (or a player on this machine)."""
    if host in ("0.0.0.0", "::", ""):
        host = lan_address()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def guarded_protocol(idle: float = IDLE_SECONDS, per_client: int = PER_CLIENT) -> type[Any]:
    """uvicorn's HTTP/1.1 protocol (h11) with the two bounds above."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Guarded(H11Protocol):
        _idle_timer: Any = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            address = self.client[0] if self.client else None
            held = sum(
                1
                for other in self.connections
                if isinstance(other, Guarded) and other.client and other.client[0] == address
            )
            if address is not None and held > per_client:
                transport.write(_TOO_MANY)  # this client holds enough of them already
                transport.close()
                return
            self._watch()

        def _watch(self) -> None:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            self._idle_timer = self.loop.call_later(idle, self._idle)

        def _idle(self) -> None:
            """Time is up: close unless an answer is under way (a large file to a slow
            player is not idle; its end starts the clock again)."""
            self._idle_timer = None
            answering = self.cycle is not None and not self.cycle.response_complete
            if not answering and not self.transport.is_closing():
                self.transport.close()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._watch()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
            super().connection_lost(exc)

    return Guarded


_TOO_MANY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
    b"Content-Length: 0\r\n\r\n"
)


def server(
    folder: Path, sock: socket.socket, *, idle: float = IDLE_SECONDS, per_client: int = PER_CLIENT
) -> Any:
    """A uvicorn server for ``folder`` on an already bound socket (tests, benchmarks)."""
    import uvicorn

    host, port = sock.getsockname()[:2]
    app = make_app(folder, public_url(host, port))
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http=guarded_protocol(idle, per_client),
        timeout_keep_alive=min(5, int(idle) or 1),
        limit_concurrency=MAX_CONNECTIONS,
    )
    return uvicorn.Server(config)


def serve(
    folder: Path, *, host: str = "127.0.0.1", port: int = 8000, announce: Callable[[str], Any]
) -> None:
    """Serve ``folder`` until interrupted; ``announce`` gets the lines for the user."""
    from reader.errors import ReaderError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ReaderError(f"{host}:{port}", f"cannot listen there ({error.strerror})") from None
    sock.listen(128)
    bound = sock.getsockname()[1]
    url = public_url(host, bound)
    announce(f"serving {folder.resolve()} (read-only); press Ctrl-C to stop")
    if host in ("0.0.0.0", "::"):
        announce(f"on your phone (same network), subscribe to: {url}{FEED}")
        announce("anyone on this network can read these files while this runs")
    else:
        announce(f"subscribe to: {url}{FEED}")
    try:
        server(folder, sock).run(sockets=[sock])
    finally:
        sock.close()
