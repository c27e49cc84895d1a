"""`reader extract`: the real command in a subprocess for the user-facing contract, and
in-process calls of ``main`` for the rest (faster, same code path)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.cli import main
from reader.cli.extract import output_stem
from tests.conftest import ASSETS, SEEDS
from tests.extract.test_fetch import server as server

SAMPLE = ASSETS / "sample-page.html"
SEED = SEEDS / "000_fb76b65d5a0d88e2.txt"


def reader(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The installed `reader` command (falls back to `python -m reader`)."""
    exe = shutil.which("reader", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "reader"]
    return subprocess.run(
        [*cmd, "extract", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        timeout=120,
        env=os.environ,
    )


@pytest.fixture
def inputs(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    yield folder


@pytest.mark.timeout(120)
def test_batch_with_bad_inputs_completes_and_reports_one_line_each(
    tmp_path: Path,
    inputs: Path,
    server: str,
) -> None:
    empty = inputs / "empty.txt"
    empty.write_bytes(b"")
    binary = inputs / "photo.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    out = tmp_path / "out"
    result = reader(
        str(SAMPLE),
        str(empty),
        f"{server}/404",
        str(binary),
        str(SEED),
        "-o",
        str(out),
        "--jobs",
        "2",
    )
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert lines == [
        f"reader: {empty}: empty file",
        f"reader: {server}/404: HTTP 404 Not Found",
        f"reader: {binary}: not an HTML page or text (a PNG image)",
    ]
    assert "Traceback" not in result.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == ["000_fb76b65d5a0d88e2.txt", "sample-page.txt"]
    assert (out / "sample-page.txt").read_text().startswith("Volunteers keep Larkhaven")
    assert result.stdout.decode().splitlines() == [
        str(out / "sample-page.txt"),
        str(out / "000_fb76b65d5a0d88e2.txt"),
    ]


@pytest.mark.timeout(60)
def test_single_bad_input_is_exactly_one_line_on_stderr(inputs: Path) -> None:
    result = reader(str(inputs / "missing.html"))
    assert result.returncode == 2
    assert result.stderr.decode() == f"reader: {inputs / 'missing.html'}: no such file\n"
    assert result.stdout == b""


@pytest.mark.timeout(60)
def test_stdin_cp1252_text_with_ansi_escapes() -> None:
    text = SEED.read_text(encoding="utf-8").replace("’", "'")
    data = ("\x1b[1mPasted\x1b[0m\n" + text).encode("cp1252", errors="replace")
    result = reader("-", stdin=data)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "\x1b" not in out and "[1m" not in out
    assert "North Korean troops fighting alongside Russian forces" in out


def test_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(SAMPLE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["authors"] == ["Maren Ashdown"] and data["language"] == "en"
    assert (
        data["text"][data["blocks"][0]["start"] : data["blocks"][0]["end"]]
        == data["blocks"][0]["text"]
    )
    assert main(["extract", str(SAMPLE), "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Volunteers keep Larkhaven")
    assert "\n## Cutting new teeth by hand\n" in md and "\n- Cutting a new pinion" in md
    assert "\n> The light has its own heartbeat again." in md


def test_several_inputs_to_stdout_keep_their_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(SEED), str(SAMPLE), "--jobs", "2"]) == 0
    first, second = capsys.readouterr().out.split("\n\f\n")
    assert first.startswith("Ukraine claims North Korean units")
    assert second.startswith("Volunteers keep Larkhaven")


def test_output_names_collisions_and_overwrite(tmp_path: Path, inputs: Path) -> None:
    (inputs / "a").mkdir()
    (inputs / "b").mkdir()
    one, two = inputs / "a" / "story.html", inputs / "b" / "story.txt"
    shutil.copy(SAMPLE, one)
    shutil.copy(SEED, two)
    out = tmp_path / "out"
    assert main(["extract", str(one), str(two), "-o", str(out), "--format", "markdown"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["story-2.md", "story.md"]
    assert (out / "story.md").read_text().startswith("# Volunteers")
    # A second run overwrites its own outputs; no temporary files are left behind.
    assert main(["extract", str(one), "-o", str(out), "--format", "markdown"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["story-2.md", "story.md"]


@pytest.mark.parametrize(
    ("source", "stem"),
    [
        (
            "https://news.example.com/2024/03/lighthouse-clock.html",
            "news.example.com-2024-03-lighthouse-clock",
        ),
        ("https://example.com/a/../../../etc/passwd", "example.com-a-etc-passwd"),
        ("http://example.com/?id=7&x=../y", "example.com-id-7-x-y"),
        ("-", "stdin"),
        ("../../secret/.hidden.txt", "hidden"),
        ("/tmp/Über uns.html", "Über-uns"),
        ("CON.txt", "CON_"),
        ("...", "article"),
    ],
)
def test_output_stem_is_a_safe_name(source: str, stem: str) -> None:
    name = output_stem(source)
    assert name == stem
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_output_never_escapes_the_folder(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    sneaky = inputs / "..secret..html"
    shutil.copy(SAMPLE, sneaky)
    out = tmp_path / "out"
    assert main(["extract", str(sneaky), "-o", str(out)]) == 0
    written = list(out.iterdir())
    assert [p.parent for p in written] == [out]


def test_bad_jobs_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["extract", str(SAMPLE), "--jobs", "0"])
    assert info.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err


def _die_on_b(task: tuple[str, bytes | None, str, bool | None]) -> tuple[bool, str]:
    if task[0] == "b":
        os._exit(1)  # a worker killed mid-batch (out of memory, a crash in a parser)
    return True, f"{task[0]}\n"


@pytest.mark.timeout(60)
def test_a_dead_worker_is_reported_per_input_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reader.cli import extract as cli_extract

    monkeypatch.setattr(cli_extract, "_work", _die_on_b)
    tasks: list[tuple[str, bytes | None, str, bool | None]] = [
        (s, None, "text", True) for s in "abcdefghij"
    ]
    results = list(cli_extract._run(tasks, 2, {}))
    assert len(results) == len(tasks)
    failed = [message for ok, message in results if not ok]
    assert "b: a worker process died; not extracted" in failed
    assert all(message.endswith("a worker process died; not extracted") for message in failed)
