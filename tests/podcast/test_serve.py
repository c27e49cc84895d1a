"""`reader serve`: a real export folder served by uvicorn on 127.0.0.1, asked with
http.client (which sends paths as given, traversal attempts included)."""

from __future__ import annotations

import http.client
import os
import select
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(180)


@dataclass
class Served:
    folder: Path
    host: str
    port: int
    mp3: str
    size: int

    def ask(
        self, path: str, method: str = "GET", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()


def export_folder(folder: Path, text_dir: Path) -> None:
    """A real export: one short article to a tagged MP3, with its feed and playlist."""
    from reader.export import Batch, ExportOptions
    from reader.exporting import export as run

    text_dir.mkdir(parents=True, exist_ok=True)
    source = text_dir / "lighthouse.txt"
    source.write_text(
        "The lighthouse keeper\n\nEvery night the keeper climbed the tower and lit the lamp. "
        "Ships passed safely along the rocky coast until the morning came.\n"
    )
    summary = run([str(source)], folder, ExportOptions(), batch=Batch(feed=True))
    assert summary.exit_code == 0, summary.to_dict()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from reader.podcast.serve import server

    base = tmp_path_factory.mktemp("serve")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("READER_HOME", str(base / "home"))
        folder = base / "export"
        export_folder(folder, base / "texts")
    (mp3,) = [p for p in folder.iterdir() if p.suffix == ".mp3"]
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.mp3").write_bytes(b"ID3 secret outside the folder")
    (folder / "leak.mp3").symlink_to(outside / "secret.mp3")
    (folder / "notes.txt").write_text("not an export")
    (folder / "library.sqlite3").write_bytes(b"SQLite format 3\x00")
    (folder / ".hidden.mp3").write_bytes(b"hidden")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 cover")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    instance = server(folder, sock)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert instance.started
    try:
        yield Served(folder, "127.0.0.1", sock.getsockname()[1], mp3.name, mp3.stat().st_size)
    finally:
        instance.should_exit = True
        thread.join(20)
        sock.close()


def quoted(name: str) -> str:
    from urllib.parse import quote

    return "/" + quote(name)


def test_audio_with_length_type_and_validators(served: Served) -> None:
    status, headers, body = served.ask(quoted(served.mp3))
    assert status == 200
    assert headers["content-type"] == "audio/mpeg"
    assert int(headers["content-length"]) == served.size == len(body)
    assert body == (served.folder / served.mp3).read_bytes()
    assert headers["accept-ranges"] == "bytes" and headers["etag"] and headers["last-modified"]
    status, head, body = served.ask(quoted(served.mp3), "HEAD")
    assert status == 200 and body == b"" and head["content-length"] == str(served.size)
    assert head["etag"] == headers["etag"]


def test_byte_ranges(served: Served) -> None:
    whole = (served.folder / served.mp3).read_bytes()
    for spec, start, end in (
        ("bytes=0-99", 0, 100),
        ("bytes=100-", 100, served.size),
        ("bytes=-50", served.size - 50, served.size),
    ):
        status, headers, body = served.ask(quoted(served.mp3), headers={"Range": spec})
        assert status == 206, spec
        assert body == whole[start:end]
        assert headers["content-range"] == f"bytes {start}-{end - 1}/{served.size}"
        assert headers["content-length"] == str(end - start)
    status, headers, body = served.ask(quoted(served.mp3), "HEAD", headers={"Range": "bytes=0-9"})
    assert status == 206 and body == b"" and headers["content-length"] == "10"


@pytest.mark.parametrize(
    "spec", ["bytes=abc", "bytes=", "items=0-5", "bytes=9-2", "bytes=99999999-", "garbage"]
)
def test_malformed_or_unsatisfiable_ranges_are_416(served: Served, spec: str) -> None:
    status, headers, _ = served.ask(quoted(served.mp3), headers={"Range": spec})
    assert status == 416
    assert headers["content-range"] == f"bytes */{served.size}"
    # ... and the server goes on answering.
    assert served.ask(quoted(served.mp3), "HEAD")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/../outside/secret.mp3",
        "/..%2foutside%2fsecret.mp3",
        "/%2e%2e/outside/secret.mp3",
        "/%2e%2e%2foutside%2fsecret.mp3",
        "/..",
        "/%2e%2e",
        "/leak.mp3",  # a symlink leading out of the folder
        "/notes.txt",  # not an export file
        "/library.sqlite3",
        "/.hidden.mp3",
        "/sub/feed.xml",
        "/%00.mp3",
        "/nothing.mp3",
    ],
)
def test_traversal_links_out_and_other_files_are_404(served: Served, path: str) -> None:
    status, _, body = served.ask(path)
    assert status == 404, path
    assert b"secret" not in body


def test_cover_and_playlist_are_served(served: Served) -> None:
    status, headers, body = served.ask("/cover.jpg")
    assert status == 200 and headers["content-type"] == "image/jpeg" and body.startswith(b"\xff")
    status, headers, body = served.ask("/playlist.m3u")
    assert status == 200 and served.mp3.encode() in body


def test_feed_enclosures_point_at_the_served_address(served: Served) -> None:
    # The file on disk points at file:// URLs (exported without --base-url).
    assert "file://" in (served.folder / "feed.xml").read_text()
    status, headers, body = served.ask("/feed.xml")
    assert status == 200 and headers["content-type"].startswith("application/rss+xml")
    enclosures = [e.get("url") or "" for e in ET.fromstring(body).iter("enclosure")]
    base = f"http://{served.host}:{served.port}/"
    assert enclosures == [base + quoted(served.mp3)[1:]]
    status, _, audio = served.ask(enclosures[0].removeprefix(base[:-1]))
    assert status == 200 and len(audio) == served.size
    # A Host header that is not a plain host:port is not used to build links.
    status, _, body = served.ask("/feed.xml", headers={"Host": "evil.test/<x>"})
    assert status == 200 and b"evil" not in body


def _read_lines(process: subprocess.Popen[bytes], count: int, seconds: float) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    buffer = b""
    deadline = time.monotonic() + seconds
    fd = process.stdout.fileno()
    while len(lines) < count and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buffer += chunk
            *done, buffer = buffer.split(b"\n")
            lines += [line.decode() for line in done]
    return lines


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_the_serve_command_prints_the_address_to_subscribe_to(
    served: Served, host: str, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reader",
            "serve",
            str(served.folder),
            "--host",
            host,
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        lines = _read_lines(process, 2, 30)
        assert lines[0].startswith(f"serving {served.folder.resolve()}")
        url = lines[1].rsplit(" ", 1)[1]
        assert url.startswith("http://") and url.endswith("/feed.xml")
        if host == "0.0.0.0":
            assert lines[1].startswith("on your phone (same network), subscribe to: http://")
        else:
            assert url.startswith("http://127.0.0.1:")
        port = int(url.split(":")[2].split("/")[0])
        deadline = time.monotonic() + 20
        status = 0
        while time.monotonic() < deadline:
            try:
                status = Served(served.folder, "127.0.0.1", port, "", 0).ask("/feed.xml")[0]
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
    finally:
        process.terminate()
        process.wait(20)


def test_serving_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reader", "serve", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert result.stderr == f"reader: {tmp_path / 'none'}: not a folder\n"
