"""Lay an article out as wrapped lines of a readable column (no Textual here).

The article view draws :class:`VisualLine` objects. Each line that shows article
text knows which characters of :attr:`Article.text` it holds (``start``/``end``), so
selection, highlights, the follow-along sentence and mouse clicks all stay exact
character offsets into the text that is spoken. Lines that are only decoration
(the byline, the date, blank lines) have ``start == end == -1``.

Wrapping is done here, not by the terminal, for three reasons: a click must map to
a character offset, the margin marks are per line, and "keep the spoken sentence in
view" needs the line of any offset.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import get_character_cell_size

from reader.text.sanitize import safe_text

if TYPE_CHECKING:
    from reader.text.article import Article

MAX_COLUMN = 76  # text cells per line: with the margin, about 80 columns
MIN_COLUMN = 20

_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_CONTROL_PICTURES[0x7F] = "\u2421"  # ␡


def visible(char: str) -> str:
    """The character to draw for ``char``: control characters become visible symbols.

    Article text is content, never terminal input: an ESC (``\\x1b``) that reached
    the screen could recolour or move the cursor. Every C0/C1 control character is
    drawn as its Unicode "control picture" (ESC shows as ``␛``), one character for
    one, so offsets do not move.
    """
    code = ord(char)
    if code < 0x20 or code == 0x7F:
        return _CONTROL_PICTURES[code]
    if 0x80 <= code < 0xA0:
        return "\ufffd"
    return char


def drawn(text: str) -> str:
    """``text`` as drawn: control characters as symbols (:func:`visible`), and without
    the bidi overrides and isolates that could reorder what the terminal shows (they
    take no cells, so the layout's columns and offsets are unchanged)."""
    return safe_text("".join(map(visible, text)))


def cell_width(char: str) -> int:
    """Cells the drawn form of ``char`` takes (wide East Asian characters take two)."""
    char = visible(char)
    if unicodedata.combining(char):
        return 0
    return get_character_cell_size(char)


@dataclass(frozen=True, slots=True)
class VisualLine:
    """One line of the column.

    ``kind`` is the block kind ("title", "heading", "paragraph", "list_item",
    "quote") for text lines, or "meta"/"blank" for decoration. ``prefix`` is drawn
    before the text (a bullet, or the hanging indent of a list item or quote).
    ``label`` is the text of a decoration line.
    """

    kind: str
    start: int = -1
    end: int = -1
    block: int | None = None
    prefix: str = ""
    label: str = ""

    @property
    def is_text(self) -> bool:
        return self.start >= 0


_BREAKABLE = re.compile(r"\s+")


def wrap(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text[start:end]`` into lines of at most ``width`` cells.

    Returns ``(line_start, line_end)`` offsets into ``text``; whitespace at a break
    belongs to no line. A word longer than a line is cut. Newlines inside a block
    force a break.
    """
    width = max(1, width)
    lines: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        # Skip whitespace at the start of a line (but honour explicit newlines).
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos >= end:
            break
        if text[pos] == "\n":
            pos += 1
            continue
        line_start = pos
        i, last_break = _fill(text, pos, end, width)
        if i >= end or text[i] == "\n":
            lines.append((line_start, _trimmed(text, line_start, i)))
            pos = i
        elif last_break > line_start:
            lines.append((line_start, _trimmed(text, line_start, last_break)))
            pos = last_break
        else:  # one word longer than the line: cut it
            cut = max(i, line_start + 1)
            lines.append((line_start, cut))
            pos = cut
    return lines


def _fill(text: str, pos: int, end: int, width: int) -> tuple[int, int]:
    """How far a line from ``pos`` reaches: the offset where it stops (a newline, the
    end, or the first character that does not fit) and the last whitespace before it
    where it may break (-1: none)."""
    cells = 0
    last_break = -1
    i = pos
    while i < end:
        ch = text[i]
        if ch == "\n":
            break
        w = cell_width(ch)
        if ch in " \t":
            last_break = i
        elif cells + w > width:
            break
        cells += w
        i += 1
    return i, last_break


def _trimmed(text: str, line_start: int, line_end: int) -> int:
    """``line_end`` moved back over trailing spaces and tabs (not past ``line_start``)."""
    while line_end > line_start and text[line_end - 1] in " \t":
        line_end -= 1
    return line_end


_PREFIX = {"list_item": ("• ", "  "), "quote": ("  ", "  ")}


def meta_line(article: Article, rate: int) -> str:
    """Byline, date, site and the listening time at ``rate`` words per minute."""
    parts: list[str] = []
    if article.authors:
        parts.append("By " + ", ".join(article.authors))
    if article.date:
        parts.append(article.date[:10])
    if article.site:
        parts.append(article.site)
    parts.append(listening_time(article.word_count, rate))
    return " · ".join(parts)


def listening_time(words: int, rate: int) -> str:
    """ "12 min listen" (at least one minute; seconds under a minute are rounded up)."""
    minutes = max(1, -(-words // max(1, rate)))
    if minutes < 60:
        return f"{minutes} min listen"
    return f"{minutes // 60} h {minutes % 60:02d} min listen"


def layout(article: Article, width: int, rate: int) -> list[VisualLine]:
    """The article as lines of at most ``width`` cells (including list prefixes)."""
    width = max(MIN_COLUMN, width)
    text = article.text
    lines: list[VisualLine] = []
    title_span = article.title_span
    if title_span is not None:
        for a, b in wrap(text, title_span.start, title_span.end, width):
            lines.append(VisualLine("title", a, b))
    elif article.title:
        # The title repeats the body's opening words: shown, not spoken or selectable.
        for chunk in _wrap_label(article.title, width):
            lines.append(VisualLine("title-label", label=chunk))
    for chunk in _wrap_label(meta_line(article, rate), width):
        lines.append(VisualLine("meta", label=chunk))
    for index, (block, span) in enumerate(zip(article.blocks, article.block_spans, strict=True)):
        lines.append(VisualLine("blank"))
        first, rest = _PREFIX.get(block.kind, ("", ""))
        inner = width - len(first)
        for n, (a, b) in enumerate(wrap(text, span.start, span.end, inner)):
            lines.append(VisualLine(block.kind, a, b, index, first if n == 0 else rest))
    return lines


def _wrap_label(label: str, width: int) -> list[str]:
    return [label[a:b] for a, b in wrap(label, 0, len(label), width)] or [""]


class LineIndex:
    """Find the line of a character offset, and the lines of a span, quickly."""

    def __init__(self, lines: list[VisualLine]) -> None:
        self.lines = lines
        self._text_rows = [row for row, line in enumerate(lines) if line.is_text]
        self._starts = [lines[row].start for row in self._text_rows]

    @property
    def first_text_row(self) -> int | None:
        """The row of the article's first text (a title from the text, else its body)."""
        return self._text_rows[0] if self._text_rows else None

    def row_of(self, offset: int) -> int | None:
        """The row holding ``offset`` (or the nearest text row before it)."""
        if not self._starts:
            return None
        i = bisect.bisect_right(self._starts, offset) - 1
        return self._text_rows[max(0, i)]

    def rows_of(self, start: int, end: int) -> range:
        """Rows that show any of ``text[start:end]``."""
        first = self.row_of(start)
        last = self.row_of(max(start, end - 1))
        if first is None or last is None:
            return range(0)
        return range(first, last + 1)
