"""Speech: text to timed PCM chunks, offline, streamed sentence by sentence.

The public API the TUI and export use. Everything else in this package is an
implementation detail. (Work in progress: the types below are final, the functions
are being filled in.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.article import Article

SAMPLE_WIDTH = 2  # bytes per sample: 16-bit signed little-endian mono


@dataclass(frozen=True, slots=True)
class Word:
    """A spoken word: ``text[start:end]`` of the text passed in, ``time`` seconds from
    the start of its chunk's audio."""

    start: int
    end: int
    time: float


@dataclass(frozen=True, slots=True)
class Chunk:
    """One sentence (or a smaller piece of a very long one) of synthesized speech.

    ``start``/``end`` are character offsets into the text passed in (the article's
    text for :func:`synthesize_article`), so ``text[start:end]`` is what was spoken.
    ``pause_after`` is silence the consumer adds after the chunk (sentence, paragraph
    or heading pause); it is not part of ``pcm``.
    """

    pcm: bytes  # 16-bit signed mono little-endian
    sample_rate: int
    start: int
    end: int
    words: tuple[Word, ...]
    pause_after: float

    @property
    def duration(self) -> float:
        """Seconds of audio in :attr:`pcm` (not counting :attr:`pause_after`)."""
        return len(self.pcm) / (SAMPLE_WIDTH * self.sample_rate)


@dataclass(frozen=True, slots=True)
class Voice:
    """An installed voice: ``id`` is what ``voice=`` and ``reader say --voice`` take."""

    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None  # "male", "female" or None when the engine does not say


def synthesize(
    text: str,
    *,
    voice: str | None = None,
    rate: int | None = None,
    pitch: int | None = None,
    volume: float | None = None,
    language: str | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Chunk]:
    """Synthesize ``text`` lazily, one :class:`Chunk` per sentence or smaller."""
    raise NotImplementedError("reader.speech is being built (issue 3)")


def synthesize_article(
    article: Article,
    start: int = 0,
    end: int | None = None,
    *,
    voice: str | None = None,
    rate: int | None = None,
    pitch: int | None = None,
    volume: float | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Chunk]:
    """Synthesize ``article.text[start:end]``; offsets are into ``article.text``."""
    raise NotImplementedError("reader.speech is being built (issue 3)")


def voices(language: str | None = None) -> list[Voice]:
    """The installed voices, optionally only those speaking ``language``."""
    raise NotImplementedError("reader.speech is being built (issue 3)")


def warm_up(voice: str | None = None, language: str | None = None) -> None:
    """Start the engine (load the library and the voice) off the keypress path."""
    raise NotImplementedError("reader.speech is being built (issue 3)")


__all__ = [
    "Chunk",
    "Voice",
    "Word",
    "synthesize",
    "synthesize_article",
    "voices",
    "warm_up",
]
