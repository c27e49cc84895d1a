"""Our own driver for libespeak-ng, through ctypes.

Why not pyttsx3's eSpeak driver (``pyttsx3.drivers.espeak``) as it is: measured with
pyttsx3 2.99, a fresh engine's first ``save_to_file`` writes nothing, of several
queued utterances only the last runs, it prints "Audio saved to ..." on stdout,
``say()`` shells out to ``aplay``, PCM is gathered with ``bytes +=`` (quadratic), and
word events carry no audio position. Why not its ctypes bindings
(``pyttsx3.drivers._espeak``) either: that module loads the library *at import time*
from a fixed list of system paths, so it cannot load the copy the
``espeakng-loader`` wheel ships (the only one on a fresh Linux machine), and it binds
only part of the API. The bindings below are the same C API (``speak_lib.h``), the
few calls we use, loaded from a path we choose.

What this driver does differently: it synthesizes one piece of text per call in
``AUDIO_OUTPUT_SYNCHRONOUS`` mode (``espeak_Synth`` returns when the audio is done),
the synth callback appends PCM buffers to a list (joined once: linear) and records
each word event's text position and *sample* position, so word times are exact.
SSML and phoneme input are never enabled: ``<tags>`` and ``[[...]]`` are read as
text. Errors go to an exception, never to stdout/stderr.

libespeak-ng is one global state per process and not thread-safe: exactly one
:class:`EspeakDriver` exists (:func:`reader.speech.pyttsx3_driver.shared_espeak`), and
every call goes through the pyttsx3 driver there, under its lock; in the app that is
the engine thread (:mod:`reader.speech.engine`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    Union,
    c_char_p,
    c_int,
    c_short,
    c_size_t,
    c_ubyte,
    c_uint,
    c_void_p,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reader.errors import ReaderError
from reader.speech.pace import speech_wpm

LIBRARY_ENV = "READER_ESPEAK_LIBRARY"
"""Set to a path to load that libespeak-ng (tests point it at a missing file)."""

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000  # return an error instead of calling exit()
CHARS_UTF8 = 1
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1
PARAM_RATE = 1
PARAM_VOLUME = 2
PARAM_PITCH = 3
EE_OK = 0
BUFFER_MS = 500  # callback buffer length; larger means fewer Python callbacks
MIN_RATE = 80  # eSpeak's slowest setting (lower values are read as 80)
SONIC_RATE = 450  # eSpeak's fastest setting without sonic (its espeakRATE_MAXIMUM)
MAX_RATE = 1000  # the fastest setting asked for (with sonic; see :func:`rate_setting`)
# What eSpeak NG's rate setting gives on news prose: its speech alone (no pauses), in
# words a minute of prose of REFERENCE_LETTERS letters a word (measured 2026-12-07, en-us,
# six articles, median of letters a minute / 5; benchmarks/rate.py checks it). Its own
# rate runs slow on real text: 400 gives 377. From 450 up it uses sonic.
RATE_TABLE = (
    (80, 89.0),
    (140, 145.4),
    (175, 179.6),
    (250, 247.6),
    (350, 334.0),
    (400, 377.2),
    (450, 438.6),
    (525, 512.0),
    (600, 586.8),
    (700, 684.2),
)


class Cancel(Protocol):
    """Anything with ``is_set()`` (a :class:`threading.Event` works): polled while
    synthesizing, a true value aborts the synthesis."""

    def is_set(self) -> bool: ...


class SpeechError(ReaderError):
    """The speech engine could not say something (no engine, unknown voice...)."""


class _EventId(Union):
    _fields_ = (("number", c_int), ("name", c_char_p))


class _Event(Structure):
    _fields_ = (
        ("type", c_int),
        ("unique_identifier", c_uint),
        ("text_position", c_int),  # 1-based, in characters of the text passed in
        ("length", c_int),
        ("audio_position", c_int),  # milliseconds
        ("sample", c_int),
        ("user_data", c_void_p),
        ("id", _EventId),
    )


class _Voice(Structure):
    _fields_ = (
        ("name", c_char_p),
        ("languages", c_void_p),  # (priority byte, name, NUL)* then NUL
        ("identifier", c_char_p),
        ("gender", c_ubyte),
        ("age", c_ubyte),
        ("variant", c_ubyte),
        ("xx1", c_ubyte),
        ("score", c_int),
        ("spare", c_void_p),
    )


_Callback = CFUNCTYPE(c_int, POINTER(c_short), c_int, POINTER(_Event))


@dataclass(frozen=True, slots=True)
class EspeakVoice:
    identifier: str  # e.g. "gmw/en-US"
    name: str  # e.g. "English_(America)"
    languages: tuple[str, ...]  # e.g. ("en-us", "en")
    gender: str | None


@dataclass(frozen=True, slots=True)
class Synthesis:
    """PCM of one piece of text and its word events.

    ``words`` holds ``(start, length, sample)``: 0-based character offsets into the
    text synthesized and the sample index (from the start of ``pcm``) where the word
    begins.
    """

    pcm: bytes
    sample_rate: int
    words: tuple[tuple[int, int, int], ...]


def find_library() -> tuple[str, str | None]:
    """The libespeak-ng to load and its data folder (None: the library's own default).

    Order: ``READER_ESPEAK_LIBRARY``; a system libespeak-ng; the one in the
    ``espeakng-loader`` wheel. Raises :class:`SpeechError` when none exists.
    """
    forced = os.environ.get(LIBRARY_ENV)
    if forced:
        if not Path(forced).is_file():
            raise SpeechError(f"libespeak-ng ({forced})", f"not found (set by {LIBRARY_ENV})")
        return forced, None
    system = ctypes.util.find_library("espeak-ng")
    if system:
        return system, None
    try:
        import espeakng_loader

        path = espeakng_loader.get_library_path()
        data = espeakng_loader.get_data_path()
    except Exception as error:  # not installed, or its data folder is missing
        raise SpeechError("libespeak-ng", f"not found ({error})") from None
    if not Path(path).is_file():
        raise SpeechError("libespeak-ng", f"not found (looked for {path})")
    return path, data


class EspeakDriver:
    """One loaded, initialized libespeak-ng. Not thread-safe: one thread uses it."""

    engine_id = "espeak-ng"

    def __init__(self, library: str | None = None, data_path: str | None = None) -> None:
        if library is None:
            library, data_path = find_library()
        try:
            dll = ctypes.CDLL(library)
        except OSError as error:
            raise SpeechError(f"libespeak-ng ({library})", f"cannot be loaded ({error})") from None
        self._dll = dll
        dll.espeak_Initialize.argtypes = (c_int, c_int, c_char_p, c_int)
        dll.espeak_Initialize.restype = c_int
        dll.espeak_SetSynthCallback.argtypes = (_Callback,)
        dll.espeak_SetSynthCallback.restype = None
        dll.espeak_Synth.argtypes = (
            c_void_p,
            c_size_t,
            c_uint,
            c_int,
            c_uint,
            c_uint,
            POINTER(c_uint),
            c_void_p,
        )
        dll.espeak_Synth.restype = c_int
        dll.espeak_SetParameter.argtypes = (c_int, c_int, c_int)
        dll.espeak_SetParameter.restype = c_int
        dll.espeak_SetVoiceByName.argtypes = (c_char_p,)
        dll.espeak_SetVoiceByName.restype = c_int
        dll.espeak_ListVoices.argtypes = (c_void_p,)
        dll.espeak_ListVoices.restype = POINTER(POINTER(_Voice))
        dll.espeak_Info.argtypes = (POINTER(c_char_p),)
        dll.espeak_Info.restype = c_char_p
        dll.espeak_TextToPhonemes.argtypes = (POINTER(c_void_p), c_int, c_int)
        dll.espeak_TextToPhonemes.restype = c_char_p
        data = data_path.encode() if data_path else None
        rate = dll.espeak_Initialize(
            AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS, data, INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise SpeechError(f"libespeak-ng ({library})", "failed to initialize (no voice data?)")
        self.sample_rate = rate
        path = c_char_p()
        self.version = (dll.espeak_Info(ctypes.byref(path)) or b"?").decode(errors="replace")
        self.data_path = (path.value or b"").decode(errors="replace") or data_path
        self._buffers: list[bytes] = []
        self._samples = 0
        self._words: list[tuple[int, int, int]] = []
        self._cancel: Cancel | None = None
        self._callback = _Callback(self._on_synth)  # kept alive as long as the driver
        dll.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None
        self._params: dict[int, int] = {}
        self._speed = 1.0  # the time-stretch beyond eSpeak's own reach (rate_setting)
        # eSpeak NG goes past 450 words a minute with sonic when built with it (the
        # espeakng-loader wheel's copy has it inside, a distribution's links libsonic;
        # dlsym finds the symbol in either).
        self.sonic = hasattr(dll, "sonicCreateStream")
        self._voices: list[EspeakVoice] | None = None
        self._variants: frozenset[str] | None = None

    # -- voices ------------------------------------------------------------------------

    def voices(self) -> list[EspeakVoice]:
        if self._voices is None:
            found = []
            array = self._dll.espeak_ListVoices(None)
            i = 0
            while array and array[i]:
                v = array[i].contents
                found.append(
                    EspeakVoice(
                        identifier=(v.identifier or b"").decode(errors="replace"),
                        name=(v.name or b"").decode(errors="replace"),
                        languages=_languages(v.languages),
                        gender={1: "male", 2: "female"}.get(v.gender),
                    )
                )
                i += 1
            self._voices = found
        return self._voices

    def variants(self) -> frozenset[str] | None:
        """The installed voice variants (``en+f3``: "f3"); None when the folder is unknown."""
        if self._variants is None and self.data_path:
            folder = Path(self.data_path) / "voices" / "!v"
            try:
                self._variants = frozenset(p.name for p in folder.iterdir() if p.is_file())
            except OSError:
                return None
        return self._variants

    def check_voice(self, name: str) -> None:
        """Refuse a name that is not an installed voice (with an installed variant).

        libespeak-ng copies the name into fixed buffers: a long or made-up one
        (``en-us+xxxx...``, ``en+../../etc/passwd``) must never reach it.
        """
        base, plus, variant = name.partition("+")
        known: set[str] = set()
        for voice in self.voices():
            known.update((voice.identifier, voice.name, *voice.languages))
            known.add(voice.identifier.rsplit("/", 1)[-1])
        lowered = {k.lower() for k in known if k}
        if len(name) > 60 or not base or base.lower() not in lowered:
            raise SpeechError(f"voice {name[:60]!r}", "not installed (see `reader voices`)")
        if plus:
            variants = self.variants()
            if variants is None:
                ok = 0 < len(variant) <= 20 and all(c.isalnum() or c in " _" for c in variant)
            else:
                ok = variant in variants
            if not ok:
                raise SpeechError(
                    f"voice {name[:60]!r}",
                    f"no voice variant {variant[:20]!r} is installed (eSpeak's are in voices/!v)",
                )

    def set_voice(self, name: str) -> None:
        """Select a voice by eSpeak name or identifier ("en", "gmw/en-US")."""
        if name == self._voice:
            return
        self.check_voice(name)
        if self._dll.espeak_SetVoiceByName(name.encode()) != EE_OK:
            raise SpeechError(f"voice {name!r}", "not installed (see `reader voices`)")
        self._voice = name
        self._params.clear()  # a new voice resets rate, pitch and volume

    def set_parameters(self, rate: int, pitch: int, volume: float) -> None:
        """``rate``: words a minute as heard, pauses included (:func:`rate_setting`)."""
        setting, self._speed = rate_setting(rate, sonic=self.sonic)
        wanted = {
            PARAM_RATE: setting,
            PARAM_PITCH: max(0, min(100, int(pitch))),
            PARAM_VOLUME: max(0, min(200, round(volume * 100))),
        }
        for param, value in wanted.items():
            if self._params.get(param) != value:
                self._dll.espeak_SetParameter(param, value, 0)
                self._params[param] = value

    # -- synthesis -----------------------------------------------------------------------

    def synthesize(self, text: str, cancel: Cancel | None = None) -> Synthesis:
        """Synthesize ``text`` (plain text, never SSML or phonemes) in one call."""
        self._buffers = []
        self._samples = 0
        self._words = []
        self._cancel = cancel
        data = text.encode("utf-8") + b"\0"
        try:
            status = self._dll.espeak_Synth(data, len(data), 0, 0, 0, CHARS_UTF8, None, None)
        finally:
            self._cancel = None
        if status != EE_OK:
            raise SpeechError(f"sentence {_short(text)!r}", f"eSpeak NG error {status}")
        pcm = b"".join(self._buffers)
        self._buffers = []
        words = tuple(self._words)
        if self._speed != 1.0 and pcm:
            from reader.speech.stretch import stretch_pcm

            pcm = stretch_pcm(pcm, self._speed, self.sample_rate)
            last = len(pcm) // 2
            words = tuple((a, b, min(last, round(at / self._speed))) for a, b, at in words)
        return Synthesis(pcm, self.sample_rate, words)

    def phonemes(self, text: str) -> str:
        """What the current voice says for ``text``: eSpeak's ASCII phoneme names, its
        clauses joined by " | " (how the rules for the ear are checked and measured)."""
        buffer = ctypes.create_string_buffer(text.encode("utf-8") + b"\0")
        pointer = c_void_p(ctypes.addressof(buffer))
        clauses = []
        while pointer.value:
            clause = self._dll.espeak_TextToPhonemes(ctypes.byref(pointer), CHARS_UTF8, 0)
            if clause:
                clauses.append(clause.decode(errors="replace"))
        return " | ".join(clauses)

    def _on_synth(
        self, wav: ctypes._Pointer[c_short], count: int, events: ctypes._Pointer[_Event]
    ) -> int:
        # Word events come with the buffer they start in; ``sample`` counts from the
        # start of this synthesis in the current espeak-ng, but to be safe against
        # versions that count from initialization we use our own running total when
        # the event's sample is not in this buffer's range.
        i = 0
        while True:
            event = events[i]
            if event.type == EVENT_LIST_TERMINATED:
                break
            if event.type == EVENT_WORD:
                sample = event.sample
                if not 0 <= sample <= self._samples + max(count, 0):
                    sample = self._samples
                self._words.append((event.text_position - 1, event.length, sample))
            i += 1
        if wav and count > 0:
            self._buffers.append(ctypes.string_at(wav, count * 2))
            self._samples += count
        cancel = self._cancel
        return 1 if cancel is not None and cancel.is_set() else 0


def rate_setting(rate: int, *, sonic: bool = True) -> tuple[int, float]:
    """eSpeak's rate setting for ``rate`` words a minute as heard, and the time-stretch
    speed (1: none) for what the setting cannot reach.

    The heard rate includes the pauses and the text's word length
    (:mod:`reader.speech.pace`: the pipeline asks for :func:`~reader.speech.pace.
    engine_rate`); the setting comes from :data:`RATE_TABLE`, eSpeak's measured pace.
    Above 450 eSpeak NG speeds itself up with sonic; a library built without it is
    set to 450 and its audio stretched (:mod:`reader.speech.stretch`), not silently
    left at 450. Below :data:`MIN_RATE` eSpeak goes no slower: its audio is stretched
    longer.
    """
    wanted = speech_wpm(max(int(rate), 1))
    setting = float(RATE_TABLE[-1][0])
    for (low, low_wpm), (high, high_wpm) in itertools.pairwise(RATE_TABLE):
        if wanted <= high_wpm:
            setting = low + (wanted - low_wpm) * (high - low) / (high_wpm - low_wpm)
            break
    else:  # beyond the table: sonic keeps the last step's slope
        (low, low_wpm), (high, high_wpm) = RATE_TABLE[-2:]
        setting = high + (wanted - high_wpm) * (high - low) / (high_wpm - low_wpm)
    top = MAX_RATE if sonic else SONIC_RATE
    clamped = max(MIN_RATE, min(top, round(setting)))
    speed = 1.0
    if abs(setting - clamped) > 0.5:  # past the setting's reach: the rest by stretching
        reached = dict(RATE_TABLE).get(clamped) or wanted * clamped / setting
        speed = wanted / reached
    return clamped, speed


def _languages(address: int | None) -> tuple[str, ...]:
    """Decode eSpeak's ``languages`` field: (priority byte, name, NUL)* then NUL."""
    found: list[str] = []
    while address:
        priority = ctypes.string_at(address, 1)
        if priority == b"\0":
            break
        name = ctypes.string_at(address + 1)
        if not name:
            break
        found.append(name.decode(errors="replace"))
        address += len(name) + 2
    return tuple(found)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
