"""Our eSpeak NG driver as a real pyttsx3 driver: ``pyttsx3.init("reader_espeak")``.

pyttsx3 2.99 loads a driver with ``importlib.import_module(f"pyttsx3.drivers.{name}")``
and calls its ``buildDriver(proxy)``. :func:`register` puts this module into
``sys.modules`` under ``pyttsx3.drivers.reader_espeak`` (and as an attribute of the
``pyttsx3.drivers`` package), which is all ``import_module`` needs: no import hook,
no file written into site-packages. Call it before ``pyttsx3.init(DRIVER_NAME)``;
:mod:`reader.speech.engine` does.

The driver sits on :class:`~reader.speech.espeak.EspeakDriver` (see that module for
why pyttsx3's own ``espeak`` driver and its ``_espeak`` bindings are not used) and
follows pyttsx3's driver protocol (``pyttsx3/drivers/dummy.py``):

* ``say(text)`` synthesizes the text and posts ``started-utterance``, one
  ``started-word`` per word and ``finished-utterance``. It does **not** play audio
  (reader plays chunks itself, and plays nothing on a machine without a sound card);
  nothing is printed and no ``aplay`` is run.
* ``save_to_file(text, path)`` writes a 16-bit mono WAV, to a temporary name in the
  target folder renamed into place (never a half-written file), and posts the same
  events. Every queued command runs, in order, on a fresh engine too.
* ``started-word`` carries pyttsx3's ``location`` (0-based character offset into the
  utterance) and ``length``, plus where the word starts in the audio: ``sample``
  (index from the start of the utterance's PCM) and ``time`` (seconds). Callbacks
  written for the stock drivers with a fixed ``(name, location, length)`` signature
  must accept ``**kwargs`` to receive them.
* Properties: ``voices`` (``pyttsx3.voice.Voice`` list), ``voice`` (an eSpeak voice
  identifier or name), ``rate`` (words per minute), ``pitch`` (0-100), ``volume``
  (0.0-1.0, up to 2.0 accepted), and :data:`DRIVER_PROPERTY`: the driver object itself,
  which is how the engine layer reaches the streaming :meth:`ReaderEspeakDriver.synthesize`
  through pyttsx3's public ``getProperty`` (pyttsx3's queue and event loop are the
  wrong shape for a sentence-at-a-time stream with cancel).

libespeak-ng is one global state per process: every driver built here shares one
:class:`EspeakDriver`, and each synthesis applies its own driver's voice and
parameters under one lock, so two pyttsx3 engines (or a test and the engine thread)
never mix settings.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import wave
from pathlib import Path
from typing import Any

from reader.files import atomic_writer
from reader.speech.espeak import Cancel, EspeakDriver, SpeechError, Synthesis

DRIVER_NAME = "reader_espeak"
DRIVER_PROPERTY = "reader.driver"
DEFAULT_RATE = 175  # eSpeak NG's own default, words per minute
DEFAULT_PITCH = 50

_shared: EspeakDriver | None = None
_lock = threading.RLock()  # guards _shared's creation and every synthesis


def register() -> None:
    """Make ``pyttsx3.init(DRIVER_NAME)`` find this module (idempotent)."""
    import pyttsx3.drivers

    module = sys.modules[__name__]
    sys.modules.setdefault(f"pyttsx3.drivers.{DRIVER_NAME}", module)
    if not hasattr(pyttsx3.drivers, DRIVER_NAME):
        setattr(pyttsx3.drivers, DRIVER_NAME, module)


def shared_espeak() -> EspeakDriver:
    """The process's one loaded libespeak-ng (created on first use)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = EspeakDriver()
        return _shared


def buildDriver(proxy: Any) -> ReaderEspeakDriver:
    """pyttsx3's entry point: the driver for one ``pyttsx3.Engine``."""
    return ReaderEspeakDriver(proxy)


class ReaderEspeakDriver:
    """One pyttsx3 engine's driver: its own voice and parameters, the shared library."""

    def __init__(self, proxy: Any) -> None:
        self._proxy = proxy
        self.espeak = shared_espeak()
        self.engine_id = f"espeak-ng {self.espeak.version}"
        self.sample_rate = self.espeak.sample_rate
        self._voice = _default_voice(self.espeak)
        self._rate = DEFAULT_RATE
        self._pitch = DEFAULT_PITCH
        self._volume = 1.0
        self._looping = False
        self._finished = False  # a command is done: the loop may pump the next one
        self._stopping = threading.Event()

    # -- the streaming path (used by reader.speech.engine) ---------------------------

    def select(self, voice: str, rate: int, pitch: int, volume: float) -> None:
        """Set voice and parameters at once (checked now, applied at each synthesis)."""
        self._check_voice(voice)
        self._voice, self._rate, self._pitch, self._volume = voice, rate, pitch, volume

    def synthesize(self, text: str, cancel: Cancel | None = None) -> Synthesis:
        """PCM and word events of ``text`` with this driver's settings, in one call."""
        with _lock:
            self.espeak.set_voice(self._voice)
            self.espeak.set_parameters(self._rate, self._pitch, self._volume)
            return self.espeak.synthesize(text, cancel)

    def _check_voice(self, voice: str) -> None:
        if voice == self._voice:
            return
        with _lock:
            self.espeak.set_voice(voice)  # raises SpeechError for an unknown voice

    # -- pyttsx3's driver protocol -------------------------------------------------------

    def destroy(self) -> None:
        """Nothing to free: the library is shared and lives as long as the process."""

    def say(self, text: str) -> None:
        self._utter(text, None)

    def save_to_file(self, text: str, filename: str) -> None:
        self._utter(text, os.fspath(filename))

    def _utter(self, text: str, path: str | None) -> None:
        self._proxy.setBusy(True)
        self._finished = False
        self._stopping.clear()
        completed = False
        try:
            self._proxy.notify("started-utterance")
            result = self.synthesize(str(text), self._stopping)
            if self._stopping.is_set():
                return
            if path is not None:
                _write_wav(path, result)
            for position, length, sample in result.words:
                if self._stopping.is_set():
                    return
                self._proxy.notify(
                    "started-word",
                    location=position,
                    length=length,
                    sample=sample,
                    time=sample / result.sample_rate,
                )
            completed = True
        finally:
            self._proxy.notify("finished-utterance", completed=completed)
            self._finished = True  # the run loop sets the proxy idle: no recursion here

    def stop(self) -> None:
        """Abort the utterance in hand (if any); pyttsx3 clears its own queue."""
        self._stopping.set()

    def getProperty(self, name: str) -> Any:
        if name == "voices":
            from pyttsx3.voice import Voice

            return [
                Voice(v.identifier, v.name, list(v.languages), v.gender)
                for v in self.espeak.voices()
            ]
        if name == "voice":
            return self._voice
        if name == "rate":
            return self._rate
        if name == "pitch":
            return self._pitch
        if name == "volume":
            return self._volume
        if name == DRIVER_PROPERTY:
            return self
        raise KeyError(f"unknown property {name}")

    def setProperty(self, name: str, value: Any) -> None:
        if name == "voice":
            voice = str(getattr(value, "id", value))
            self._check_voice(voice)
            self._voice = voice
        elif name == "rate":
            self._rate = int(value)
        elif name == "pitch":
            self._pitch = int(value)
        elif name == "volume":
            self._volume = float(value)
        else:
            raise KeyError(f"unknown property {name}")

    def startLoop(self) -> None:
        """Pump queued commands one at a time until ``endLoop`` (queued by runAndWait)."""
        self._looping = True
        self._finished = False
        self._proxy.setBusy(False)
        while self._looping:
            if self._finished:
                self._finished = False
                self._proxy.setBusy(False)
            else:
                time.sleep(0.005)  # waiting for commands from elsewhere (startLoop())

    def endLoop(self) -> None:
        self._looping = False

    def iterate(self) -> Any:
        """For ``engine.startLoop(False)``: each ``engine.iterate()`` pumps one command."""
        self._proxy.setBusy(False)
        while True:
            yield
            if self._finished:
                self._finished = False
                self._proxy.setBusy(False)


def _default_voice(espeak: EspeakDriver) -> str:
    """eSpeak NG's own default voice (English, ``gmw/en``), else any English voice."""
    voices = espeak.voices()
    for test in (
        lambda v: v.identifier == "en" or v.identifier.endswith("/en"),
        lambda v: v.languages[:1] == ("en",),
        lambda v: "en" in v.languages,
    ):
        for voice in voices:
            if test(voice):
                return voice.identifier
    if not voices:
        raise SpeechError("voices", "the speech engine has no voices installed")
    return voices[0].identifier


def _write_wav(path: str, result: Synthesis) -> None:
    """16-bit mono WAV at ``path``, written to a temporary name and renamed."""
    with atomic_writer(Path(path)) as raw, wave.open(raw, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(result.sample_rate)
        out.writeframes(result.pcm)
