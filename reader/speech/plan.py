"""What to say, in order: the pieces of a text or an article, found lazily.

A piece is a sentence (or part of a very long one) with the pause that follows it.
Plain text is split paragraph by paragraph and, inside a paragraph, window by window
(a few thousand characters at a time), so the first sentence is ready after a
constant amount of work whatever the length of the text: time to first audio does
not grow with the passage. An article's sentences come from the article model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.text.cutting import windows
from reader.text.segment import split_sentences

if TYPE_CHECKING:
    from reader.text.article import Article

WINDOW = 3000  # characters segmented at a time
MAX_PIECE = 400  # longer sentences are cut at a clause or word boundary
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_CLAUSE = re.compile(r"[,;:)\]](?=\s)|\s[-–—]\s")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class Pauses:
    sentence: float
    paragraph: float
    heading: float


@dataclass(frozen=True, slots=True)
class Piece:
    start: int
    end: int
    pause: float


def plan_text(text: str, language: str | None, pauses: Pauses) -> Iterator[Piece]:
    """The pieces of ``text``; a blank line ends a paragraph."""
    previous: Piece | None = None
    pos = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        last: Piece | None = None
        for start, stop, pause in _paragraph(text, pos, end, language, pauses):
            if previous is not None:
                yield previous
            previous = last = Piece(start, stop, pause)
        if last is not None and previous is last:
            previous = Piece(last.start, last.end, pauses.paragraph)
        if match:
            pos = match.end()
    if previous is not None:
        yield Piece(previous.start, previous.end, 0.0)


def _paragraph(
    text: str, start: int, end: int, language: str | None, pauses: Pauses
) -> Iterator[tuple[int, int, float]]:
    pos = start
    while pos < end:
        stop = min(end, pos + WINDOW)
        if stop < end:  # end the window at a space if there is one in its second half
            space = text.rfind(" ", pos + WINDOW // 2, stop)
            if space > pos:
                stop = space
        spans = split_sentences(text[pos:stop], language)
        if not spans:
            pos = stop
            continue
        if stop < end and len(spans) > 1:
            # the last sentence may go on in the next window: segment it again there
            keep, pos_next = spans[:-1], pos + spans[-1][0]
        else:
            keep, pos_next = spans, stop
        for a, b in keep:
            yield from _limit(text, pos + a, pos + b, pauses.sentence)
        pos = pos_next


def _limit(
    text: str, start: int, end: int, pause: float, limit: int = MAX_PIECE
) -> Iterator[tuple[int, int, float]]:
    """Cut a sentence longer than ``limit`` at clause, then word boundaries (from a third
    of the way in); the last part keeps the sentence's ``pause``."""

    def clauses(low: int, high: int) -> Iterator[int]:
        return (match.end() for match in _CLAUSE.finditer(text, low, high))

    def spaces(low: int, high: int) -> Iterator[int]:
        return (match.start() for match in _SPACE.finditer(text, low, high))

    spans = list(windows(start, end, limit, (clauses, spaces), low_share=1 / 3))
    for index, (a, b) in enumerate(spans):
        a, b = _trim(text, a, b)
        if a < b:
            yield a, b, pause if index == len(spans) - 1 else 0.0


NEURAL_PIECE = 200  # characters: a neural model's memory grows with its longest input


def limit_pieces(text: str, pieces: Iterator[Piece], limit: int = NEURAL_PIECE) -> Iterator[Piece]:
    """``pieces`` with any longer than ``limit`` cut at clause, then word boundaries.

    onnxruntime's memory pool grows to fit the longest input a session has run (a
    3,000-word export peaked at 628 MB with 400-character pieces); a clause is a
    natural place for the voice to breathe.
    """
    for piece in pieces:
        if piece.end - piece.start <= limit:
            yield piece
            continue
        for a, b, pause in _limit(text, piece.start, piece.end, piece.pause, limit):
            yield Piece(a, b, pause)


FIRST_WORDS = 9  # words of the first part of the first sentence (neural voices)
MIN_CLAUSE_WORDS = 3  # a clause shorter than this is not worth its own piece


def quick_start(text: str, pieces: Iterator[Piece], words: int = FIRST_WORDS) -> Iterator[Piece]:
    """``pieces`` with the first one cut after its first clause or ``words`` words.

    A voice that synthesizes a whole piece before it yields (Piper) makes the listener
    wait for the whole first sentence; its first part, cut at the last clause boundary
    (comma, semicolon, colon, dash) among its first ``words`` words, else after
    ``words`` words, arrives in a fraction of that. The rest follows in whole pieces.
    The cut carries no pause (``pause`` 0): the seam is as short as the voice's own.
    """
    first = next(pieces, None)
    if first is None:
        return
    cut = _first_cut(text, first.start, first.end, words)
    if cut is None:
        yield first
    else:
        a, b = _trim(text, first.start, cut)
        c, d = _trim(text, cut, first.end)
        yield Piece(a, b, 0.0)
        yield Piece(c, d, first.pause)
    yield from pieces


def _first_cut(text: str, start: int, end: int, words: int) -> int | None:
    """Where to cut ``text[start:end]`` for a quick first part (None: keep it whole)."""
    spaces = [m.start() for m in _SPACE.finditer(text, start, end)]
    if len(spaces) < words + MIN_CLAUSE_WORDS:
        return None  # short enough already
    limit = spaces[words - 1]
    cut = None
    for match in _CLAUSE.finditer(text, spaces[MIN_CLAUSE_WORDS - 1], limit + 1):
        cut = match.end()
    return cut if cut is not None else limit


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def plan_article(article: Article, start: int, end: int, pauses: Pauses) -> Iterator[Piece]:
    """The pieces of ``article.text[start:end]``, with pauses from the block kinds."""
    text = article.text
    sentences = [s for s in article.sentences if s.end > start and s.start < end]
    previous: Piece | None = None
    for index, sentence in enumerate(sentences):
        a, b = max(sentence.start, start), min(sentence.end, end)
        following = sentences[index + 1] if index + 1 < len(sentences) else None
        if sentence.block is None or article.blocks[sentence.block].kind == "heading":
            pause = pauses.heading
        elif following is None or following.block != sentence.block:
            pause = pauses.paragraph
        else:
            pause = pauses.sentence
        for piece in _limit(text, a, b, pause):
            if previous is not None:
                yield previous
            previous = Piece(*piece)
    if previous is not None:
        yield Piece(previous.start, previous.end, 0.0)
