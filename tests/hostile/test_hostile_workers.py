"""Workers end when their parent dies, whatever kills it (issue 19, section 4, point 5):
``reader export … --jobs 2`` and ``reader extract … --jobs 2`` killed with SIGKILL (no
cleanup can run in the parent) leave no worker, no resource tracker and no temporary
file behind, and nothing is written after the parent is gone. Real commands, real
processes; every wait is bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.feedsite import article_html, story

pytestmark = pytest.mark.timeout(240)


def _start(args: list[str], home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "reader", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "READER_HOME": str(home)},
        start_new_session=True,
    )


def _workers(parent: psutil.Process, count: int, seconds: float) -> list[psutil.Process]:
    """The parent's descendants once it has ``count`` Python children (bounded wait)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            children = parent.children(recursive=True)
        except psutil.NoSuchProcess:
            break
        pythons = [c for c in children if "python" in _name(c)]
        if len(pythons) >= count:
            return children
        time.sleep(0.1)
    raise AssertionError(f"the command did not start {count} workers in {seconds} s")


def _name(process: psutil.Process) -> str:
    try:
        return process.name().lower()
    except psutil.Error:
        return ""


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            continue
    return alive


def _kill_parent_and_wait(command: subprocess.Popen[bytes], children: list[psutil.Process]) -> None:
    os.kill(command.pid, signal.SIGKILL)
    command.wait(10)
    deadline = time.monotonic() + 30
    while _alive(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _alive(children)
    for process in left:  # not left behind for the next test, whatever the outcome
        process.kill()
    assert not left, [f"{p.pid} {_name(p)}" for p in left]


def test_workers_export_jobs_end_when_the_parent_is_killed(tmp_path: Path) -> None:
    texts = []
    for n in range(6):
        path = tmp_path / f"story{n}.txt"
        path.write_text(f"Story number {n}\n\n" + "\n\n".join(story(100 + n, paragraphs=12)))
        texts.append(str(path))
    out = tmp_path / "out"
    command = _start(["export", *texts, "-o", str(out), "--jobs", "2"], tmp_path / "home")
    try:
        children = _workers(psutil.Process(command.pid), 2, 120)
        deadline = time.monotonic() + 60  # until the workers are rendering
        while not any(out.glob(".reader-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(out.glob(".reader-*")), "no worker started rendering"
        children = psutil.Process(command.pid).children(recursive=True)
    finally:
        _kill_parent_and_wait(command, children if "children" in locals() else [])
    assert not list(out.glob(".reader-*")), "a killed export left its temporary files"


def test_workers_extract_jobs_end_when_the_parent_is_killed(tmp_path: Path) -> None:
    pages = []
    for n in range(60):
        path = tmp_path / f"page{n}.html"
        path.write_text(article_html(200 + n, paragraphs=150))
        pages.append(str(path))
    out = tmp_path / "out"
    command = _start(["extract", *pages, "-o", str(out), "--jobs", "2"], tmp_path / "home")
    children: list[psutil.Process] = []
    try:
        children = _workers(psutil.Process(command.pid), 2, 120)
    finally:
        _kill_parent_and_wait(command, children)
    written = sorted(out.glob("*")) if out.exists() else []
    time.sleep(2)
    assert (sorted(out.glob("*")) if out.exists() else []) == written
