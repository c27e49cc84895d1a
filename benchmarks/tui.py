"""TUI speed: start-up to the article on screen, and space to the first audio.

    python -m benchmarks.tui [FILE] [--runs N]

1. ``reader open FILE`` in a real terminal (tmux, 100x30) until the article's first
   sentence is on screen, side by side with two references run the same way: ``less
   FILE`` (a pager: the floor for showing a file) and a bare Textual app that shows
   the file's text (the floor for any Textual app). Target: under 1.0 s.
2. ``space`` to the first audio frame handed to the device (miniaudio's null backend,
   which consumes audio in real time), in the real app through the streaming API, for
   a selection of one sentence, a few paragraphs and a 3,000-word article, with a cold
   speech cache. Reference: the first chunk of ``reader.speech.synthesize_article``
   called directly on the same span. Target: under 100 ms whatever the length.

Machines here are shared and noisy: medians of several runs; ratios matter more than
absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.text.article import Article

ROOT = Path(__file__).resolve().parent.parent
BARE_APP = """
import sys
from rich.text import Text
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static(Text(open(sys.argv[1], encoding="utf-8").read()))

Bare().run()
"""


def _sample_file(folder: Path) -> Path:
    source = ROOT / "assets" / "sample-scrape.txt"
    if source.exists():
        return source
    path = folder / "sample.txt"
    words = " ".join(f"word{i}" for i in range(40))
    body = "\n\n".join(f"Paragraph {n} says {words}. It ends here." for n in range(30))
    path.write_text("A sample article for the benchmark\n\n" + body + "\n", encoding="utf-8")
    return path


def _needles(path: Path) -> tuple[str, str]:
    """What each viewer shows first: the raw file's first line for the references, the
    start of the cleaned article's first body sentence for the reader."""
    from reader.extract import extract

    raw = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    article = extract(str(path))
    first = next(s for s in article.sentences if s.block is not None)
    words = article.text[first.start : first.end].split()[:3]
    return " ".join(raw.split()[:3]), " ".join(words)


def time_to_screen(tmux: str, argv: list[str], needle: str, home: Path) -> float:
    """Seconds from starting ``argv`` in a 100x30 tmux pane to ``needle`` on screen."""
    socket = f"reader-bench-{os.getpid()}-{time.perf_counter_ns()}"  # a fresh server each time
    env = f"READER_HOME={home} TERM=xterm-256color"
    command = f"cd {ROOT} && env {env} " + " ".join(f"'{a}'" for a in argv)
    began = time.perf_counter()
    subprocess.run(
        [tmux, "-L", socket, "new-session", "-d", "-s", "b", "-x", "100", "-y", "30", command],
        check=True,
    )
    try:
        while time.perf_counter() - began < 20:
            screen = subprocess.run(
                [tmux, "-L", socket, "capture-pane", "-p", "-t", "b"],
                capture_output=True,
                text=True,
            ).stdout
            if needle in " ".join(screen.split()):
                return time.perf_counter() - began
            time.sleep(0.005)
        raise RuntimeError(f"{argv[0]}: {needle!r} never appeared")
    finally:
        subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True)


def startup(path: Path, runs: int) -> None:
    tmux = shutil.which("tmux")
    if tmux is None:
        print("start-up: skipped (tmux is not installed)")
        return
    raw_needle, article_needle = _needles(path)
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        less = shutil.which("less")
        candidates = {
            "reader open": [sys.executable, "-m", "reader", "open", str(path)],
            "bare Textual app": [sys.executable, str(bare), str(path)],
        }
        if less:
            candidates["less"] = [less, str(path)]
        times: dict[str, list[float]] = {name: [] for name in candidates}
        for run in range(runs):  # interleaved, so drift hits all alike
            for name, argv in candidates.items():
                home = Path(tmp) / f"home-{name.replace(' ', '-')}-{run}"
                needle = article_needle if name == "reader open" else raw_needle
                times[name].append(time_to_screen(tmux, argv, needle, home))
    print(f"Start-up to the article on screen ({path.name}, 100x30, median of {runs}):")
    ours = statistics.median(times["reader open"])
    for name, values in times.items():
        median = statistics.median(values)
        ratio = "" if name == "reader open" else f"  (reader open / this = {ours / median:.2f}x)"
        print(f"  {name:18} {median * 1000:7.0f} ms{ratio}")
    print(f"  target < 1000 ms: {'holds' if ours < 1.0 else 'DOES NOT HOLD'}")


def _long_article(words: int = 3000) -> Article:
    from reader.text.article import Article, Block

    blocks = []
    count = 0
    n = 0
    while count < words:
        n += 1
        text = (
            f"Paragraph {n} opens with a plain sentence about the harvest of year {1900 + n}. "
            f"The second sentence adds that {n * 7} farmers came to the market that morning. "
            f"A third one, longer than the others, explains why the weather in region {n} "
            f"mattered so much to everyone who had planted early in the spring."
        )
        blocks.append(Block("paragraph", text))
        count += len(text.split())
    return Article(blocks=tuple(blocks), title="A long article", language="en")


async def _space_to_audio(article: Article, span: tuple[int, int]) -> float:
    from reader.config import Settings
    from reader.tui.app import create_app
    from reader.tui.article_screen import ArticleScreen
    from reader.tui.store import MemoryStore

    app = create_app(
        article=article, store=MemoryStore("benchmark"), settings=Settings(), null_audio=True
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()  # the engine warm-up, as after opening
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        screen.view.select(*span)
        await pilot.pause()
        app.speaker.first_frame_at = None
        began = time.monotonic()
        await pilot.press("space")
        while app.speaker.first_frame_at is None and time.monotonic() - began < 10:
            await asyncio.sleep(0.001)
        first = app.speaker.first_frame_at
        await pilot.press("s")
        if first is None:
            raise RuntimeError("no audio within 10 s")
        return first - began


def _direct_first_chunk(article: Article, span: tuple[int, int]) -> float:
    from reader.speech import synthesize_article

    began = time.monotonic()
    chunks = synthesize_article(article, *span)
    next(iter(chunks))
    elapsed = time.monotonic() - began
    close = getattr(chunks, "close", None)
    if close:
        close()
    return elapsed


def first_audio(runs: int) -> None:
    article = _long_article()
    sentences = article.sentences
    print(f"\nSpace to first audio (null backend, cold cache, median of {runs}):")
    print(f"  {'selection':28} {'reader (space)':>15} {'direct 1st chunk':>17}   ratio")
    worst = 0.0
    for label, count in (("1 sentence", 1), ("30 sentences", 30), ("3,000 words", None)):
        ours, direct = [], []
        for run in range(runs):
            # A different first sentence each run, with its own cache folder: always cold.
            first = 1 + run * 3
            last = len(sentences) - 1 if count is None else first + count - 1
            span = (sentences[first].start, sentences[last].end)
            os.environ["READER_HOME"] = tempfile.mkdtemp(prefix="reader-bench-")
            ours.append(asyncio.run(_space_to_audio(article, span)))
            os.environ["READER_HOME"] = tempfile.mkdtemp(prefix="reader-bench-")
            direct.append(_direct_first_chunk(article, span))
        a, b = statistics.median(ours), statistics.median(direct)
        worst = max(worst, a)
        print(f"  {label:28} {a * 1000:12.0f} ms {b * 1000:14.0f} ms   {a / b:5.2f}x")
    print(f"  target < 100 ms for any length: {'holds' if worst < 0.1 else 'DOES NOT HOLD'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", type=Path, help="the article to open")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-audio", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or _sample_file(Path(tmp))
        if not args.skip_startup:
            startup(path, args.runs)
        if not args.skip_audio:
            first_audio(args.runs)


if __name__ == "__main__":
    main()
