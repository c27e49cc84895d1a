"""SIGTERM, SIGHUP and SIGKILL during `reader export`, `extract` and `say -o`.

Each command runs in a session of its own (a process group), is stopped while it
writes, and then the group is checked: the parent exits 128 + the signal, no worker,
ffmpeg or resource tracker is left, and no temporary file. After a SIGKILL, which no
one can clean up after, the next run into the same folder removes what was left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reader.cli import main
from tests.cli.test_cli_export import page
from tests.conftest import ROOT, default_signals

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
]


def group_members(pgid: int) -> list[int]:
    """The live processes of process group ``pgid`` (zombies aside)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def wait_until(condition: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def start(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reader", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,  # a group of its own: what is left of it can be found
        preexec_fn=default_signals,
    )


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def finish(process: subprocess.Popen[str], signum: int) -> str:
    """Send ``signum`` to the parent only; return its stderr once it has exited."""
    process.send_signal(signum)
    try:
        _, err = process.communicate(timeout=40)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    assert wait_until(lambda: not group_members(process.pid), 20), (
        f"left running: {group_members(process.pid)}"
    )
    return err


@pytest.mark.timeout(120)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_during_export_jobs_2_stops_everything(
    tmp_path: Path, signum: int
) -> None:
    out = tmp_path / "out"
    inputs = [page(tmp_path, f"{n}.html", f"Long {n}", paragraphs=150) for n in range(4)]
    process = start("export", *inputs, "-o", str(out), "--jobs", "2")
    started = wait_until(lambda: out.is_dir() and len(temps(out)) >= 2, 60)
    err = finish(process, signum)
    assert started, f"no two exports were running: {err}"
    assert process.returncode == 128 + signum, err
    assert err.strip().splitlines()[-1] == f"reader: terminated ({signal.Signals(signum).name})"
    assert os.listdir(out) == []


@pytest.mark.timeout(120)
def test_sigterm_to_the_whole_group_during_export(tmp_path: Path) -> None:
    """As `kill -TERM -PGID` or a closed terminal does: workers and ffmpeg get it too."""
    out = tmp_path / "out"
    inputs = [page(tmp_path, f"{n}.html", f"Long {n}", paragraphs=150) for n in range(3)]
    process = start("export", *inputs, "-o", str(out), "--jobs", "2")
    started = wait_until(lambda: out.is_dir() and len(temps(out)) >= 2, 60)
    os.killpg(process.pid, signal.SIGTERM)
    err = finish(process, signal.SIGTERM)
    assert started, err
    assert process.returncode == 143, err
    assert os.listdir(out) == []


@pytest.mark.timeout(120)
def test_sigterm_during_extract_jobs_2_stops_the_workers(tmp_path: Path) -> None:
    inputs = [page(tmp_path, f"{n}.html", f"Page {n}", paragraphs=400) for n in range(60)]
    process = start("extract", *inputs, "--jobs", "2")
    assert process.stdout is not None
    first = process.stdout.readline()  # the first article is out: the workers are busy
    err = finish(process, signal.SIGTERM)
    assert first.strip(), err
    assert process.returncode == 143, err
    assert err.strip().splitlines()[-1] == "reader: terminated (SIGTERM)"


@pytest.mark.timeout(120)
def test_a_sigkilled_exports_temporary_file_goes_with_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    long = page(tmp_path, "long.html", "Long", paragraphs=150)
    process = start("export", long, "-o", str(out))
    started = wait_until(lambda: out.is_dir() and any(out.iterdir()), 60)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=20)
    assert started and len(temps(out)) == 1  # SIGKILL: nobody could clean up
    short = page(tmp_path, "short.html", "Short")
    assert main(["export", short, "-o", str(out), "--quiet"]) == 0, capsys.readouterr().err
    assert sorted(os.listdir(out)) == ["Short.mp3"]


@pytest.mark.timeout(120)
def test_say_o_sigterm_leaves_nothing_and_a_sigkilled_ones_temp_goes_next_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "long.txt"
    text.write_text("The river ran past the old mill and the town slept. " * 600)
    target = tmp_path / "big.mp3"
    for signum in (signal.SIGTERM, signal.SIGKILL):
        process = start("say", "-f", str(text), "-o", str(target))
        started = wait_until(lambda: bool(temps(tmp_path)), 60)
        if signum == signal.SIGKILL:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=20)
            assert started and len(temps(tmp_path)) == 1
        else:
            err = finish(process, signum)
            assert started, err
            assert process.returncode == 143, err
            assert temps(tmp_path) == [] and not target.exists()
    assert main(["say", "Hello there.", "-o", str(target)]) == 0, capsys.readouterr().err
    assert temps(tmp_path) == [] and target.stat().st_size > 0


@pytest.mark.timeout(60)
@pytest.mark.parametrize("code", [129, 130, 143])
def test_a_stopped_commands_exit_has_a_deadline(code: int) -> None:
    """Whatever thread is left waiting (one of a killed pool, blocked on half a result,
    held the exit for ever once in 25 SIGTERMs), a stopped command is gone within
    EXIT_DEADLINE of its cleanup, its output flushed and its exit status kept."""
    script = (
        "import threading, reader.cli as cli\n"
        "cli.EXIT_DEADLINE = 1.0\n"
        "threading.Thread(target=threading.Event().wait).start()\n"
        "def main():\n"
        "    print('last words', end='')\n"
        f"    return {code}\n"
        "cli.main = main\n"
        "cli.run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == code
    assert result.stdout == "last words"
