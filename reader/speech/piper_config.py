"""What a Piper voice's JSON may say: every field reader or Piper reads, checked.

A voice's ``MODEL.onnx.json`` comes from outside (``reader voices add``, a download).
Its text reaches the terminal (``reader voices`` prints the language and quality) and
its numbers reach numpy and onnxruntime: ``"language": {"code": "\\u001b[31men"}``
coloured the listing, and ``"inference": {"length_scale": 1e308}`` made numpy print an
overflow warning and onnxruntime its own coloured error log before reader's one line.
So text fields must be what they name (a language tag, a quality word, an eSpeak voice
name) and numbers finite and in range, checked before anything runs the model;
:func:`check` raises ``ValueError`` with the reason (the caller names the file).
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["check", "languages", "quality"]

# BCP 47-ish, as Piper's configs write them: en_US, pt-BR, zh_CN, cmn, yue_Hant_HK.
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")
# eSpeak NG voice names: en-us, cmn-latn-pinyin, gmw/en-US, en-us+f3.
_ESPEAK_VOICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+/\-]{0,39}")
_QUALITY = re.compile(r"[A-Za-z0-9_\-]{1,20}")

# Inference scales: Piper's defaults are 0.667, 1 and 0.8. Measured on joe: noise_w 5
# makes durations explode (gigabytes for one sentence, the process killed), 1e308
# overflows the float32 input; within these bounds a sentence stays a sentence.
_SCALES = {"noise_scale": (0.0, 2.0), "length_scale": (0.1, 5.0), "noise_w": (0.0, 2.0)}
_MAX_SYMBOLS = 100_000
_MAX_SPEAKERS = 100_000


def _integer(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} is not a whole number from {low} to {high}")
    return value


def _scales(inference: Any) -> None:
    if inference is None:
        return
    if not isinstance(inference, dict):
        raise ValueError("inference is not an object")
    for name, (low, high) in _SCALES.items():
        value = inference.get(name)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise ValueError(f"inference.{name} is not a number from {low:g} to {high:g}")


def _phoneme_ids(data: dict[str, Any], symbols: int) -> None:
    ids = data.get("phoneme_id_map")
    if not isinstance(ids, dict) or not ids:
        raise ValueError("no phoneme_id_map")
    for key, value in ids.items():
        if (
            not isinstance(key, str)
            or not isinstance(value, list)
            or not 1 <= len(value) <= 16
            or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < symbols for i in value
            )
        ):
            raise ValueError(f"phoneme_id_map has ids outside 0 to {symbols - 1}")


def _speakers(data: dict[str, Any]) -> None:
    speakers = _integer(data.get("num_speakers", 1), "num_speakers", 1, _MAX_SPEAKERS)
    _integer(data.get("default_speaker_id", 0), "default_speaker_id", 0, speakers - 1)
    mapping = data.get("speaker_id_map", {})
    if not isinstance(mapping, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v < speakers
        for v in mapping.values()
    ):
        raise ValueError("speaker_id_map is not a map of names to speaker numbers")


def check(data: dict[str, Any]) -> None:
    """Raise ``ValueError`` naming the first field of a voice config that does not fit."""
    symbols = _integer(data.get("num_symbols"), "num_symbols", 1, _MAX_SYMBOLS)
    _phoneme_ids(data, symbols)
    _speakers(data)
    _integer(data.get("hop_length", 256), "hop_length", 1, 4096)
    _scales(data.get("inference"))
    espeak = data.get("espeak")
    if isinstance(espeak, dict) and "voice" in espeak:
        voice = espeak["voice"]
        if not isinstance(voice, str) or not _ESPEAK_VOICE.fullmatch(voice):
            raise ValueError("espeak.voice is not an eSpeak voice name")
    language = data.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if code is not None and (not isinstance(code, str) or not _LANGUAGE.fullmatch(code)):
        raise ValueError("language.code is not a language code (en_US, pt-BR)")


def languages(data: dict[str, Any]) -> tuple[str, ...]:
    """The voice's language tags (``("en-US", "en")``), from a config :func:`check` passed."""
    language = data.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        espeak = data.get("espeak")
        voice = espeak.get("voice") if isinstance(espeak, dict) else None
        code = voice if isinstance(voice, str) and _LANGUAGE.fullmatch(voice) else "und"
    tag = code.replace("_", "-")
    return (tag, tag.split("-")[0]) if "-" in tag else (tag,)


def quality(audio: Any) -> str | None:
    """``audio.quality`` when it is a plain word (``x_low``, ``medium``), else None."""
    value = audio.get("quality") if isinstance(audio, dict) else None
    return value if isinstance(value, str) and _QUALITY.fullmatch(value) else None
