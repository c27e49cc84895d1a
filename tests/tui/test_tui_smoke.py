"""Smoke test: the real `reader open` in a real terminal (tmux, 100x30).

Keys go in with ``tmux send-keys``; the screen comes back with ``capture-pane`` and
is checked for what a person would see. Runs wherever tmux is installed (CI here);
skipped with the reason elsewhere. The tmux server runs on a private socket and is
killed at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

SCRAPE = """\
Home News World Sport Subscribe
Ukraine claims North Korean units suffering heavy losses in Kursk

ByRomeo Minalane

Dec 29, 2024

North Korean troops fighting alongside Russian forces in the Kursk region are facing heavy \
casualties and logistical challenges, Ukraine's military intelligence agency said Thursday.

Ukraine's intelligence agency reported that Ukrainian strikes near Novoivanovka caused \
significant losses among North Korean units. The agency added that these troops are also \
struggling with supply chain issues, including shortages of drinking water.

President Volodymyr Zelenskyy said earlier this week that about 3,000 North Korean soldiers \
had been killed or wounded in the Kursk region. This was the first detailed estimate of \
North Korean casualties since Pyongyang sent troops to Russia.

Leave a Reply
"""


class Terminal:
    """A tmux session running one command, on a private tmux server."""

    def __init__(self, tmux: str, socket: str, name: str) -> None:
        self.tmux, self.socket, self.name = tmux, socket, name

    def run(self, *args: str) -> str:
        command = [self.tmux, "-L", self.socket, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", self.name, key)
            time.sleep(0.05)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def wait_for(self, check: Callable[[str], bool], seconds: float = 30.0) -> str:
        deadline = time.monotonic() + seconds
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if check(text):
                return text
            time.sleep(0.05)
        raise AssertionError("the screen never showed it; last screen:\n" + text)

    def alive(self) -> bool:
        return self.name in self.run("list-sessions", "-F", "#{session_name}")


@pytest.fixture
def terminal(tmp_path: Path, reader_home: Path) -> Iterator[Callable[[list[str]], Terminal]]:
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.skip("tmux is not installed: the terminal smoke test needs it")
    socket = f"reader-smoke-{os.getpid()}"
    started: list[Terminal] = []

    def start(argv: list[str]) -> Terminal:
        term = Terminal(tmux, socket, f"reader{len(started)}")
        env = f"READER_HOME={reader_home} TERM=xterm-256color COLUMNS=100 LINES=30"
        command = f"cd {ROOT} && env {env} " + " ".join(f"'{a}'" for a in argv)
        term.run("new-session", "-d", "-s", term.name, "-x", "100", "-y", "30", command)
        term.run("set-option", "-s", "escape-time", "0")  # Escape is a key, not a prefix
        started.append(term)
        return term

    yield start
    subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True, timeout=10)


def test_reader_open_in_a_real_terminal(
    terminal: Callable[[list[str]], Terminal], tmp_path: Path
) -> None:
    import reader.extract

    if not hasattr(reader.extract, "extract"):
        pytest.skip("reader.extract.extract is not built yet")
    article = tmp_path / "scrape.txt"
    article.write_text(SCRAPE, encoding="utf-8")
    term = terminal([sys.executable, "-m", "reader", "open", str(article)])
    screen = term.wait_for(lambda s: "North Korean troops fighting" in s)
    assert "Ukraine claims North Korean units" in screen
    assert "min listen" in screen
    assert "Subscribe" not in screen and "Leave a Reply" not in screen
    term.wait_for(lambda s: "space Listen/pause" in s)  # the footer
    # No sound card here: said once, and the app keeps going.
    term.wait_for(lambda s: "No sound" in s)

    # Select two sentences by keyboard: the margin says so, the status counts words.
    term.keys("j", "J")
    screen = term.wait_for(lambda s: "words selected" in s)
    marked = [line for line in screen.splitlines() if "┃" in line]
    assert len(marked) >= 2

    # Listen: the status says so and the spoken sentence gets the ▶ mark.
    term.keys("Space")
    screen = term.wait_for(lambda s: "▶ Listening" in s)
    term.wait_for(lambda s: any(line.lstrip().startswith("▶ ") for line in s.splitlines()))
    term.keys("Space")
    term.wait_for(lambda s: "⏸ Paused" in s)
    term.keys("s")
    term.wait_for(lambda s: "■ Stopped" in s)

    # Save the selection as a highlight with a note.
    term.keys("h")
    term.wait_for(lambda s: "Save highlight" in s)
    term.keys("why", "Enter")
    screen = term.wait_for(lambda s: re.search(r"\b1 highlight\b(?!s)", s) is not None)
    assert "✎" in screen

    # Help lists the keys; escape closes it.
    term.keys("?")
    screen = term.wait_for(lambda s: "Extend selection down" in s)
    term.keys("Escape")
    term.wait_for(lambda s: "Extend selection down" not in s)

    # The library lists the article with its highlight.
    term.keys("l")
    screen = term.wait_for(lambda s: "Search the library" in s)
    assert "Ukraine claims North Korean" in screen

    # Quit while listening: the app and the audio device close, the process ends.
    term.keys("Enter")
    term.wait_for(lambda s: "space Listen/pause" in s)
    term.keys("Space")
    term.wait_for(lambda s: "▶ Listening" in s)
    term.keys("q")
    deadline = time.monotonic() + 10
    while term.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not term.alive(), "q did not quit"


def test_bad_input_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    import reader.extract

    if not hasattr(reader.extract, "extract"):
        pytest.skip("reader.extract.extract is not built yet")
    missing = tmp_path / "missing.txt"
    result = subprocess.run(
        [sys.executable, "-m", "reader", "open", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "missing.txt" in lines[0], result.stderr


def test_reader_open_by_library_id_and_with_no_input(
    terminal: Callable[[list[str]], Terminal], tmp_path: Path, reader_home: Path
) -> None:
    article = tmp_path / "scrape.txt"
    article.write_text(SCRAPE, encoding="utf-8")
    env = {**os.environ, "READER_HOME": str(reader_home)}

    def reader(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reader", *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            env=env,
        )

    added = reader("add", str(article))
    assert added.returncode == 0 and added.stdout.startswith("added 1:"), added.stderr
    # An id not in the library: one line, exit 2, before the screen is taken over.
    missing = reader("open", "99")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == ["reader: article 99: not in the library"]

    # `reader open 1` opens the stored article (as `reader show 1` names it).
    term = terminal([sys.executable, "-m", "reader", "open", "1"])
    screen = term.wait_for(lambda s: "North Korean troops fighting" in s)
    assert "Ukraine claims North Korean units" in screen and "Search the library" not in screen
    term.keys("q")
    # `reader open` with no input opens the library, as `reader` does.
    term = terminal([sys.executable, "-m", "reader", "open"])
    screen = term.wait_for(lambda s: "Search the library" in s)
    assert "Ukraine claims North Korean" in screen
    term.keys("q")
