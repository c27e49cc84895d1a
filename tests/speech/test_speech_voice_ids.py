"""Voice ids are checked against the installed voices before they reach libespeak-ng.

A long or made-up variant (``en-us+xxxx...``) overflowed a fixed buffer inside
libespeak-ng (``*** buffer overflow detected ***``, exit 134), from ``reader say`` and,
once saved with ``reader config set voice``, from every later ``say`` and export.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from reader.cli import main
from reader.speech.espeak import SpeechError
from reader.speech.pyttsx3_driver import _lock, shared_espeak

LONG = "en-us+" + "x" * 40


def reader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reader", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("voice", [LONG, "en-us+../../etc/passwd", "x" * 300])
def test_say_refuses_a_voice_that_is_not_installed_without_crashing(
    voice: str, tmp_path: pytest.TempPathFactory
) -> None:
    result = reader("say", "Hello", "-o", str(tmp_path) + "/x.wav", "--voice", voice)
    assert result.returncode == 2, result.stderr  # 134 was the native abort
    assert result.stderr.startswith("reader: voice ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("voice", [LONG, "en-us+../../etc/passwd", "nope"])
def test_config_set_voice_refuses_what_is_not_installed(
    voice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "set", "voice", voice]) == 2
    assert "installed" in capsys.readouterr().err
    assert main(["config", "get", "voice"]) == 0
    assert voice not in capsys.readouterr().out


def test_installed_variants_are_accepted() -> None:
    assert main(["config", "set", "voice", "en-us+f3"]) == 0


def test_the_driver_itself_checks_names_before_the_library_sees_them() -> None:
    espeak = shared_espeak()
    with _lock:
        variants = espeak.variants()
        assert variants and "f3" in variants
        espeak.check_voice("gmw/en-US+f3")
        espeak.check_voice("en")
        for bad in (LONG, "en+Mr", "gmw/en-US+", "zz-nope", "en" * 40):
            with pytest.raises(SpeechError):
                espeak.check_voice(bad)
