"""`reader serve` bounds its connections (issue 19, section 4, point 10): one that sends
nothing, or half its headers, is closed after a short idle time; one client holds a
bounded number at once; an answer under way (a slow player) is never cut. A real
uvicorn on 127.0.0.1; every client loop is bounded."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(60)

IDLE = 1.0
PER_CLIENT = 4
BIG = 2 * 1024 * 1024  # read 32 KB at a time with pauses: about 4 s, four times the idle limit


@dataclass
class Running:
    port: int
    folder: Path

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    from reader.podcast.serve import server

    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "big.mp3").write_bytes(bytes(range(256)) * (BIG // 256))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    instance = server(folder, sock, idle=IDLE, per_client=PER_CLIENT)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert instance.started
    try:
        yield Running(sock.getsockname()[1], folder)
    finally:
        instance.should_exit = True
        thread.join(20)
        sock.close()


def closed_within(conn: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed ``conn`` (reading what it sends), or None."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        ready, _, _ = select.select([conn], [], [], 0.1)
        if ready:
            try:
                if conn.recv(65536) == b"":
                    return time.monotonic() - began
            except ConnectionResetError:
                return time.monotonic() - began
    return None


def test_serve_closes_a_connection_that_sends_nothing(running: Running) -> None:
    with running.connect() as conn:
        took = closed_within(conn, 10)
    assert took is not None and took < IDLE + 1.5, took


def test_serve_closes_a_connection_with_half_its_headers(running: Running) -> None:
    with running.connect() as conn:
        conn.sendall(b"GET /big.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(IDLE / 2)
        conn.sendall(b"X-Slow: 1\r\n")  # a byte now and then does not keep it open
        took = closed_within(conn, 10)
    assert took is not None and took < IDLE + 1.5, took


def test_serve_closes_an_idle_keep_alive_connection_after_an_answer(running: Running) -> None:
    with running.connect() as conn:
        conn.sendall(b"HEAD /big.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        ready, _, _ = select.select([conn], [], [], 5)
        assert ready and conn.recv(65536).startswith(b"HTTP/1.1 200")
        conn.sendall(b"GET /big.mp3 HTTP/1.1\r\n")  # half a second request
        took = closed_within(conn, 10)
    assert took is not None and took < IDLE + 1.5, took


def test_serve_does_not_cut_a_slow_download(running: Running) -> None:
    with socket.socket() as conn:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        conn.settimeout(10)
        conn.connect(("127.0.0.1", running.port))
        conn.sendall(b"GET /big.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        received = 0
        began = time.monotonic()
        while time.monotonic() - began < 40:
            chunk = conn.recv(512 * 1024)
            if not chunk:
                break
            received += len(chunk)
            time.sleep(0.05)
        took = time.monotonic() - began
    assert received > BIG, (received, took)
    assert took > IDLE, "the download was not slow enough to test anything"


def test_serve_bounds_the_connections_one_client_holds(running: Running) -> None:
    conns = [running.connect() for _ in range(PER_CLIENT + 6)]
    try:
        time.sleep(0.5)
        shut = []
        for conn in conns:
            ready, _, _ = select.select([conn], [], [], 0)
            if ready:
                answer = conn.recv(4096)
                assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n"), answer
                assert closed_within(conn, 2) is not None
                shut.append(conn)
        assert len(shut) == 6
        kept = [c for c in conns if c not in shut]
        kept[0].sendall(b"HEAD /big.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        ready, _, _ = select.select([kept[0]], [], [], 5)
        assert ready and kept[0].recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        for conn in conns:
            conn.close()
