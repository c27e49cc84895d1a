"""Words a minute that mean what they say: what an engine is asked for, so that the
listener hears the rate asked.

The rate is measured as a listener hears it: the words of the text over the length of
the audio made, the pauses between sentences, paragraphs and headings included (the
silence before the first word and after the last is not). Two things make a voice's
own "words a minute" miss that on real prose, and both are handled here:

* **Pauses.** The pauses of the settings (``pause_sentence_ms``...) are the pauses at
  :data:`PAUSE_RATE` (the default rate) and shrink or grow with the rate
  (:func:`pause_scale`), as when a recording is played faster; on news prose they are
  about :data:`PAUSE_SHARE` of the time, so an engine's speech alone runs that much
  faster than the rate asked (:func:`speech_wpm`). A text with more (or fewer) pauses,
  headings every few lines, moves that (:func:`pause_share`, bounded by
  :data:`PAUSE_SHARE_BOUNDS`: a list of names, one a line, is still heard slower
  rather than gabbled).
* **Long words.** Speech time follows letters more than words: measured with eSpeak
  on six news articles, words a minute at one setting spread by +-11 % from article to
  article, letters a minute by +-5 %. Letters as they are said (:func:`spoken_letters`):
  "NFL" is said as three letter names, "45%" as "forty-five percent", so a list of
  acronyms and figures is longer to say than to write (a listicle of them was heard
  10 % under the rate asked when only written letters counted). An engine's pace is
  kept for prose of :data:`REFERENCE_LETTERS` such letters a word, and a text of
  longer (or shorter) words is read that much quicker (slower): :func:`engine_rate`,
  bounded by :data:`DENSITY_BOUNDS`.

Each engine turns the rate from :func:`engine_rate` into its own setting:
eSpeak NG through a measured table (:mod:`reader.speech.espeak`), Piper through
``length_scale`` and, beyond what the model says clearly, a time-stretch
(:mod:`reader.speech.piper`, :mod:`reader.speech.stretch`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.speech.plan import Pauses
    from reader.speech.types import Chunk

PAUSE_RATE = 175  # words a minute at which the settings' pauses are as written (the default)
PAUSE_SHARE = 0.07  # pauses' share of the time on news prose (measured: 0.05 to 0.13)
PAUSE_SHARE_BOUNDS = (0.03, 0.20)  # how far a text's own share may move the engine's pace
# Spoken letters (spoken_letters) a word of the prose the engines' paces are kept for:
# news prose of 5 written letters a word has about 5.2 (its figures and acronyms).
REFERENCE_LETTERS = 5.2
DENSITY_BOUNDS = (0.85, 1.2)  # how far a text's word length may move the engine's pace
SAMPLE_CHARS = 10_000  # a longer text is measured on its start
# A sentence's end: its mark, closing quotes or brackets, then a space (linear: no
# nested repetition).
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*\s")
_ENDED = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
# A word said letter by letter: two or three capitals ("FBI", "NFL"), or up to six
# without a vowel ("WCTS"); a plural "s" may follow. "NASA" or "WOMEN" are words.
_ACRONYM = re.compile(r"[A-Z]{2,3}s?|[B-DF-HJ-NP-TV-XZ]{4,6}s?")
_EDGES = ".,;:!?()[]{}\"'\u2018\u2019\u201c\u201d"
DIGIT_LETTERS = 4  # a digit said: "forty-five" is 9 letters for 2 digits
ACRONYM_LETTERS = 2.2  # a letter said by its name: "en", "ef", "double-u"
# Symbols said as words (their letters, about): "percent", "at", "and", "plus"...
SYMBOL_LETTERS = {"%": 7, "@": 2, "&": 3, "+": 4, "_": 10, "$": 7, "\u20ac": 5, "\u00a3": 6}


def pause_scale(rate: int | float) -> float:
    """The factor on the settings' pauses at ``rate`` words a minute (1 at the default)."""
    return PAUSE_RATE / max(float(rate), 1.0)


def letters_per_word(text: str) -> float:
    """Spoken letters (:func:`spoken_letters`) per word of ``text`` (a word: a run of
    non-space characters with a letter or digit); :data:`REFERENCE_LETTERS` for text
    without words."""
    return _shape(text[:SAMPLE_CHARS]).letters_per_word


def spoken_letters(token: str) -> float:
    """About how many letters ``token`` (one word as written) has when said: its
    letters; an acronym's letters said by their names (:data:`ACRONYM_LETTERS` each);
    a digit as its number word (:data:`DIGIT_LETTERS`); a symbol as its name."""
    letters = digits = 0
    symbols = 0.0
    for char in token:
        if char.isdigit():
            digits += 1
        elif char.isalnum():
            letters += 1
        else:
            symbols += SYMBOL_LETTERS.get(char, 0)
    if not letters and not digits:
        return 0.0
    if _ACRONYM.fullmatch(token.strip(_EDGES)):
        return letters * ACRONYM_LETTERS + symbols
    return letters + digits * DIGIT_LETTERS + symbols


@dataclass(frozen=True, slots=True)
class _Shape:
    letters_per_word: float
    words: int
    paragraphs: int  # paragraphs ended by a sentence, but the last
    headings: int  # paragraphs without a sentence's end (titles, headings, bylines)
    sentences: int  # sentence ends inside paragraphs


@lru_cache(maxsize=8)  # a listener's skips restart the stream on the same article
def _shape(sample: str) -> _Shape:
    letters = 0.0
    words = 0
    for token in sample.split():
        count = spoken_letters(token)
        if count:
            letters += count
            words += 1
    blocks = [block.strip() for block in sample.split("\n\n")]
    blocks = [block for block in blocks if block][:-1]  # no pause after the last
    headings = sum(1 for block in blocks if not _ENDED.search(block))
    paragraphs = len(blocks) - headings
    sentences = max(0, len(_SENTENCE_END.findall(sample)) - paragraphs)
    per_word = letters / words if words else REFERENCE_LETTERS
    return _Shape(per_word, words, paragraphs, headings, sentences)


def density(text: str) -> float:
    """How much longer ``text``'s words are than the reference prose's, bounded."""
    low, high = DENSITY_BOUNDS
    return max(low, min(high, letters_per_word(text) / REFERENCE_LETTERS))


def pause_share(text: str, pauses: Pauses, rate: int) -> float:
    """The share of the time ``text`` is silent between its sentences at ``rate`` with
    ``pauses`` (those of that rate), estimated from its sentence ends and blank lines (a
    paragraph without a sentence's end is taken for a heading) and bounded
    (:data:`PAUSE_SHARE_BOUNDS`)."""
    shape = _shape(text[:SAMPLE_CHARS])
    low, high = PAUSE_SHARE_BOUNDS
    if not shape.words:
        return PAUSE_SHARE
    silent = (
        shape.headings * pauses.heading
        + shape.paragraphs * pauses.paragraph
        + shape.sentences * pauses.sentence
    )
    return max(low, min(high, silent / (shape.words * 60.0 / max(rate, 1))))


def engine_rate(rate: int, text: str, pauses: Pauses | None = None) -> int:
    """The rate to ask an engine for so that ``text`` is heard at ``rate`` words a minute:
    ``rate`` on prose of the reference word length and pause share, quicker for longer
    words or more pauses (``pauses``: the settings' at ``rate``; None: the usual share)."""
    share = PAUSE_SHARE if pauses is None else pause_share(text, pauses, rate)
    return max(1, round(rate * density(text) * (1.0 - PAUSE_SHARE) / (1.0 - share)))


def speech_wpm(rate: int | float) -> float:
    """Words a minute an engine's speech alone must reach on reference prose so that,
    with the pauses (:func:`pause_scale`), it is heard at ``rate``."""
    return float(rate) / (1.0 - PAUSE_SHARE)


def count_words(text: str) -> int:
    """The words of ``text`` as :func:`letters_per_word` counts them."""
    return sum(1 for token in text.split() if any(char.isalnum() for char in token))


SILENT = 131  # 16-bit sample amplitude (-48 dBFS) at or below which audio counts as silence


def heard_seconds(chunks: Iterable[Chunk]) -> float:
    """How long ``chunks`` last as played or exported (their audio with the pause after
    each), from the first sound to the end of the last."""
    import numpy as np

    at = 0.0  # where the next chunk starts
    first: float | None = None
    last = 0.0
    for chunk in chunks:
        samples = np.frombuffer(chunk.pcm, dtype="<i2").astype(np.int32)
        loud = np.flatnonzero(np.abs(samples) > SILENT)
        if loud.size:
            if first is None:
                first = at + int(loud[0]) / chunk.sample_rate
            last = at + (int(loud[-1]) + 1) / chunk.sample_rate
        at += samples.size / chunk.sample_rate + chunk.pause_after
    return last - first if first is not None else 0.0


def heard_wpm(text: str, chunks: Iterable[Chunk]) -> float:
    """Words a minute of ``text`` as a listener hears ``chunks`` (its audio)."""
    seconds = heard_seconds(chunks)
    return count_words(text) * 60.0 / seconds if seconds > 0 else 0.0
