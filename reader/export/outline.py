"""What a podcast app shows of an exported article besides its sound: chapters for a
long article without headings, and a description.

An article with headings gets a chapter per heading section (:func:`reader.export.chapters`);
one without them but long enough for two chapters gets one every few paragraphs (at
least :data:`CHAPTER_WORDS` words each, about a minute and a half at the default rate),
titled by its first words, so a listener can still skip ahead. The description is the
first paragraph of what the file speaks, cut at a sentence end: podcast apps show it on
the episode's page, which was empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reader.text.sanitize import one_line

if TYPE_CHECKING:
    from reader.text.article import Article

CHAPTER_WORDS = 250  # a paragraph chapter holds at least this many words
CHAPTER_TITLE_CHARS = 48  # "The intelligence agency, known under its…"
HEADING_CHAPTER_CHARS = 60  # a chapter titled by a heading, a highlight, the title
DESCRIPTION_CHARS = 600  # a longer first paragraph is cut at a sentence end


def snippet(text: str, limit: int = HEADING_CHAPTER_CHARS) -> str:
    """``text`` on one line, cut at a word boundary to about ``limit`` characters."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def paragraph_chapters(article: Article) -> list[tuple[int, str]]:
    """``(offset, title)`` of a chapter every few paragraphs of ``article``: none when it
    has headings (those make the chapters) or is shorter than two chapters."""
    if any(block.kind == "heading" for block in article.blocks):
        return []
    groups: list[tuple[int, str, int]] = []  # (offset, title, words)
    for block, span in zip(article.blocks, article.block_spans, strict=True):
        words = len(block.text.split())
        if not groups or groups[-1][2] >= CHAPTER_WORDS:
            groups.append((span.start, snippet(block.text, CHAPTER_TITLE_CHARS), words))
        else:
            offset, title, count = groups[-1]
            groups[-1] = (offset, title, count + words)
    if len(groups) > 1 and groups[-1][2] < CHAPTER_WORDS // 2:
        offset, title, count = groups[-2]  # a short tail joins the chapter before
        groups[-2:] = [(offset, title, count + groups[-1][2])]
    if len(groups) < 2:
        return []
    return [(0 if n == 0 else offset, title) for n, (offset, title, _) in enumerate(groups)]


def description(article: Article, ranges: Sequence[tuple[int, int]]) -> str | None:
    """The first paragraph spoken in ``ranges`` of ``article.text`` (a highlight: its
    text), on one line and at most :data:`DESCRIPTION_CHARS` characters."""
    if not ranges:
        return None
    start, end = ranges[0]
    whole = start == 0 and end >= len(article.text)
    text = article.text[start:end]
    if whole:
        paragraphs = [b.text for b in article.blocks if b.kind != "heading"]
        text = paragraphs[0] if paragraphs else text
    return shorten(text)


def shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str | None:
    """``text`` on one line, cut after the last sentence that ends within ``limit``
    characters (else at a word, with an ellipsis)."""
    line = one_line(text)
    if len(line) <= limit:
        return line or None
    cut = line[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if end > limit // 3:
        return cut[: end + 1]
    return snippet(line, limit)


def first_paragraph(lyrics: str, title: str) -> str | None:
    """A description for a file written before files carried one: the first paragraph of
    its spoken text (the ``USLT`` frame) that is not its title."""
    paragraphs = [p for p in lyrics.split("\n\n") if p.strip() and one_line(p) != one_line(title)]
    # Headings are paragraphs of the spoken text too: the first one of some length.
    full = [p for p in paragraphs if len(p.split()) >= 8]
    chosen = full or paragraphs
    return shorten(chosen[0]) if chosen else None
