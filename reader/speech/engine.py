"""Engine selection, voice choice, and the one thread that talks to the engine.

Design (why it looks like this):

* **pyttsx3 is the engine layer on every platform.** The engine is chosen by name
  through ``pyttsx3.init``: on Linux (and wherever ``READER_SPEECH_ENGINE=espeak``)
  with the project's own pyttsx3 driver ``reader_espeak``
  (:mod:`reader.speech.pyttsx3_driver`, eSpeak NG through our ctypes bindings in
  :mod:`reader.speech.espeak`, because pyttsx3's stock ``espeak`` driver cannot be used
  as it is). Voices come from the engine's ``voices`` property; the sentences
  themselves go through the driver object's streaming ``synthesize`` (reached with
  ``getProperty("reader.driver")``), not through ``say``/``runAndWait``, whose queue
  and event loop add nothing to a one-sentence-at-a-time stream with cancel. On
  Windows and macOS the stock pyttsx3 drivers (SAPI5, NSSpeechSynthesizer) do the
  speaking, in an isolated worker process (:mod:`reader.speech.worker`): they allow
  one engine per process, run their own event loop and print, so they get a process
  of their own and we talk to it in JSON lines, one sentence per request, the audio
  coming back as a WAV file. The worker path cannot be exercised on this Linux
  machine: it is kept small and is untested here.
* **One engine thread.** libespeak-ng is process-global state and not thread-safe,
  and the TUI calls us from its worker threads. Every engine call is a job on one
  queue, run by one daemon thread (:class:`EngineThread`); callers get a
  :class:`concurrent.futures.Future`. Jobs are small (one sentence), so cancelling a
  passage only waits for the sentence in hand, and the callback aborts even that.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol, TypeVar

from reader.speech.espeak import Cancel, SpeechError, Synthesis
from reader.speech.types import Voice

T = TypeVar("T")
ENGINE_ENV = "READER_SPEECH_ENGINE"  # "piper", "espeak", "sapi5" or "nsss"
STOP_DEADLINE = 15.0  # seconds the engine thread gets to finish its piece at exit


class Engine(Protocol):
    @property
    def engine_id(self) -> str: ...  # name and version: part of the cache key

    @property
    def sample_rate(self) -> int: ...  # of the audio it makes (the worker's: per sentence)

    def voices(self) -> list[Voice]: ...

    def select(self, voice: str, rate: int, pitch: int, volume: float) -> None: ...

    def synthesize(self, text: str, cancel: Cancel | None) -> Synthesis: ...


class EspeakEngine:
    """eSpeak NG as ``pyttsx3.init("reader_espeak")`` (our driver, see
    :mod:`reader.speech.pyttsx3_driver`); sentences go through the driver's
    streaming ``synthesize``."""

    def __init__(self) -> None:
        import pyttsx3

        from reader.speech.pyttsx3_driver import (
            DRIVER_NAME,
            DRIVER_PROPERTY,
            ReaderEspeakDriver,
            register,
        )

        register()
        self.tts = pyttsx3.init(DRIVER_NAME)  # kept: pyttsx3 holds engines weakly
        self.driver: ReaderEspeakDriver = self.tts.getProperty(DRIVER_PROPERTY)
        self.engine_id = self.driver.engine_id
        self.sample_rate = self.driver.sample_rate

    def voices(self) -> list[Voice]:
        return [
            Voice(v.id, v.name, tuple(v.languages), v.gender, "espeak", None, self.sample_rate)
            for v in self.tts.getProperty("voices")
        ]

    def select(self, voice: str, rate: int, pitch: int, volume: float) -> None:
        self.driver.select(voice, rate, pitch, volume)

    def synthesize(self, text: str, cancel: Cancel | None) -> Synthesis:
        return self.driver.synthesize(text, cancel)


class WorkerEngine:
    """A stock pyttsx3 driver (SAPI5, NSSS) in a worker process. Untested on Linux."""

    def __init__(self, driver: str) -> None:
        self.engine_id = f"pyttsx3-{driver}"
        self.driver = driver
        self.sample_rate = 22050
        self._process = subprocess.Popen(
            [sys.executable, "-m", "reader.speech.worker", driver],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        self._selected: dict[str, Any] = {}
        self._folder = tempfile.mkdtemp(prefix="reader-speech-")
        atexit.register(self.close)

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            line = process.stdout.readline()
        except OSError as error:
            raise SpeechError(self.engine_id, f"worker process failed ({error})") from None
        if not line:
            raise SpeechError(self.engine_id, "worker process stopped")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise SpeechError(self.engine_id, str(answer["error"]))
        return answer

    def voices(self) -> list[Voice]:
        return [
            Voice(v["id"], v["name"], tuple(v["languages"]), v["gender"], self.driver)
            for v in self._ask({"op": "voices"})["voices"]
        ]

    def select(self, voice: str, rate: int, pitch: int, volume: float) -> None:
        self._selected = {"voice": voice, "rate": rate, "volume": volume}

    def synthesize(self, text: str, cancel: Cancel | None) -> Synthesis:
        import miniaudio

        path = Path(self._folder) / "sentence.wav"
        self._ask({"op": "synth", "text": text, "path": str(path), **self._selected})
        try:
            decoded = miniaudio.decode_file(
                str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1
            )
        except (OSError, miniaudio.DecodeError) as error:
            raise SpeechError(self.engine_id, f"no audio came back ({error})") from None
        return Synthesis(decoded.samples.tobytes(), decoded.sample_rate, ())

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()


def create_system_engine(choice: str = "") -> Engine:
    """The platform's engine: eSpeak NG, SAPI5 or NSSpeechSynthesizer."""
    if not choice:
        choice = {"win32": "sapi5", "darwin": "nsss"}.get(sys.platform, "espeak")
    if choice in ("espeak", "espeak-ng"):
        return EspeakEngine()
    if choice in ("sapi5", "nsss"):
        return WorkerEngine(choice)
    raise SpeechError(f"{ENGINE_ENV}={choice}", "unknown engine (use piper, espeak, sapi5 or nsss)")


def create_engine() -> Engine:
    """Every engine of this machine behind one :class:`Engine` (:class:`Engines`).

    ``READER_SPEECH_ENGINE`` names one engine to use alone: ``piper``, ``espeak``,
    ``sapi5`` or ``nsss``. Unset: Piper's neural voices first (when piper-tts loads),
    then the platform's engine for every other language.
    """
    choice = os.environ.get(ENGINE_ENV, "").strip().lower()
    if choice == "piper":
        return Engines(None, with_piper=True)
    if choice:
        create_system_engine(choice)  # an unknown name fails now, not at the first voice
        return Engines(choice, with_piper=False)
    return Engines("", with_piper=True)


class Engines:
    """The one engine layer: Piper and the platform's engine behind one :class:`Engine`.

    ``voices()`` lists Piper's voices first (so a language code such as ``en`` picks the
    neural voice), then the system engine's; ``select`` hands the voice to the engine
    that owns it, and ``synthesize`` goes to the selected one. Each engine is created
    on first use, on the engine thread. ``engine_id`` and ``sample_rate`` are those of
    the selected engine (``engine_ids`` maps an engine's name to its id for the cache).
    """

    def __init__(self, system: str | None, *, with_piper: bool) -> None:
        self._system_choice = system  # None: no system engine
        self._with_piper = with_piper
        self._system: Engine | None = None
        self._piper: Engine | None = None
        self._owner: dict[str, Engine] = {}
        self._current: Engine | None = None
        self.engine_ids: dict[str, str] = {}

    @property
    def engine_id(self) -> str:
        current = self._current or self._first()
        return current.engine_id

    @property
    def sample_rate(self) -> int:
        current = self._current or self._first()
        return current.sample_rate

    @property
    def system(self) -> Engine | None:
        """The platform's engine (None when READER_SPEECH_ENGINE=piper)."""
        self._engines()
        return self._system

    def _first(self) -> Engine:
        engines = self._engines()
        if not engines:
            raise SpeechError("speech", "no speech engine could be started")
        return engines[0][1]

    def _engines(self) -> list[tuple[str, Engine]]:
        found: list[tuple[str, Engine]] = []
        if self._with_piper:
            if self._piper is None:
                from reader.speech import piper

                if piper.available():
                    self._piper = piper.PiperEngine()
                else:
                    self._with_piper = False  # no piper-tts: the system engine speaks alone
            if self._piper is not None:
                found.append(("piper", self._piper))
        if self._system_choice is not None:
            if self._system is None:
                self._system = create_system_engine(self._system_choice)
            name = getattr(self._system, "driver", None)
            found.append((name if isinstance(name, str) else "espeak", self._system))
        return found

    def voices(self) -> list[Voice]:
        listed: list[Voice] = []
        owner: dict[str, Engine] = {}
        for name, engine in self._engines():
            self.engine_ids[name] = engine.engine_id
            for voice in engine.voices():
                if voice.id not in owner:
                    owner[voice.id] = engine
                    listed.append(voice)
        self._owner = owner
        return listed

    def select(self, voice: str, rate: int, pitch: int, volume: float) -> None:
        base = voice.partition("+")[0]
        if not self._owner:
            self.voices()
        engine = self._owner.get(base) or self._owner.get(voice)
        if engine is None:
            raise SpeechError(f"voice {voice[:60]!r}", "not installed (`reader voices` lists them)")
        if "+" in voice and engine is self._piper:
            raise SpeechError(f"voice {voice[:60]!r}", "variants (+NAME) are eSpeak's, not Piper's")
        engine.select(voice, rate, pitch, volume)
        self._current = engine

    def synthesize(self, text: str, cancel: Cancel | None) -> Synthesis:
        if self._current is None:
            raise SpeechError("speech", "no voice selected")
        return self._current.synthesize(text, cancel)

    def set_followed(self, followed: bool) -> None:
        """Whether more work waits behind the next job (:meth:`EngineThread._run`)."""
        hint = getattr(self._current, "set_followed", None)
        if hint is not None:
            hint(followed)


# -- the engine thread ---------------------------------------------------------------------


class EngineThread:
    """Runs every engine call on one thread. Create the engine lazily, on that thread."""

    # Job priorities: what someone waits for now (a call, the first piece of a stream, a
    # listener's next article made in advance) goes before the lookahead of a stream.
    NOW, AHEAD = 0, 1

    def __init__(self, factory: Callable[[], Engine] = create_engine) -> None:
        self._factory = factory
        self._jobs: queue.PriorityQueue[
            tuple[int, int, Callable[[Engine], Any] | None, Future[Any] | None]
        ] = queue.PriorityQueue()
        self._order = itertools.count()  # first come, first served within a priority
        self._engine: Engine | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # set at exit: aborts the synthesis in hand

    def submit(self, job: Callable[[Engine], T], priority: int = NOW) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._thread is None:
                thread = threading.Thread(
                    target=self._run, name="reader-speech-engine", daemon=True
                )
                thread.start()
                self._thread = thread  # only once started: stop() may join it at any time
        self._jobs.put((priority, next(self._order), job, future))
        return future

    def call(self, job: Callable[[Engine], T], timeout: float | None = None) -> T:
        return self.submit(job).result(timeout)

    def _run(self) -> None:
        while True:
            _, _, job, future = self._jobs.get()
            if job is None or future is None:
                # Drop the engine now, while the interpreter is whole: a pyttsx3
                # engine collected at interpreter teardown prints "Exception ignored
                # in DriverProxy.__del__" on stderr (its module globals are gone).
                self._engine = None
                return
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while queued (the consumer went away)
            try:
                if self._engine is None:
                    self._engine = self._factory()
                # Whether more work waits behind this job: a neural voice that will
                # idle after it gives its working memory back (PiperEngine.set_followed).
                hint = getattr(self._engine, "set_followed", None)
                if hint is not None:
                    hint(not self._jobs.empty())
                result = job(self._engine)
            except BaseException as error:
                future.set_exception(error)
            else:
                future.set_result(result)

    def stop(self) -> None:
        self.stopping.set()
        self._jobs.put((-1, next(self._order), None, None))
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            # The job in hand ends at its piece's end (a neural voice cannot be stopped
            # inside one): a process that exits under a running onnxruntime session
            # aborts ("terminate called without an active exception").
            thread.join(timeout=STOP_DEADLINE)


_shared: EngineThread | None = None
_shared_lock = threading.Lock()


def engine_thread() -> EngineThread:
    """The process's engine thread."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = EngineThread()
            atexit.register(_shared.stop)
        return _shared


# -- voices -------------------------------------------------------------------------------


def resolve_voice(voices: list[Voice], wanted: str | None, language: str | None) -> Voice:
    """The voice for ``wanted`` (id, name or language code) or else for ``language``.

    ``wanted`` that matches nothing is an error; a ``language`` with no voice falls
    back to English (then to the first voice), since the text is still worth hearing.
    eSpeak variants (``en+f3``) keep their suffix.
    """
    if not voices:
        raise SpeechError("voices", "the speech engine has no voices installed")
    if wanted:
        base, plus, variant = wanted.partition("+")
        found = _match(voices, base)
        if found is None:
            raise SpeechError(f"voice {wanted!r}", "not installed (`reader voices` lists them)")
        if plus:
            return Voice(found.id + "+" + variant, found.name, found.languages, found.gender)
        return found
    for code in (language, "en"):
        if code:
            found = _by_language(voices, code)
            if found is not None:
                return found
    return voices[0]


def _match(voices: list[Voice], wanted: str) -> Voice | None:
    key = wanted.strip().lower()
    for voice in voices:
        if voice.id.lower() == key:
            return voice
    for voice in voices:
        if voice.name.lower() == key or voice.id.lower().rsplit("/", 1)[-1] == key:
            return voice
    for voice in voices:  # a language code: exactly one of a voice's languages
        if key.replace("_", "-") in (lang.lower() for lang in voice.languages):
            return voice
    return None


def _by_language(voices: list[Voice], language: str) -> Voice | None:
    code = language.lower().replace("_", "-")
    primary = code.split("-")[0]
    tests: tuple[Callable[[Voice], bool], ...] = (
        lambda v: code in (lang.lower() for lang in v.languages),
        lambda v: any(lang.lower().split("-")[0] == primary for lang in v.languages[:1]),
        lambda v: any(lang.lower().split("-")[0] == primary for lang in v.languages),
    )
    for test in tests:
        for voice in voices:
            if test(voice):
                return voice
    return None


# A script and a language whose voice reads it: used when a sentence is written in a
# script the chosen voice cannot read (eSpeak would read the character names).
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "LATIN": ("en",),
    "CYRILLIC": ("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "tt", "ba"),
    "GREEK": ("el", "grc"),
    "ARABIC": ("ar", "fa", "ur"),
    "HEBREW": ("he",),
    "DEVANAGARI": ("hi", "mr", "ne"),
    "BENGALI": ("bn", "as"),
    "GURMUKHI": ("pa",),
    "GUJARATI": ("gu",),
    "TAMIL": ("ta",),
    "TELUGU": ("te",),
    "KANNADA": ("kn",),
    "MALAYALAM": ("ml",),
    "SINHALA": ("si",),
    "THAI": ("th",),
    "GEORGIAN": ("ka",),
    "ARMENIAN": ("hy",),
    "ETHIOPIC": ("am",),
    "MYANMAR": ("my",),
    "CJK": ("cmn", "yue", "ja"),
    "HIRAGANA": ("ja",),
    "KATAKANA": ("ja",),
    "HANGUL": ("ko",),
}
_LANGUAGE_SCRIPT = {
    lang: script for script, langs in SCRIPT_LANGUAGES.items() for lang in langs if lang != "en"
}


def language_script(language: str) -> str:
    primary = language.lower().split("-")[0]
    if primary in ("zh", "cmn", "yue"):
        return "CJK"
    if primary == "ja":
        return "JAPANESE"  # kana and kanji
    return _LANGUAGE_SCRIPT.get(primary, "LATIN")


def dominant_script(text: str) -> str | None:
    """The script most letters of ``text`` are written in (None: no letters)."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            script = name.split(" ", 1)[0] if name else ""
            if script.startswith("CJK"):
                script = "CJK"
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda s: counts[s])


def voice_for_script(voices: list[Voice], voice: Voice, text: str) -> Voice:
    """``voice``, or a voice that can read ``text`` when it is in another script."""
    script = dominant_script(text)
    if script is None or not voice.languages:
        return voice
    own = language_script(voice.languages[0])
    if script == own or (own == "JAPANESE" and script in ("CJK", "HIRAGANA", "KATAKANA")):
        return voice
    for language in SCRIPT_LANGUAGES.get(script, ()):
        found = _by_language(voices, language)
        if found is not None:
            return found
    return voice  # no voice for this script: eSpeak names the characters
