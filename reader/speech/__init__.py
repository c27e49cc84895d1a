"""Speech: text to timed PCM chunks, offline, streamed sentence by sentence.

The public API the TUI and export use (documented in docs/api.md): the
types :class:`Word`, :class:`Chunk`, :class:`Voice` and the functions
:func:`synthesize`, :func:`synthesize_article`, :func:`voices`, :func:`warm_up`, and
:func:`resolve_voicing` (how to speak, built once by a front end and passed whole).
Heavy modules are imported inside the functions so that importing this package
stays cheap. The rest of the package: ``espeak`` (our libespeak-ng bindings),
``pyttsx3_driver`` (them as the pyttsx3 driver ``reader_espeak``), ``engine`` (engine
choice through ``pyttsx3.init``, the engine thread, voices), ``plan`` (what to say, lazily),
``normalize`` and ``lexicon`` (text for the ear), ``cache`` (the disk cache) and
``pipeline`` (putting them together).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Literal

from reader.speech.espeak import Cancel, SpeechError
from reader.speech.types import Chunk, Voice, Word

if TYPE_CHECKING:
    from reader.config import Settings
    from reader.speech.pipeline import Voicing
    from reader.text.article import Article


def synthesize(
    text: str,
    *,
    voice: str | None = None,
    rate: int | None = None,
    pitch: int | None = None,
    volume: float | None = None,
    language: str | None = None,
    cancel: Cancel | None = None,
    cache: Literal["use", "read", "off"] = "use",
    settings: Settings | None = None,
    prefetch: bool = False,
    voicing: Voicing | None = None,
) -> Generator[Chunk, None, None]:
    """Synthesize ``text`` lazily, one :class:`Chunk` per sentence or smaller.

    The result is a generator: ``close()`` it to stop early. ``voicing``: how to
    speak, resolved once by the front end (:func:`resolve_voicing`) and passed whole;
    or else the loose options, unset ones from ``settings`` (front ends pass the ones
    they loaded), else from the user's settings file (``reader.config.settings()``);
    ``voice`` is an id, name or language code from :func:`voices`; with none set the
    voice follows ``language``. Sentences are split as they are needed, synthesized a
    few ahead of the consumer on the engine thread, and cached on disk. Closing the
    iterator (or setting ``cancel``) stops the work. Empty or blank text yields no
    chunk; a sentence with nothing to say (only symbols) yields a chunk with no PCM so
    follow-along still advances. ``cache``: "use" (default) reads cached sentences
    and stores new ones; "read" reads but stores nothing (for bulk work such as
    export, which would otherwise push out what the user listened to); "off" skips
    the cache. ``prefetch``: made now to be heard later (the listening player's next
    article, into the cache): its sentences go before other syntheses' lookahead.
    Raises :class:`SpeechError` naming the voice or the
    sentence that could not be synthesized, :class:`~reader.errors.ConfigError` for a
    bad option or lexicon entry (when called).
    """
    from reader.speech.pipeline import stream
    from reader.speech.plan import plan_text

    options = _given(voicing, voice, rate, pitch, volume, settings, language)
    # ``lang``: the language asked for, else the voice's (known once the engine runs),
    # so that German text read by a German voice is split as German ("am 3. Dezember").
    return stream(
        text, lambda lang: plan_text(text, lang, options.pauses), options, cancel, cache, prefetch
    )


def synthesize_article(
    article: Article,
    start: int = 0,
    end: int | None = None,
    *,
    voice: str | None = None,
    rate: int | None = None,
    pitch: int | None = None,
    volume: float | None = None,
    cancel: Cancel | None = None,
    cache: Literal["use", "read", "off"] = "use",
    settings: Settings | None = None,
    prefetch: bool = False,
    quick_start: bool = True,
    voicing: Voicing | None = None,
) -> Generator[Chunk, None, None]:
    """Synthesize ``article.text[start:end]``; chunk offsets are into ``article.text``.

    Uses the article's sentences and its block kinds for pauses (heading, paragraph,
    sentence); with no voice given or set, the voice follows ``article.language``.
    A sentence cut by ``start``/``end`` is spoken from/to the cut. ``cache``,
    ``settings``, ``prefetch`` and ``voicing`` (its language: the article's) as for
    :func:`synthesize`. ``quick_start`` (listening): a neural voice speaks the first
    sentence in two parts, so that audio starts at once; export passes False (the
    sentence whole: one run of the model fewer).
    """
    from reader.speech.pipeline import stream
    from reader.speech.plan import plan_article

    text = article.text
    stop = len(text) if end is None else end
    if not 0 <= start <= stop <= len(text):
        raise ValueError(f"span {start}:{end} is outside the article's text (0:{len(text)})")
    options = _given(voicing, voice, rate, pitch, volume, settings, article.language)
    # The article's own sentences (split at extraction in its language) are used.
    plan = lambda _lang: plan_article(article, start, stop, options.pauses)  # noqa: E731
    return stream(text, plan, options, cancel, cache, prefetch, quick_start=quick_start)


def voices(language: str | None = None) -> list[Voice]:
    """The installed voices, optionally only those speaking ``language`` ("en", "pt-BR")."""
    from reader.speech.engine import engine_thread

    found = engine_thread().call(lambda engine: engine.voices())
    if language:
        code = language.lower().replace("_", "-")
        primary = code.split("-")[0]
        found = [
            v
            for v in found
            if any(
                lang.lower() == code or lang.lower().split("-")[0] == primary
                for lang in v.languages
            )
        ]
    return found


def warm_up(
    voice: str | None = None, language: str | None = None, *, settings: Settings | None = None
) -> Voice:
    """Start the engine and load the voice, off the keypress path (blocks until done).

    Call it from a worker thread when the reader opens an article: the first
    :func:`synthesize` then only waits for its first sentence. Returns the voice that
    will speak (``voice`` resolved, or the one for ``language``).
    """
    from reader.speech.pipeline import prepare

    return prepare(resolve_voicing(voice, None, None, None, language, settings)).voice


def _given(
    voicing: Voicing | None,
    voice: str | None,
    rate: int | None,
    pitch: int | None,
    volume: float | None,
    settings: Settings | None,
    language: str | None,
) -> Voicing:
    """``voicing`` as given (in ``language`` when one is), or one resolved from the
    loose options; not both."""
    if voicing is None:
        return resolve_voicing(voice, rate, pitch, volume, language, settings)
    if (voice, rate, pitch, volume, settings) != (None, None, None, None, None):
        raise TypeError("pass voicing= or the voice options and settings, not both")
    if language is None or language == voicing.language:
        return voicing
    from dataclasses import replace

    return replace(voicing, language=language)


def resolve_voicing(
    voice: str | None,
    rate: int | None,
    pitch: int | None,
    volume: float | None,
    language: str | None,
    settings: Settings | None,
) -> Voicing:
    """How to speak, built once at a front door and passed whole (``voicing=`` of
    :func:`synthesize` and :func:`synthesize_article`): the options given, the rest
    from ``settings`` (read from the file if none); a bad value is a ConfigError."""
    from reader.speech.pipeline import Voicing

    if settings is None:
        from reader.config import settings as load

        settings = load()
    return Voicing.resolve(voice, rate, pitch, volume, language, settings)


__all__ = [
    "Cancel",
    "Chunk",
    "SpeechError",
    "Voice",
    "Word",
    "resolve_voicing",
    "synthesize",
    "synthesize_article",
    "voices",
    "warm_up",
]
