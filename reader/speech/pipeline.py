"""Putting speech together: plan -> normalize -> cache or engine -> chunks.

The generator :func:`stream` runs on the caller's thread (a TUI worker, the CLI, an
export job). It keeps up to ``LOOKAHEAD`` sentences submitted to the engine thread, so
the engine never waits for the consumer while the consumer normalizes the next
sentences and writes the cache in parallel; it yields chunks strictly in order.
Closing it (or the caller's ``cancel``) aborts the sentence being synthesized and
drops the queued ones.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, replace
from typing import Literal, get_args

from reader.config import Settings, validate
from reader.errors import ReaderError
from reader.speech.cache import Entry, SpeechCache, cache_key
from reader.speech.engine import Engine, engine_thread, resolve_voice, voice_for_script
from reader.speech.espeak import Cancel, SpeechError, Synthesis
from reader.speech.lexicon import Lexicon, load_lexicon
from reader.speech.normalize import Spoken, normalize
from reader.speech.pace import engine_rate, pause_scale
from reader.speech.plan import Pauses, Piece, limit_pieces, quick_start
from reader.speech.types import Chunk, Voice, Word

LOOKAHEAD = 4  # sentences in flight on the engine thread

CacheMode = Literal["use", "read", "off"]
"""How a synthesis uses the speech cache: "use" reads hits and stores what it
synthesizes; "read" reads hits but stores nothing (export: a whole article must not
push out what the user listened to); "off" neither reads nor writes."""
CACHE_MODES: tuple[str, ...] = get_args(CacheMode)


@dataclass(frozen=True)
class Voicing:
    """How text is voiced: the voice, rate, pitch and volume, the language, the pauses
    and the lexicon, resolved once from what a front end was asked and the user's
    settings (:meth:`resolve`) and passed whole down to the engine."""

    voice: str | None
    rate: int
    pitch: int
    volume: float
    language: str | None
    pauses: Pauses
    lexicon: Lexicon
    cache_bytes: int = Settings.cache_mb << 20  # the speech cache's bound

    @classmethod
    def resolve(
        cls,
        voice: str | None,
        rate: int | None,
        pitch: int | None,
        volume: float | None,
        language: str | None,
        user: Settings,
    ) -> Voicing:
        """Fill unset options from the settings the front end loaded (``user``); a bad
        value is a ConfigError. The settings' pauses are those of the default rate and
        follow the rate (:func:`reader.speech.pace.pause_scale`)."""
        wpm = user.rate if rate is None else validate("rate", rate, "rate")
        scale = pause_scale(wpm) / 1000
        return cls(
            voice=voice if voice is not None else user.voice,
            rate=wpm,
            pitch=user.pitch if pitch is None else validate("pitch", pitch, "pitch"),
            volume=user.volume if volume is None else validate("volume", volume, "volume"),
            language=language,
            pauses=Pauses(
                user.pause_sentence_ms * scale,
                user.pause_paragraph_ms * scale,
                user.pause_heading_ms * scale,
            ),
            lexicon=load_lexicon(user.lexicon_path()),
            cache_bytes=user.cache_mb << 20,
        )


@dataclass(frozen=True)
class _Setup:
    engine_id: str
    sample_rate: int
    voices: list[Voice]
    voice: Voice
    engine_ids: dict[str, str]  # engine name ("piper", "espeak") -> id with version

    def engine_of(self, voice: Voice) -> str:
        """The engine id that goes into the cache key of what ``voice`` says."""
        return self.engine_ids.get(voice.engine, self.engine_id)


def prepare(options: Voicing) -> _Setup:
    """Start the engine (once per process), resolve and load the voice."""

    def job(engine: Engine) -> _Setup:
        voices = engine.voices()
        voice = resolve_voice(voices, options.voice, options.language)
        engine.select(voice.id, options.rate, options.pitch, options.volume)
        ids = dict(getattr(engine, "engine_ids", {}))
        return _Setup(engine.engine_id, engine.sample_rate, voices, voice, ids)

    return engine_thread().call(job)


class _Stop:
    """The cancel flag the engine's callback polls: ours, the caller's, or exit."""

    def __init__(self, caller: Cancel | None) -> None:
        self.closed = threading.Event()
        self.caller = caller
        self.exiting = engine_thread().stopping

    def is_set(self) -> bool:
        return (
            self.closed.is_set()
            or self.exiting.is_set()
            or (self.caller is not None and self.caller.is_set())
        )


@dataclass(slots=True)
class _Pending:
    piece: Piece
    spoken: Spoken
    key: str | None
    entry: Entry | None
    future: Future[Synthesis] | None


def stream(
    text: str,
    plan: Callable[[str | None], Iterable[Piece]],
    options: Voicing,
    cancel: Cancel | None,
    cache_mode: CacheMode = "use",
    eager: bool = False,
    *,
    quick_start: bool = True,
) -> Generator[Chunk, None, None]:
    """``eager``: every piece goes before other streams' lookahead on the engine thread
    (what a listener's next jump will want, made in advance); otherwise only the first."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    if cache_mode not in CACHE_MODES:
        raise ValueError(f"cache must be one of {', '.join(CACHE_MODES)}, not {cache_mode!r}")
    # The engines are asked for the rate that makes this text heard at the rate asked
    # (its word length and its pauses count: reader.speech.pace).
    options = replace(options, rate=engine_rate(options.rate, text, options.pauses))
    return _stream(text, plan, options, cancel, cache_mode, eager, quick_start)


def _stream(
    text: str,
    plan: Callable[[str | None], Iterable[Piece]],
    options: Voicing,
    cancel: Cancel | None,
    cache_mode: CacheMode,
    eager: bool,
    quick: bool,
) -> Generator[Chunk, None, None]:
    """``plan(language)`` gives the pieces; with no language asked for, the voice's
    language decides where sentences end, so the engine is started first."""
    started = _start(text, plan, options)
    if started is None:
        return  # nothing to say (empty or blank text): no engine start either
    setup, language, first, pieces = started
    stop = _Stop(cancel)
    synth = _PieceSynth(text, setup, language, options, cache_mode, stop)
    pending: deque[_Pending] = deque()
    if setup.voice.engine == "piper" and quick:
        # A neural voice makes a whole piece before its first sample: the first
        # sentence is streamed in parts so that audio starts at once, unless it is in
        # the cache whole (a skip back, or ahead into what was made in advance).
        # Export (``quick`` False) waits for the whole file: the sentence stays whole.
        first, pieces = _quick_first(text, synth, first, pieces)
    upcoming: Piece | None = first
    started_sounding = False
    try:
        while True:
            while upcoming is not None and len(pending) < LOOKAHEAD:
                urgent = eager or (not pending and not started_sounding)
                pending.append(synth.submit(upcoming, urgent))
                upcoming = next(pieces, None)
            if not pending or stop.is_set():
                return
            item = pending.popleft()
            entry = item.entry if item.entry is not None else synth.finish(item)
            if entry is None:
                return  # cancelled, or aborted midway: never yield (or cache) a cut sentence
            started_sounding = True
            yield _chunk(item, entry, setup)
    finally:
        stop.closed.set()
        for item in pending:
            if item.future is not None:
                item.future.cancel()


class _PieceSynth:
    """Pieces of one text to sound: from the cache, or submitted to the engine thread."""

    def __init__(
        self,
        text: str,
        setup: _Setup,
        language: str,
        options: Voicing,
        cache_mode: CacheMode,
        stop: _Stop,
    ) -> None:
        self.text, self.setup, self.language = text, setup, language
        self.options, self.cache_mode, self.stop = options, cache_mode, stop
        self.thread = engine_thread()
        self.cache = SpeechCache(limit_bytes=options.cache_bytes)
        self.rules = options.lexicon.rules(language)
        self._last: tuple[Piece, tuple[Spoken, Voice | None, str | None, Entry | None]] | None = (
            None
        )

    def submit(self, piece: Piece, urgent: bool = False) -> _Pending:
        """``piece`` normalized for the ear and looked up in the cache, else submitted."""
        spoken, voice, key, entry = self._lookup(piece)
        if voice is None:  # nothing to say
            return _Pending(piece, spoken, None, Entry(b"", 0, ()), None)
        if entry is not None:
            return _Pending(piece, spoken, key, entry, None)
        options, say, stop = self.options, spoken.text, self.stop

        def job(engine: Engine) -> Synthesis:
            if stop.is_set():  # closed while it waited its turn: nothing to make
                return Synthesis(b"", 0, ())
            engine.select(voice.id, options.rate, options.pitch, options.volume)
            return engine.synthesize(say, stop)

        priority = self.thread.NOW if urgent else self.thread.AHEAD
        return _Pending(piece, spoken, key, None, self.thread.submit(job, priority))

    def cached(self, piece: Piece) -> bool:
        """Whether the cache holds ``piece``'s sound (read, not written, by this mode)."""
        return self._lookup(piece)[3] is not None

    def _lookup(self, piece: Piece) -> tuple[Spoken, Voice | None, str | None, Entry | None]:
        """``piece`` as spoken, the voice that says it, its cache key and the cached sound
        (None each where there is nothing to say, no key or no hit). The last lookup is
        kept: :meth:`cached` then :meth:`submit` of one piece read the cache once."""
        if self._last is not None and self._last[0] == piece:
            return self._last[1]
        spoken = normalize(self.text[piece.start : piece.end], self.language, self.rules)
        if not spoken.text.strip():
            found: tuple[Spoken, Voice | None, str | None, Entry | None] = (
                spoken,
                None,
                None,
                None,
            )
        else:
            options = self.options
            voice = voice_for_script(self.setup.voices, self.setup.voice, spoken.text)
            key = cache_key(
                self.setup.engine_of(voice),
                voice.id,
                options.rate,
                options.pitch,
                options.volume,
                spoken.text,
                options.lexicon.version,
            )
            entry = self.cache.get(key) if self.cache_mode != "off" else None
            found = (spoken, voice, key, entry)
        self._last = (piece, found)
        return found

    def finish(self, item: _Pending) -> Entry | None:
        """The engine's sound for a submitted ``item`` (cached when the mode says so);
        None when cancelled or stopped midway."""
        result = _result(item, self.text)
        if result is None or self.stop.is_set():
            return None
        entry = Entry(result.pcm, result.sample_rate, result.words)
        if item.key is not None and self.cache_mode == "use":
            self.cache.put(item.key, entry)
        return entry


def _start(
    text: str, plan: Callable[[str | None], Iterable[Piece]], options: Voicing
) -> tuple[_Setup, str, Piece, Iterator[Piece]] | None:
    """The engine set up, the language, the first piece and the rest; None when there
    is nothing to say (then no engine is started)."""
    setup: _Setup | None = None
    language = options.language
    if language is None:
        if next(iter(plan(None)), None) is None:
            return None
        setup = prepare(options)
        language = (setup.voice.languages or ("en",))[0]
    pieces = iter(plan(language))
    if setup is not None and setup.voice.engine == "piper":
        pieces = limit_pieces(text, pieces)
    first = next(pieces, None)
    if first is None:
        return None
    if setup is None:
        setup = prepare(options)
        if setup.voice.engine == "piper":
            pieces = limit_pieces(text, itertools.chain([first], pieces))
            first = next(pieces)
    return setup, language, first, pieces


def _quick_first(
    text: str, synth: _PieceSynth, first: Piece, pieces: Iterator[Piece]
) -> tuple[Piece, Iterator[Piece]]:
    """The first piece cut after its first clause (:func:`quick_start`), unless the
    cache holds it whole."""
    if synth.cached(first):
        return first, pieces
    split = quick_start(text, itertools.chain([first], pieces))
    return next(split), split


def _result(item: _Pending, text: str) -> Synthesis | None:
    """The engine's synthesis of ``item`` (submitted, not cached); None when cancelled."""
    assert item.future is not None
    try:
        return item.future.result()
    except CancelledError:
        return None
    except ReaderError as error:
        raise SpeechError(_where(text, item.piece), error.reason) from None
    except Exception as error:
        raise SpeechError(_where(text, item.piece), str(error)) from error


def _chunk(item: _Pending, entry: Entry, setup: _Setup) -> Chunk:
    piece, spoken = item.piece, item.spoken
    rate = entry.sample_rate or setup.sample_rate
    words: list[Word] = []
    said = spoken.text
    for position, length, sample in entry.words:
        stop = min(position + max(length, 1), len(said))
        while stop > position + 1 and said[stop - 1].isspace():
            stop -= 1
        a, b = spoken.span(position, stop)
        start, end = piece.start + a, piece.start + b
        time = sample / rate
        if words and start < words[-1].end:  # "I.P.O" said as three words: one word
            last = words[-1]
            words[-1] = Word(last.start, max(last.end, end), last.time)
            continue
        words.append(Word(start, end, time))
    return Chunk(entry.pcm, rate, piece.start, piece.end, tuple(words), piece.pause)


def _where(text: str, piece: Piece) -> str:
    words = text[piece.start : piece.end]
    short = words if len(words) <= 50 else words[:49] + "…"
    return f"sentence at {piece.start}:{piece.end} ({short!r})"
