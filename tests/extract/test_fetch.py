"""URL fetching against a real HTTP server on 127.0.0.1 started by the tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reader.errors import FetchError, InputError
from reader.extract import extract, fetch, load

ARTICLE = (
    "<!DOCTYPE html><html lang='en'><head><title>Tide tables</title></head><body>"
    "<article><h1>Tide tables</h1>"
    + "".join(
        f"<p>Paragraph {i}: the harbour master publishes the tide tables every week, and "
        "the fishing crews plan their trips around the two daily high waters.</p>"
        for i in range(6)
    )
    + "</article></body></html>"
)
CP1252_TEXT = (
    "Café society\n\nThe naïve “crème brûlée” costs 5 € at the café on the quay, and "
    "the fishermen’s wives say it is the best on the coast.\n"
)
LATIN1_TEXT = "Café society\n\nThe naïve crème brûlée costs 5 francs at the café, « très bon ».\n"


class Handler(BaseHTTPRequestHandler):
    """Routes for every case the fetcher must handle."""

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/article":
            self._send(200, ARTICLE.encode(), "text/html; charset=utf-8")
        elif path == "/cp1252":
            self._send(200, CP1252_TEXT.encode("cp1252"), "text/plain; charset=windows-1252")
        elif path == "/latin1-undeclared":
            self._send(200, LATIN1_TEXT.encode("latin-1"), "text/plain")
        elif path == "/redirect":
            self._send(302, b"", "text/plain", {"Location": "/article"})
        elif path == "/loop-a":
            self._send(302, b"", "text/plain", {"Location": "/loop-b"})
        elif path == "/loop-b":
            self._send(301, b"", "text/plain", {"Location": "/loop-a"})
        elif path.startswith("/chain"):
            n = int(path.removeprefix("/chain") or 0)
            self._send(302, b"", "text/plain", {"Location": f"/chain{n + 1}"})
        elif path == "/404":
            self._send(404, b"<h1>Not found</h1>", "text/html")
        elif path == "/500":
            self._send(500, b"<h1>Oops</h1>", "text/html")
        elif path == "/pdf":
            self._send(200, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf")
        elif path == "/image":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
        elif path == "/pdf-as-html":  # a server that lies about the type
            self._send(200, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "text/html")
        elif path == "/empty":
            self._send(200, b"", "text/html")
        elif path == "/noarticle":
            self._send(
                200, b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "text/html"
            )
        elif path == "/slow":
            time.sleep(3)
            self._send(200, ARTICLE.encode(), "text/html")
        elif path == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b"<html>" + b" " * 1024)
        elif path == "/huge-streamed":  # 50 MB without a Content-Length
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65533
            try:
                for _ in range(50 * 16):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        else:
            self._send(404, b"", "text/plain")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_fetches_and_extracts_an_article(server: str) -> None:
    article = extract(f"{server}/article")
    assert article.title == "Tide tables"
    assert len(article.blocks) == 6
    assert article.url == f"{server}/article"
    assert article.source == f"{server}/article"


def test_follows_a_redirect_and_keeps_the_final_url(server: str) -> None:
    loaded = load(f"{server}/redirect")
    assert loaded.url == f"{server}/article"
    assert loaded.kind == "html"


def test_declared_cp1252_and_undeclared_latin1_decode(server: str) -> None:
    assert load(f"{server}/cp1252").text == CP1252_TEXT
    loaded = load(f"{server}/latin1-undeclared")
    assert loaded.text == LATIN1_TEXT
    assert loaded.kind == "text"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/404", "HTTP 404 Not Found"),
        ("/500", "HTTP 500 Internal Server Error"),
        ("/loop-a", "redirect loop"),
        ("/chain0", "too many redirects (more than 5)"),
        ("/pdf", "not an HTML page or text (application/pdf)"),
        ("/image", "not an HTML page or text (image/png)"),
        ("/pdf-as-html", "not an HTML page or text (a PDF document)"),
        ("/empty", "empty input"),
        ("/noarticle", "no article found in the page"),
        ("/huge-declared", "too large (50.0 MB; the limit is 20 MB)"),
        ("/huge-streamed", "too large (the limit is 20 MB)"),
    ],
)
@pytest.mark.timeout(30)
def test_bad_urls_give_one_clear_reason(server: str, path: str, reason: str) -> None:
    url = f"{server}{path}"
    with pytest.raises(InputError) as info:
        extract(url)
    assert str(info.value) == f"{url}: {reason}"
    assert info.value.exit_code == 2


@pytest.mark.timeout(20)
def test_read_timeout(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "READ_TIMEOUT", 0.5)
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        extract(f"{server}/slow")
    assert time.monotonic() - start < 2.5
    assert str(info.value) == f"{server}/slow: no response within 0.5 s (read timeout)"


@pytest.mark.timeout(20)
def test_unreachable_host() -> None:
    url = f"http://127.0.0.1:{closed_port()}/story"
    with pytest.raises(FetchError) as info:
        extract(url)
    assert str(info.value) == f"{url}: cannot connect (connection refused)"


def test_tls_verification_stays_on() -> None:
    pool = fetch._pool()
    assert pool.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"
