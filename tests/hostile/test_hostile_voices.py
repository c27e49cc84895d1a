"""A voice's JSON is outside text and outside numbers (issue 19, section 4, point 3): every
field is checked before it is printed or reaches numpy and onnxruntime, and native logs
stay off the terminal. The commands run as the user runs them (a subprocess), so that
what onnxruntime writes to the process's own stderr is seen too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reader.speech import piper as piper_engine

pytestmark = pytest.mark.timeout(180)


def _voice(tmp_path: Path, name: str, change: Any) -> Path:
    """A copy of the bundled voice whose JSON ``change(config)`` edited."""
    bundled = piper_engine.bundled_models()[0]
    model = tmp_path / f"{name}.onnx"
    model.symlink_to(bundled.model)
    config = json.loads(bundled.config.read_text("utf-8"))
    change(config)
    Path(f"{model}.json").write_text(json.dumps(config), "utf-8")
    return model


def _reader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reader", *args],
        capture_output=True,
        text=True,
        timeout=150,
        env={**os.environ, "TERM": "xterm-256color"},
    )


def _set(path: str, value: Any) -> Any:
    def change(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = config
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    return change


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ("language.code", "\u001b[31men", "language.code is not a language code"),
        ("language.code", "en\u202eSU", "language.code is not a language code"),
        ("espeak.voice", "en-us\u001b]0;x\u0007", "espeak.voice is not an eSpeak voice name"),
        ("inference.length_scale", 1e308, "inference.length_scale is not a number"),
        ("inference.noise_w", 5, "inference.noise_w is not a number"),
        ("inference.noise_scale", float("nan"), "inference.noise_scale is not a number"),
        ("num_speakers", -1, "num_speakers is not a whole number"),
        ("num_symbols", 10**30, "num_symbols is not a whole number"),
    ],
)
def test_voice_json_escapes_and_absurd_numbers_are_refused(
    tmp_path: Path, path: str, value: Any, reason: str
) -> None:
    from reader.speech.espeak import SpeechError

    model = _voice(tmp_path, "en_US-hostile-medium", _set(path, value))
    with pytest.raises(SpeechError) as info:
        piper_engine.read_model(model, Path(f"{model}.json"))
    message = str(info.value)
    assert message.startswith(f"{model}.json: not a Piper voice config ({reason}")
    assert "\x1b" not in message and "\u202e" not in message


def test_voice_json_overflowing_scale_is_one_line_before_numpy_or_onnxruntime(
    tmp_path: Path,
) -> None:
    model = _voice(tmp_path, "en_US-huge-medium", _set("inference.length_scale", 1e308))
    result = _reader("voices", "add", str(model))
    assert result.returncode == 2
    assert result.stderr == (
        f"reader: {model}.json: not a Piper voice config (inference.length_scale is not a "
        "number from 0.1 to 5)\n"
    )
    assert result.stdout == ""


@pytest.mark.piper
def test_voice_json_quality_with_an_escape_is_not_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A pair put in the voices folder by hand (as `voices add` or a download leaves it)."""
    from reader import locations
    from reader.cli import main

    folder = locations.ensure(locations.voices_dir())
    bad = "\u001b]0;pwned\u0007hi\u001b[31m"
    model = _voice(folder, "en_US-quality-medium", _set("audio.quality", bad))
    found = piper_engine.read_model(model, Path(f"{model}.json"))
    assert found.quality is None and found.languages == ("en-US", "en")
    capsys.readouterr()
    assert main(["voices"]) == 0
    listing = capsys.readouterr().out
    (row,) = [line for line in listing.splitlines() if "en_US-quality-medium" in line]
    assert row.split()[:5] == ["piper/en_US-quality-medium", "piper", "en-US,", "en", "-"]
    assert "\x1b" not in listing and "\x07" not in listing


def test_voice_native_logs_stay_off_the_terminal(tmp_path: Path) -> None:
    """Ids the model has no row for: onnxruntime fails while running, and says so in its
    own coloured log unless told not to; reader says it in one line."""

    def change(config: dict[str, Any]) -> None:
        config["num_symbols"] = 1000
        config["phoneme_id_map"] = {key: [999] for key in config["phoneme_id_map"]}

    model = _voice(tmp_path, "en_US-wrongids-medium", change)
    result = _reader("voices", "add", str(model))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"reader: {model}: the voice cannot speak")
    assert "\x1b" not in result.stderr
