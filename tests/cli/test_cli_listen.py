"""`reader listen`, `reader queue` and `reader mark` as a user runs them: real processes,
the real engine (eSpeak) on miniaudio's null backend, a real library file; single keys
through a real pseudo-terminal; media keys through a real private session bus; a
SIGKILL in the middle of an article, then the place it resumes from."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.config import Settings
from reader.library import Library
from reader.listening.events import SentenceStarted
from reader.listening.player import SessionPlayer
from reader.listening.shelf import LibraryShelf
from reader.text.article import Article, Block
from tests.conftest import ROOT, default_signals

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

READER = [sys.executable, "-m", "reader"]
OSC = "\x1b]8;;https://evil.example\x07"
RLO = "\u202e"


def short(title: str, site: str = "news.example") -> Article:
    return Article(
        blocks=(Block("paragraph", "The council met on Thursday. It voted for the plan."),),
        title=title,
        site=site,
        language="en",
        source=f"test:{title}",
    )


LONG = Article(
    blocks=tuple(
        Block("paragraph", f"Paragraph {n} tells how the river rose and the town kept dry.")
        for n in range(60)
    ),
    title="A long article about rivers",
    site="rivers.example",
    language="en",
    source="test:long",
)


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


class Lines:
    """A child's output read line by line, every wait with a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.seen: list[str] = []

    def until(self, start: str, seconds: float = 30.0) -> str:
        deadline = time.monotonic() + seconds
        while True:
            for line in self._lines():
                if line.startswith(start):
                    return line
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line starting {start!r}; saw {self.seen}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if ready:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:  # the pty's other end closed
                    data = b""
                if not data:
                    raise AssertionError(f"ended without {start!r}; saw {self.seen}")
                self.buffer += data

    def _lines(self) -> list[str]:
        *done, self.buffer = self.buffer.split(b"\n")
        lines = [d.decode("utf-8", "replace").rstrip("\r") for d in done]
        self.seen.extend(lines)
        return lines


def test_listen_plays_the_articles_given_one_after_another_and_ends_with_status_0() -> None:
    with Library.open() as library:
        first = library.add(short("Council votes")).id
        second = library.add(short(f"Bridges {OSC}reopen{RLO}", "bridges.example")).id
    done = subprocess.run(
        [*READER, "listen", str(first), str(second), "--rate", "450"],
        env=env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # (No sound card here: the first line says so, once.)
    lines = [line for line in done.stdout.splitlines() if not line.startswith("No sound: ")]
    assert lines[0].startswith("Playing: Council votes, from news.example, ")
    assert "words)" in lines[0]
    assert any(line.startswith("Next: Bridges reopen, from bridges.example") for line in lines)
    assert "Finished: Council votes" in lines and "Finished: Bridges reopen" in lines
    assert lines[-1] == "End of the queue"
    assert "\x1b" not in done.stdout and RLO not in done.stdout  # titles sanitized
    with Library.open() as library:
        assert library.listened_at(first) and library.listened_at(second)
        assert library.queue() == []


def test_listen_reads_single_keys_on_a_terminal_and_q_keeps_the_place() -> None:
    with Library.open() as library:
        ident = library.add(LONG).id
    parent, child = os.openpty()
    process = subprocess.Popen(
        [*READER, "listen", str(ident), "--rate", "300"],
        env=env(),
        stdin=child,
        stdout=child,
        stderr=child,
        close_fds=True,
    )
    os.close(child)
    try:
        lines = Lines(parent)
        lines.until("keys: space pause/resume")
        lines.until("Playing: A long article about rivers")
        time.sleep(2.0)
        os.write(parent, b" ")
        paused = lines.until("Paused at ")
        assert "of A long article about rivers" in paused
        os.write(parent, b" ")
        lines.until("Resumed")
        os.write(parent, b"+")
        lines.until("Rate 325 wpm (1.86x)")
        os.write(parent, b"z")
        lines.until("Sleep timer: 15 min")
        os.write(parent, b"\x1b[C")  # the right arrow: 15 s on
        time.sleep(1.5)
        os.write(parent, b"q")
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(parent)
    with Library.open() as library:
        position = library.get(ident).position
        assert position > 0 and position in {s.start for s in LONG.sentences}
        assert library.queue() == [ident]  # not heard to the end: still up next


def test_listen_refuses_an_unknown_article_in_one_line() -> None:
    done = subprocess.run(
        [*READER, "listen", "999"],
        env=env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "reader: article 999: not in the library"
    assert done.stdout == ""


def test_a_sigkill_while_listening_resumes_within_the_sentence_that_was_playing() -> None:
    with Library.open() as library:
        ident = library.add(LONG).id
    process = subprocess.Popen(
        [*READER, "listen", str(ident), "--rate", "400"],
        env=env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=default_signals,
    )
    assert process.stdout is not None
    try:
        lines = Lines(process.stdout.fileno())
        lines.until("Playing: ")
        deadline = time.monotonic() + 60
        with Library.open() as library:  # several sentences in, as the library says
            while library.get(ident).position <= LONG.sentences[2].start:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        time.sleep(0.7)  # killed in the middle of a sentence
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
    with Library.open() as library:
        saved = library.get(ident).position
        assert saved in {sentence.start for sentence in LONG.sentences[3:]}
        heard: list[int] = []
        player = SessionPlayer(Settings(rate=400), LibraryShelf(library), null_audio=True)
        player.subscribe(
            lambda e: heard.append(e.chunk.start) if isinstance(e, SentenceStarted) else None
        )
        try:
            assert player.play_queue(announce=False)
            deadline = time.monotonic() + 30
            while not heard and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            player.close()
    assert heard and heard[0] == saved  # on from the start of the sentence that played


def test_queue_and_mark_commands(tmp_path: Path) -> None:
    with Library.open() as library:
        a = library.add(short("Alpha")).id
        b = library.add(short("Beta")).id

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*READER, *args], env=env(), capture_output=True, text=True, timeout=60
        )

    done = run("queue", "add", str(a), str(b))
    assert done.returncode == 0 and "queued 2 articles" in done.stdout
    assert [line.split()[1] for line in done.stdout.splitlines()[1:]] == [str(a), str(b)]
    done = run("queue", "rm", str(a))
    assert done.returncode == 0
    with Library.open() as library:
        assert library.queue() == [b]
    assert run("mark", str(a), "--listened").stdout.strip() == f"{a}: marked listened"
    listed = run("list", "--unlistened").stdout
    assert "Beta" in listed and "Alpha" not in listed
    assert run("mark", str(a), "--unlistened").returncode == 0
    assert "Alpha" in run("list", "--unlistened").stdout
    assert run("queue", "clear").stdout.startswith("removed 1 from the queue")


@pytest.fixture
def bus(tmp_path: Path):
    from reader.listening.bus import HAVE_JEEPNEY
    from tests.listening.test_listening_mpris import BUSCTL, DBUS_DAEMON, Daemon

    if DBUS_DAEMON is None or BUSCTL is None or not HAVE_JEEPNEY or sys.platform != "linux":
        pytest.skip("needs dbus-daemon and busctl (systemd) and jeepney, on Linux")
    daemon = Daemon(tmp_path)
    yield daemon.address
    daemon.stop()


def test_media_keys_drive_reader_listen_through_a_real_session_bus(bus: str) -> None:
    from tests.listening.test_listening_mpris import call, prop

    with Library.open() as library:
        first = library.add(replace_title(LONG, f"Rivers {OSC}rise{RLO}")).id
        second = library.add(replace_title(LONG, "Bridges reopen", "bridges.example")).id
        library.enqueue([first, second])
    process = subprocess.Popen(
        [*READER, "listen", "--rate", "300"],
        env={**env(), "DBUS_SESSION_BUS_ADDRESS": bus},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    try:
        lines = Lines(process.stdout.fileno())
        lines.until("Playing: Rivers rise")
        assert prop(bus, "PlaybackStatus") == "Playing"
        metadata = prop(bus, "Metadata")
        assert metadata["xesam:title"]["data"] == "Rivers rise"  # sanitized on the bus too
        assert metadata["xesam:artist"]["data"] == ["rivers.example"]
        assert metadata["mpris:trackid"]["data"].endswith(f"/article/{first}")
        assert metadata["mpris:length"]["data"] > 60_000_000  # microseconds: a long article
        deadline = time.monotonic() + 30  # past the spoken title: the article's own time
        while prop(bus, "Position") < 2_000_000:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        call(bus, "Pause")
        lines.until("Paused at ")
        assert prop(bus, "PlaybackStatus") == "Paused"
        held = prop(bus, "Position")
        time.sleep(0.5)
        assert prop(bus, "Position") == held >= 2_000_000
        call(bus, "Play")
        lines.until("Resumed")
        call(bus, "Next")
        lines.until("Next: Bridges reopen, from bridges.example")
        assert prop(bus, "Metadata")["xesam:title"]["data"] == "Bridges reopen"
        assert prop(bus, "CanGoPrevious")
        call(bus, "Stop")  # no keys to go on with: the run ends, the place kept
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
    with Library.open() as library:
        assert library.get(first).position > 0  # left for the next one: its place kept
        assert library.queue() == [second]


def replace_title(article: Article, title: str, site: str = "rivers.example") -> Article:
    from dataclasses import replace

    blocks = tuple(Block(b.kind, f"{title}: {b.text}") for b in article.blocks)
    return replace(article, blocks=blocks, title=title, site=site, source=f"test:{title}")


def test_the_new_articles_and_one_feeds_unheard_ones_are_queued_by_name() -> None:
    from reader.library.feeds import add_feed, record_item

    with Library.open() as library:
        tides, _ = add_feed(library, "http://tides.test/feed", "Tide Tables")
        birds, _ = add_feed(library, "http://birds.test/feed", "Bird Notes")
        spring = library.add(short("Spring tides")).id
        neap = library.add(short("Neap tides")).id
        herons = library.add(short("Herons nest")).id
        for feed, ident in ((tides.id, spring), (tides.id, neap), (birds.id, herons)):
            record_item(library, feed, f"g{ident}", f"http://x.test/{ident}", ident, "added")
        library.mark_opened(neap)  # opened: no longer new, still unheard
        library.mark_listened(herons)  # heard: neither new nor unheard

    def queue(*args: str) -> list[int]:
        done = subprocess.run(
            [*READER, "queue", *args], env=env(), capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        with Library.open() as library:
            return library.queue()

    assert queue("add", "--new") == [spring]
    queue("clear")
    assert queue("add", "--feed", "tide tables") == [spring, neap]  # by title, any case
    queue("clear")
    assert queue("add", "--feed", "http://birds.test/feed") == []  # all heard
    done = subprocess.run(
        [*READER, "queue", "add", "--feed", "Nope"], env=env(), capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "reader: Nope: no such feed (`reader feeds` lists them)"
