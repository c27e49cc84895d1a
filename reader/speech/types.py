"""What speech gives: words with their times, chunks of sound, and the voices.

The types of the speech API (:mod:`reader.speech` re-exports them), in a module of
their own at the bottom of the package: the engine and the pipeline build them, the
package's face hands them out, and neither imports the other for them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SAMPLE_WIDTH", "Chunk", "Voice", "Word"]

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
    engine: str = "espeak"  # "piper", "espeak", "sapi5" or "nsss"
    quality: str | None = None  # Piper's "x_low", "low", "medium", "high"
    sample_rate: int | None = None  # Hz of the audio it makes, when known
