"""The library under kills, concurrent writers and damaged files: real files, real processes."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reader.library import Library, LibraryBusy, schema
from reader.text.article import Article, Block
from tests.conftest import ROOT

POSIX = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")
TEXT = "The quick brown fox jumps over the lazy dog. " * 20


def article(source: str = "s", text: str = TEXT) -> Article:
    return Article(blocks=(Block("paragraph", text.strip()),), title="T", source=source)


def _writer_child(path: Path, article_id: int, write_fd: int) -> None:
    """In the forked child: insert highlights forever, reporting each id once committed."""
    try:
        library = Library.open(path)
        for i in range(1_000_000):
            mark = library.add_highlight(article_id, i % 400, i % 400 + 20, note=str(i))
            os.write(write_fd, f"{mark.id}\n".encode())
    finally:
        os._exit(3)


@POSIX
@pytest.mark.timeout(60)
def test_sigkill_during_highlight_inserts_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as library:
        article_id = library.add(article()).id
    rng = random.Random(5)
    reported: set[int] = set()
    kills = 0
    for _ in range(50):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            os.close(read_fd)
            _writer_child(path, article_id, write_fd)
        os.close(write_fd)
        wanted = rng.randint(1, 8)
        buffer = b""
        with os.fdopen(read_fd, "rb", buffering=0) as pipe:
            while buffer.count(b"\n") < wanted:
                chunk = pipe.read(4096)
                if not chunk:
                    break
                buffer += chunk
            time.sleep(rng.random() / 500)  # land somewhere inside the next write
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            buffer += pipe.read()  # reports written before the kill
        kills += 1
        reported.update(int(line) for line in buffer.split())
    assert kills == 50
    with Library.open(path) as library:
        assert library.recovered is None
        assert library.integrity_check() == "ok"
        stored = {h.id for h in library.highlights(article_id)}
    assert reported <= stored, f"lost committed highlights: {sorted(reported - stored)[:10]}"
    # At most one write per kill was in flight (committed, not yet reported).
    assert len(stored - reported) <= 50
    assert len(reported) >= 50


WRITER = textwrap.dedent(
    """
    import sys
    from reader.text.article import Article, Block
    from reader.library import Library

    path, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    library = Library.open(path)
    text = "Writers take turns with the library file. " * 10
    for i in range(rounds):
        article = Article(blocks=(Block("paragraph", f"{name} {i}. " + text),), title=name)
        result = library.add(article, f"{name}-{i}", find_similar=(i % 10 == 0))
        library.add_highlight(result.id, 0, 5, note=name)
        library.set_position(result.id, i)
        library.list(limit=5)
    library.close()
    print("done", name)
    """
)


@POSIX
@pytest.mark.timeout(120)
def test_two_processes_creating_the_library_at_the_same_moment(tmp_path: Path) -> None:
    """Switching a new file to WAL needs it to itself, and SQLite can answer "database
    is locked" at once there instead of waiting: one such pair in about 16 failed.
    Forked pairs (no start-up cost) open 100 new libraries at the same moment."""
    for n in range(100):
        path = tmp_path / f"{n}.sqlite3"
        children = []
        for _ in range(2):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                code = 1
                try:
                    Library.open(path).close()
                    code = 0
                finally:
                    os._exit(code)
            children.append(pid)
        for pid in children:
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0, f"round {n}: opening failed"


@pytest.mark.timeout(120)
def test_two_writer_processes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "library.sqlite3"  # both processes create it at once
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rounds = 60
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(rounds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("left", "right")
    ]
    outputs = [w.communicate(timeout=100) for w in writers]
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert "locked" not in err and "busy" not in err
        assert out.startswith("done")
    with Library.open(path) as library:
        assert library.count() == 2 * rounds
        notes = [h.note for h in library.highlights()]
        assert notes.count("left") == notes.count("right") == rounds
        assert library.integrity_check() == "ok"


def test_a_long_lock_becomes_one_clear_error(tmp_path: Path, monkeypatch) -> None:
    import reader.library.store as library_module

    path = tmp_path / "library.sqlite3"
    with Library.open(path) as library:
        ident = library.add(article()).id
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        monkeypatch.setattr(library_module, "BUSY_TIMEOUT", 0.2)
        with Library.open(path) as library, pytest.raises(LibraryBusy) as info:
            library.add_highlight(ident, 0, 4)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    message = str(info.value)
    assert message.startswith(str(path)) and "database is locked" not in message
    assert "try again" in message


@POSIX
@pytest.mark.timeout(60)
def test_the_command_waits_for_another_writer(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "READER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    path = home / "data" / "library.sqlite3"
    with Library.open(path) as library:
        ident = library.add(article(text="A sentence found once. " + TEXT)).id
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a TUI in the middle of a write
    command = subprocess.Popen(
        [sys.executable, "-m", "reader", "highlight", str(ident), "--text", "found once"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.8)
    assert command.poll() is None  # waiting, not failing
    holder.execute("ROLLBACK")
    holder.close()
    out, err = command.communicate(timeout=30)
    assert command.returncode == 0, err
    assert err == "" and "“found once”" in out
    with Library.open(path) as library:
        assert [h.text for h in library.highlights(ident)] == ["found once"]


# -- damaged and foreign files -------------------------------------------------------------

DATED = re.compile(r"^library\.sqlite3\.broken-\d{8}-\d{6}(-\d+)?$")


def _check_recovered(path: Path, original: bytes, reason: str, kept: int = 0) -> None:
    with Library.open(path) as library:
        assert library.recovered is not None
        assert reason in library.recovered.reason
        moved = library.recovered.moved_to
        assert DATED.match(moved.name), moved.name
        assert moved.read_bytes() == original  # kept as it was, not overwritten
        assert str(path) in library.recovered.message()
        assert moved.name in library.recovered.message()
        assert len(library.list()) == kept  # what the moved file's pages still held
        library.add(article())  # a working library
    with Library.open(path) as library:
        assert library.recovered is None and library.count() == 1


def test_garbage_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    original = b"this is my shopping list, not a database\n" * 100
    path.write_bytes(original)
    _check_recovered(path, original, "not an SQLite database")


def test_foreign_sqlite_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    other.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    other.commit()
    other.close()
    _check_recovered(path, path.read_bytes(), "another program")


def test_damaged_library_is_moved_aside_with_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as library:
        library.add(article())
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(3996)  # the schema page
    path.write_bytes(bytes(data))
    Path(f"{path}-wal").write_bytes(b"stale wal")
    _check_recovered(path, bytes(data), "", kept=1)  # read back from its pages
    moved = sorted(p.name for p in tmp_path.iterdir() if "broken" in p.name)
    assert any(name.endswith("-wal") for name in moved)


def test_two_recoveries_in_one_second_keep_both_files(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    path.write_bytes(b"first bad file")
    Library.open(path).close()
    path.unlink()
    path.write_bytes(b"second bad file")
    Library.open(path).close()
    moved = sorted(p for p in tmp_path.iterdir() if "broken" in p.name)
    assert sorted(p.read_bytes() for p in moved) == [b"first bad file", b"second bad file"]


def test_empty_file_is_a_new_library(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    path.write_bytes(b"")
    with Library.open(path) as library:
        assert library.recovered is None
        assert schema.version(library._connection()) == schema.LATEST


def test_command_says_what_happened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = home / "data" / "library.sqlite3"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00garbage" * 50)
    result = subprocess.run(
        [sys.executable, "-m", "reader", "list"],
        env={**os.environ, "READER_HOME": str(home), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"reader: warning: {path}: not a usable reader library")
    assert "moved it to library.sqlite3.broken-" in line and "Traceback" not in result.stderr
    assert "empty" in result.stdout
