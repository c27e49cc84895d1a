"""What a hostile tester found, the smaller points (issue 19, section 4: points 2, 7 and
11): Rich markup and emoji codes from outside text, OPML's bound, a lexicon pattern that
backtracks, ``--lang`` checked, a lexicon path that does not exist said, COM0 and LPT0,
and stdin read up to its cap."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.cli import main
from tests.conftest import ROOT
from tests.feedsite import article_html

pytestmark = pytest.mark.timeout(180)

OSC8 = b"\x1b]8;"  # a terminal hyperlink


def _in_a_terminal(args: list[str], cwd: Path, seconds: float = 150) -> tuple[int, bytes]:
    """Run ``reader ARGS`` with a pseudo-terminal as stdin, stdout and stderr (as a person
    runs it); everything it wrote, and its exit status."""
    leader, follower = pty.openpty()
    command = subprocess.Popen(
        [sys.executable, "-m", "reader", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=cwd,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TERM": "xterm-256color",
            "COLUMNS": "160",
            "LINES": "40",
        },
    )
    os.close(follower)
    written = bytearray()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the other end closed
                    break
                if not chunk:
                    break
                written += chunk
            elif command.poll() is not None:
                break
    finally:
        if command.poll() is None:
            command.kill()
        code = command.wait(10)
        os.close(leader)
    return code, bytes(written)


# -- 2. Rich markup and emoji codes -------------------------------------------------------------

TITLES = [
    "[link=https://evil.example/x]Click here[/link]",
    "[bold red]Boom :skull: :smile:",
    "Third [blink]story[/blink]",
]


def test_rich_markup_and_emoji_from_titles_and_inputs_stay_plain_on_a_terminal(
    tmp_path: Path,
) -> None:
    pages = []
    for n, title in enumerate(TITLES):
        page = tmp_path / f"page{n}.html"
        page.write_text(article_html(300 + n, title, paragraphs=3))
        pages.append(page.name)
    code, written = _in_a_terminal(
        ["export", *pages, "library:-1", ":smile:.txt", "-o", "out"], tmp_path
    )
    assert code == 1  # the two bad inputs failed; the pages were exported
    assert len(list((tmp_path / "out").glob("*.mp3"))) == 3
    text = written.decode("utf-8", "replace")
    assert OSC8 not in written, "a title became a live hyperlink"
    assert "\U0001f480" not in text and "\U0001f604" not in text and "\U0001f44e" not in text
    assert "\x1b[1;31m" not in text and "\x1b[5m" not in text  # no bold red, no blink
    assert "reader: library:-1:" in text and "reader: :smile:.txt:" in text
    assert "[bold red]Boom :skull:" in text  # the title as it is, in the bar


def test_rich_bars_read_descriptions_as_plain_text() -> None:
    """The bar's own columns, rendered to a terminal-like console."""
    import io

    from rich.console import Console

    from reader.cli import bars

    out = Console(file=io.StringIO(), force_terminal=True, width=120, markup=False, emoji=False)
    progress = bars.progress(out, "exporting", elapsed=True)
    task = progress.add_task(TITLES[0] + " :smile:", total=2)
    progress.update(task, advance=1)
    out.print(progress.make_tasks_table(progress.tasks))  # what the live bar draws
    bars.say(out, "reader: library:-1: [red]not in the library :-1:")
    rendered = out.file.getvalue()  # type: ignore[attr-defined]
    assert "[link=https://evil.example/x]Click here[/link] :smile:" in rendered
    assert "]8;" not in rendered and "\U0001f604" not in rendered
    assert "[red]not in the library :-1:" in rendered and "\U0001f44e" not in rendered


# -- 7. OPML's bound ------------------------------------------------------------------------------


def _opml(count: int) -> str:
    outlines = "".join(
        f'<outline type="rss" text="Feed {n}" xmlUrl="https://feeds.example/{n}.xml"/>'
        for n in range(count)
    )
    return f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>'


@pytest.mark.parametrize(("count", "said"), [(10_000, False), (10_001, True)])
def test_opml_with_exactly_ten_thousand_outlines_reads_them_all_quietly(
    count: int, said: bool, tmp_path: Path
) -> None:
    from reader.feeds import opml

    path = tmp_path / "feeds.opml"
    path.write_text(_opml(count))
    outlines, refused = opml.read(path)
    assert len(outlines) == 10_000
    assert refused == ([f"{path}: more than 10000 feeds; the rest are left out"] if said else [])


@pytest.mark.parametrize(("count", "code"), [(5, 0), (6, 1)])
def test_opml_import_at_its_bound_exits_zero_and_past_it_one(
    count: int,
    code: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command at a bound of 5 (10,000 adds take a minute on a busy machine)."""
    from reader.feeds import opml

    monkeypatch.setattr(opml, "MAX_OUTLINES", 5)
    path = tmp_path / "feeds.opml"
    path.write_text(_opml(count))
    capsys.readouterr()
    assert main(["feeds", "import", str(path)]) == code
    out, err = capsys.readouterr()
    assert out.startswith("imported 5 new feed(s)"), (out, err)
    assert ("more than 5 feeds; the rest are left out" in err) is bool(code), err


# -- 11. smaller points ---------------------------------------------------------------------------


def _lexicon(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "lexicon.toml"
    path.write_text(body)
    assert main(["config", "set", "lexicon", str(path)]) == 0
    return path


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a*)*b", "(\\\\w+\\\\s?)+$", "(a|aa)+$"])
def test_lexicon_patterns_that_backtrack_exponentially_are_refused(
    pattern: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _lexicon(tmp_path, f'[en]\n"/{pattern}/" = "x"\n')
    capsys.readouterr()
    began = time.monotonic()
    code = main(["say", "-o", str(tmp_path / "out.wav"), "a" * 40 + "!"])
    assert time.monotonic() - began < 30
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"reader: {path}: [en] ") and "exponential time" in err, err
    assert not (tmp_path / "out.wav").exists()


def test_lexicon_patterns_without_nesting_still_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader.speech.lexicon import backtracking

    for fine in (r"\b(\d+)\s?BCE\b", r"\d{1,3}(?:,\d{3})+", r"(?:Mr|Mrs)\.?", r"(a|b)+"):
        assert backtracking(fine) is None, fine
    _lexicon(tmp_path, '[en]\n"/\\\\b(\\\\d+)\\\\s?BCE\\\\b/" = "\\\\1 before the common era"\n')
    assert main(["say", "-o", str(tmp_path / "out.wav"), "It was 300 BCE."]) == 0


def test_lexicon_path_that_does_not_exist_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "lexicon.toml"
    assert main(["config", "set", "lexicon", str(missing)]) == 0
    capsys.readouterr()
    assert main(["say", "-o", str(tmp_path / "out.wav"), "Hello there."]) == 0
    err = capsys.readouterr().err
    assert f"reader: warning: lexicon: {missing} does not exist; no lexicon is used" in err


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("xx", "no installed voice speaks this language"),
        ("../../etc", "not a language code"),
        ("en\x1b[31m", "not a language code"),
        ("", "not a language code"),
    ],
)
def test_say_lang_is_checked(
    code: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["say", "--lang", code, "-o", str(tmp_path / "out.wav"), "Hello."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reader: --lang") and reason in err and "\x1b" not in err
    assert err.count("\n") == 1
    assert main(["say", "--lang", "de", "-o", str(tmp_path / "out.wav"), "Guten Tag."]) == 0


@pytest.mark.parametrize("name", ["COM0", "LPT0", "com0.txt", "Lpt0", "COM¹"])
def test_com0_and_lpt0_are_reserved_names_too(name: str) -> None:
    from reader.cli.extract import output_stem
    from reader.export.names import safe_stem

    assert safe_stem(name).split(".")[0].upper() != name.split(".")[0].upper()
    assert output_stem(f"/tmp/{name}").split(".")[0].upper() != name.split(".")[0].upper()


def test_open_stdin_is_capped_while_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """An endless pipe is refused at the cap, not read until it ends."""
    import io

    from reader.errors import InputError
    from reader.extract import sources
    from reader.tui.stdin import read_stdin_to_file

    monkeypatch.setattr(sources, "MAX_BYTES", 1000)

    class Endless(io.RawIOBase):
        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            if self.served > 10_000_000:
                raise AssertionError("read far past the cap")
            buffer[:] = b"y" * len(buffer)
            self.served += len(buffer)
            return len(buffer)

    stream = io.TextIOWrapper(io.BufferedReader(Endless()))  # type: ignore[type-var]
    with pytest.raises(InputError) as info:
        read_stdin_to_file(stream)
    assert "too large" in str(info.value) or "larger" in str(info.value)
