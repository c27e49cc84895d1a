"""Speech: text to timed PCM chunks, offline, streamed sentence by sentence.

The public API the TUI and export use (documented in docs/api.md): the
types :class:`Word`, :class:`Chunk`, :class:`Voice` and the functions
:func:`synthesize`, :func:`synthesize_article`, :func:`voices`, :func:`warm_up`.
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
    from reader.speech.pipeline import Options
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
) -> Generator[Chunk, None, None]:
    """Synthesize ``text`` lazily, one :class:`Chunk` per sentence or smaller.

    The result is a generator: ``close()`` it to stop early. Unset options come
    from ``settings`` (front ends pass the ones they loaded), else from the user's
    settings file (``reader.config.settings()``);
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

    options = _options(voice, rate, pitch, volume, language, settings)
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
) -> Generator[Chunk, None, None]:
    """Synthesize ``article.text[start:end]``; chunk offsets are into ``article.text``.

    Uses the article's sentences and its block kinds for pauses (heading, paragraph,
    sentence); with no voice given or set, the voice follows ``article.language``.
    A sentence cut by ``start``/``end`` is spoken from/to the cut. ``cache`` and
    ``settings`` and ``prefetch`` as for :func:`synthesize`. ``quick_start``
    (listening): a neural voice speaks the first sentence in two parts, so that audio
    starts at once; export passes False (the sentence whole: one run of the model fewer).
    """
    from reader.speech.pipeline import stream
    from reader.speech.plan import plan_article

    text = article.text
    stop = len(text) if end is None else end
    if not 0 <= start <= stop <= len(text):
        raise ValueError(f"span {start}:{end} is outside the article's text (0:{len(text)})")
    options = _options(voice, rate, pitch, volume, article.language, settings)
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

    return prepare(_options(voice, None, None, None, language, settings)).voice


def _options(
    voice: str | None,
    rate: int | None,
    pitch: int | None,
    volume: float | None,
    language: str | None,
    settings: Settings | None,
) -> Options:
    """The API boundary: options resolved with ``settings``, read from the file if none."""
    from reader.speech.pipeline import Options

    if settings is None:
        from reader.config import settings as load

        settings = load()
    return Options.resolve(voice, rate, pitch, volume, language, settings)


__all__ = [
    "Cancel",
    "Chunk",
    "SpeechError",
    "Voice",
    "Word",
    "synthesize",
    "synthesize_article",
    "voices",
    "warm_up",
]
