"""reader.files: the one atomic write (temporary file beside the target, then a rename)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reader.files import atomic_writer, write_atomic


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_write_atomic_replaces_the_file_with_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_writer(target, suffix=".part") as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_the_temporary_name_is_beside_the_target_and_says_its_owner(tmp_path: Path) -> None:
    target = tmp_path / "out.mp3"
    with atomic_writer(target, suffix=".part") as handle:
        (temp,) = [p for p in tmp_path.iterdir()]
        assert temp.name.startswith(".out.mp3.") and temp.name.endswith(f".{os.getpid()}.part")
        handle.write(b"x")
    assert target.read_bytes() == b"x" and not temp.exists()


def test_the_pyttsx3_wav_gets_the_usual_mode_not_mkstemps_0600(tmp_path: Path) -> None:
    from reader.speech.espeak import Synthesis
    from reader.speech.pyttsx3_driver import _write_wav

    target = tmp_path / "a.wav"
    _write_wav(str(target), Synthesis(pcm=b"\0\0" * 10, sample_rate=22050, words=()))
    assert target.read_bytes()[:4] == b"RIFF"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]
