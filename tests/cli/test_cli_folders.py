"""An unwritable data or config folder: one line naming it and the reason, exit 2, in
every command and before the TUI takes the screen (issue 19, 3.1).

File modes do not stop root, and this suite may run as root: the commands then run
through ``setpriv`` without root's override of file modes (skipped, saying why, where
that cannot be done); as any other user they run as that user. The folders live in a
temporary folder of our own under /tmp.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pty
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader import locations
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.timeout(120)

SEED = str(SEEDS / "001_58b20582d475ce50.txt")


def _drop() -> list[str]:
    """The command prefix that makes file modes apply, or skip.

    As root, the commands keep root's user (so they read the installed packages even
    where pip wrote them with a private umask) but lose the capabilities that override
    file modes: a folder of mode 555 is then read-only to them, as to anyone else.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, which file modes do not stop, and no setpriv to drop it")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import reader.cli"],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if probe.returncode != 0:
        reason = probe.stderr.decode(errors="replace").strip().splitlines()[-1:]
        pytest.skip(f"setpriv cannot drop root's override of file modes here: {reason}")
    return prefix


@pytest.fixture
def place() -> Iterator[Path]:
    """A temporary folder the dropped user can reach: ``ro`` in it is read-only."""
    base = Path(tempfile.mkdtemp(prefix="reader-folders-"))
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o777)
    (base / "home").chmod(0o777)
    (base / "ro").mkdir()
    (base / "ro").chmod(0o555)
    try:
        yield base
    finally:
        for path in (base, *base.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                path.chmod(stat.S_IRWXU)
        shutil.rmtree(base)


def _env(place: Path, **folders: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("XDG_") and key != locations.HOME_ENV
    }
    env.update(
        HOME=str(place / "home"),
        XDG_DATA_HOME=str(place / "home" / "data"),
        XDG_CONFIG_HOME=str(place / "home" / "config"),
        XDG_CACHE_HOME=str(place / "home" / "cache"),
        PYTHONPATH=str(ROOT),
        READER_SPEECH_ENGINE="espeak",
    )
    env.update(folders)
    return env


def _reader(place: Path, *argv: str, **folders: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_drop(), sys.executable, "-m", "reader", *argv],
        env=_env(place, **folders),
        cwd=place / "home",
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )


def _one_line(done: subprocess.CompletedProcess[str], folder: Path, reason: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"reader: {folder}: "), lines[0]
    assert reason in lines[0], lines[0]


LIBRARY_COMMANDS = [
    ("list",),
    ("add", SEED),
    ("show", "1"),
    ("search", "Kursk"),
    ("highlights",),
    ("feeds", "list"),
    ("library", "export", "-"),
    ("queue",),
]


@pytest.mark.parametrize("argv", LIBRARY_COMMANDS, ids=" ".join)
def test_a_data_folder_that_cannot_be_created_is_one_line(place: Path, argv: tuple[str]) -> None:
    data = place / "ro" / "data"
    done = _reader(place, *argv, XDG_DATA_HOME=str(data))
    _one_line(done, data / "reader", "the data folder cannot be created")
    assert f"{data}: permission denied" in done.stderr


@pytest.mark.parametrize("argv", [*LIBRARY_COMMANDS, ("library", "check")], ids=" ".join)
def test_a_read_only_data_folder_with_a_library_is_one_line(place: Path, argv: tuple[str]) -> None:
    data = place / "home" / "data"
    assert _reader(place, "add", SEED).returncode == 0  # the library, made by that user
    (data / "reader").chmod(0o555)
    done = _reader(place, *argv)
    _one_line(done, data / "reader", "the data folder cannot be written (permission denied)")


def test_a_read_only_library_folder_is_not_called_damaged_nor_moved_aside(place: Path) -> None:
    data = place / "home" / "data" / "reader"
    assert _reader(place, "add", SEED).returncode == 0
    data.chmod(0o555)
    done = _reader(place, "library", "repair")
    _one_line(done, data, "cannot be written")
    assert "damaged" not in done.stderr
    assert sorted(p.name for p in data.iterdir()) == ["library.sqlite3"]


@pytest.mark.parametrize("parent", ["ro/config", "home/config"])
def test_config_set_with_an_unwritable_config_folder_is_one_line(place: Path, parent: str) -> None:
    config = place / parent
    if parent.startswith("home"):
        (config / "reader").mkdir(parents=True)
        (config / "reader").chmod(0o555)
    done = _reader(place, "config", "set", "rate", "200", XDG_CONFIG_HOME=str(config))
    reason = "cannot be created" if parent.startswith("ro") else "cannot be written"
    _one_line(done, config / "reader", f"the config folder {reason}")
    # Reading the settings needs no writing: the defaults, as before.
    got = _reader(place, "config", "get", "rate", XDG_CONFIG_HOME=str(config))
    assert got.returncode == 0 and got.stdout.strip() == "175"


def _tui(place: Path, argv: list[str], **folders: str) -> tuple[int, bytes]:
    """Run ``reader`` on a pseudo-terminal; its exit status and all it wrote there."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [*_drop(), sys.executable, "-m", "reader", *argv],
            env={**_env(place, **folders), "TERM": "xterm-256color"},
            cwd=place / "home",
            stdin=follower,
            stdout=follower,
            stderr=follower,
            start_new_session=True,
        )
    finally:
        os.close(follower)
    output = bytearray()
    deadline = time.monotonic() + 45
    try:
        while time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    output += os.read(leader, 65536)
                except OSError as error:  # EIO: the other side is closed
                    if error.errno != errno.EIO:
                        raise
                    break
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
            pytest.fail(f"still running after 45 s (the app came up): {bytes(output)[-300:]!r}")
        _drain(leader, output)
    finally:
        os.close(leader)
    return process.returncode, bytes(output)


def _drain(leader: int, output: bytearray) -> None:
    """What the ended process left on the terminal."""
    while select.select([leader], [], [], 0.2)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            return
        if not chunk:
            return
        output += chunk


@pytest.mark.parametrize(
    ("variable", "kind"), [("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")]
)
@pytest.mark.parametrize("argv", [[], ["open", SEED]], ids=["reader", "reader open FILE"])
def test_the_tui_says_one_line_before_it_takes_the_screen(
    place: Path, variable: str, kind: str, argv: list[str]
) -> None:
    folder = place / "ro" / kind
    status, output = _tui(place, argv, **{variable: str(folder)})
    text = output.decode("utf-8", "replace").strip()
    assert status == 2, text
    assert b"\x1b[?1049h" not in output  # the alternate screen never came up
    assert text.splitlines() == [text.splitlines()[0]]
    assert text.startswith(f"reader: {folder / 'reader'}: the {kind} folder cannot be created")


def test_an_os_error_in_the_reader_s_folders_is_explained(tmp_path: Path) -> None:
    """The command line's last resort names the path and the reason, for the reader's
    folders only: an error elsewhere is no input of the user's to explain."""
    inside = locations.data_dir() / "voices" / "x.onnx"
    error = PermissionError(errno.EACCES, "Permission denied", str(inside))
    problem = locations.explain(error)
    assert problem is not None and problem.exit_code == 2
    assert str(problem).startswith(f"{inside}: permission denied (in the data folder, ")
    elsewhere = PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "x"))
    assert locations.explain(elsewhere) is None
