"""One export runner for every front end, handed articles and settings.

The pure stage (reader.export) never opens the library or extracts; the service
(reader.exporting) looks inputs up and records files the same way for the CLI and
the TUI; the settings a front end loaded reach the export (pauses, voice, rate),
and the user is told which voice and rate spoke.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli import main
from reader.config import Settings
from reader.text.article import Article, Block
from reader.tui.dialogs import ExportChoice
from tests.conftest import ROOT


def article(title: str = "Three sentences") -> Article:
    return Article(
        blocks=(
            Block("paragraph", "The first sentence is short. The second one is short too."),
            Block("paragraph", "A third sentence ends the story."),
        ),
        title=title,
        language="en",
    )


def seconds(path: Path) -> float:
    from mutagen.mp3 import MP3

    info = MP3(path).info
    assert info is not None
    return float(info.length)


@pytest.mark.timeout(120)
def test_the_runner_is_handed_articles_and_never_opens_the_library(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from reader.export import ExportOptions, Item\n"
        "from reader.export.batch import run\n"
        "from tests.export.test_exporting import article\n"
        "a = article()\n"
        "items = [Item('mine', 'mine', article=a), 'https://example.org/not-fetched']\n"
        "summary = run(items, Path(sys.argv[1]), ExportOptions())\n"
        "print([i.status for i in summary.items], summary.items[1].error)\n"
        "stages = ('reader.library', 'reader.extract')\n"
        "print(sorted(m for m in sys.modules if m.startswith(stages)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=ROOT,
        env={**os.environ, "READER_SPEECH_ENGINE": "espeak"},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    statuses, modules = out.stdout.splitlines()
    # A source with no extract function handed in fails alone, with one line.
    assert statuses == (
        "['exported', 'failed'] https://example.org/not-fetched: "
        "no article, and nothing to extract it with"
    )
    assert modules == "[]"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Three sentences.mp3"]


@pytest.mark.timeout(120)
def test_the_tui_and_the_cli_record_the_same_settings(tmp_path: Path) -> None:
    from reader.library import Library
    from reader.tui.exporting import run_export

    library = Library.open()
    try:
        ident = library.add(article(), "three.txt").id
        assert main(["export", f"library:{ident}", "-o", str(tmp_path / "cli"), "-q"]) == 0
        paths = run_export(
            library.get(ident).article,
            ident,
            [],
            ExportChoice("article", False, tmp_path / "tui"),
            voice=None,
            rate=Settings().rate,
            bitrate="64k",
            progress=lambda fraction, label: None,
            save=library.record_export,
        )
        assert [p.name for p in paths] == ["Three sentences.mp3"]
        cli, tui = library.exports(ident)
    finally:
        library.close()
    assert Path(cli.file).parent == tmp_path / "cli" and Path(tui.file) == paths[0]
    assert cli.settings == tui.settings
    assert tui.settings["rate"] == 175 and tui.settings["bitrate"] == "64k"


@pytest.mark.timeout(120)
def test_the_settings_a_front_end_loaded_reach_the_export(tmp_path: Path) -> None:
    from reader.tui.exporting import run_export

    def export(settings: Settings, folder: Path) -> Path:
        (path,) = run_export(
            article(),
            None,
            [],
            ExportChoice("article", False, folder),
            voice=None,
            rate=settings.rate,
            bitrate="64k",
            progress=lambda fraction, label: None,
            settings=settings,
        )
        return path

    short = export(Settings(pause_sentence_ms=0, pause_paragraph_ms=0), tmp_path / "a")
    long = export(Settings(pause_sentence_ms=2000, pause_paragraph_ms=3000), tmp_path / "b")
    # Two gaps between three sentences: 2 s + 3 s more silence, less what the voice
    # speeds up to keep the rate heard (a text's pauses move its pace by 20% at most:
    # reader.speech.pace); nothing read the settings file.
    assert 3.5 < seconds(long) - seconds(short) < 5.3


@pytest.mark.timeout(120)
def test_a_cancelled_export_leaves_no_file(tmp_path: Path) -> None:
    from reader.export import Cancelled, ExportOptions
    from reader.exporting import export_article

    text = article().text
    first = (0, text.index(" The second"))
    second = (text.index("A third"), len(text))
    seen: list[str] = []

    def progress(fraction: float, title: str) -> None:
        seen.append(title)
        if fraction > 0:
            raise Cancelled

    options = ExportOptions(highlights_only=True, split=True).resolved(Settings())
    with pytest.raises(Cancelled):
        export_article(article(), 7, [first, second], tmp_path, options, progress=progress)
    assert seen == ["Three sentences (1/2)", "Three sentences (2/2)"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.timeout(120)
def test_the_export_summary_names_the_voice_and_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "story.txt"
    source.write_text("A story\n\nIt was a short story. It ended soon.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", str(source), "-o", str(out), "--rate", "300", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    (voice,) = summary["voices"]
    assert voice.endswith(", 300 wpm") and summary["items"][0]["voice"] == voice
    # skipped on a rerun: nothing was spoken, no voice named
    assert main(["export", str(source), "-o", str(out), "--rate", "300", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["skipped"] == 1 and again["voices"] == []


@pytest.mark.timeout(120)
def test_say_names_its_voice_and_rate_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal one line says who spoke; to a pipe nothing (test_cli_speech)."""
    target = tmp_path / "hello.wav"
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "reader", "say", "Hello there.", "-o", str(target)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=follower,
            env={**os.environ, "READER_SPEECH_ENGINE": "espeak"},
        )
        os.close(follower)
        follower = -1
        assert process.wait(timeout=100) == 0
        chunks: list[bytes] = []
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not data or sum(map(len, chunks)) > 65536:
                break
            chunks.append(data)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    err = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert err.startswith(f"reader: wrote {target} with ") and err.count("\n") == 1
    assert err.endswith(", 175 wpm\n")
    assert target.stat().st_size > 1000
