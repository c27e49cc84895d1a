"""The article column: the article laid out and drawn, with its margin marks.

A Line API widget (:class:`~textual.scroll_view.ScrollView`): the article is laid out
by :mod:`reader.tui.layout` and each visible line is drawn as segments built from
the article's characters. Nothing from the article is ever parsed as markup or sent
to the terminal raw (see :func:`reader.tui.layout.visible`).

Two margin columns carry, as symbols, everything that colour also says, so nothing
is said by colour only:

* the first: ``│`` beside a saved highlight (``✎`` on its first line when it has a note);
* the second: ``▶`` beside the sentence being spoken, ``┃`` beside the selection, and
  ``›`` beside the cursor sentence when nothing is selected.

:class:`ArticleColumn` shows what it is given (cursor, selection, highlights, the
spoken sentence and word) and maps screen cells to character offsets; the keys and
the mouse that change them are :class:`~reader.tui.article_view.ArticleView`'s.
"""

from __future__ import annotations

import bisect
import itertools
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.tui.layout import (
    MAX_COLUMN,
    LineIndex,
    VisualLine,
    cell_width,
    drawn,
    layout,
)

if TYPE_CHECKING:
    from reader.text.article import Article
    from reader.text.highlight import Highlight

GUTTER = 3  # highlight mark, state mark, space

MARK_HIGHLIGHT = "│"
MARK_NOTE = "✎"
MARK_SPOKEN = "▶"
MARK_SELECTION = "┃"
MARK_CURSOR = "›"


class ArticleColumn(ScrollView):
    """One article in a readable column, with what is selected, saved and spoken."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article--title",
        "article--heading",
        "article--quote",
        "article--meta",
        "article--highlight",
        "article--selection",
        "article--cursor",
        "article--spoken",
        "article--word",
        "article--mark",
    }

    def __init__(
        self,
        article: Article,
        *,
        rate: int = 175,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.article = article
        self.rate = rate
        self._sentence_starts = [s.start for s in article.sentences]
        self.cursor = 0
        self.selection: tuple[int, int] | None = None
        self.highlights: list[Highlight] = []  # the saved ones, in text order
        self.spoken: tuple[int, int] | None = None
        self.word: tuple[int, int] | None = None
        self._lines: list[VisualLine] = []
        self._index = LineIndex([])
        self._column = 0
        self._pad = 0

    # -- layout ----------------------------------------------------------------------

    @property
    def lines(self) -> list[VisualLine]:
        return self._lines

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        column = max(20, min(MAX_COLUMN, width - GUTTER - 1))
        self._column = column
        self._pad = max(0, (width - (GUTTER + column)) // 2)
        self._lines = layout(self.article, column, self.rate)
        self._index = LineIndex(self._lines)
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    def on_mount(self) -> None:
        self._relayout()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        # Where to scroll is decided after the refresh: a key pressed meanwhile (G just
        # after the article opened) must not be undone by the offset from before it.
        self.call_after_refresh(self._keep_focus_in_view)

    def _keep_focus_in_view(self) -> None:
        self.scroll_to_offset(self._focus_offset())

    def set_rate(self, rate: int) -> None:
        """The listening time in the byline follows the rate."""
        self.rate = rate
        self._relayout()

    # -- sentences -------------------------------------------------------------------

    def sentence_at(self, offset: int) -> int:
        """The index of the sentence holding (or nearest before) ``offset``."""
        i = bisect.bisect_right(self._sentence_starts, offset) - 1
        return max(0, min(i, len(self._sentence_starts) - 1))

    def sentence_span(self, index: int) -> tuple[int, int]:
        sentence = self.article.sentences[index]
        return sentence.start, sentence.end

    @property
    def cursor_span(self) -> tuple[int, int] | None:
        if not self.article.sentences:
            return None
        return self.sentence_span(self.cursor)

    def _focus_offset(self) -> int:
        if self.spoken is not None:
            return self.spoken[0]
        span = self.cursor_span
        return span[0] if span else 0

    # -- what is shown ---------------------------------------------------------------

    def set_highlights(self, highlights: list[Highlight]) -> None:
        """Show these saved highlights (placed ones: a detached one has no place here)."""
        self.highlights = sorted(highlights, key=lambda h: (h.start, h.end))
        self.refresh()

    def set_spoken(self, span: tuple[int, int] | None, *, follow: bool = True) -> None:
        """Highlight the sentence being spoken (None: nothing is) and keep it in view."""
        self.spoken = span
        self.word = None
        if span is not None and follow:
            self.scroll_to_span(*span)
        self.refresh()

    def set_word(self, span: tuple[int, int] | None) -> None:
        self.word = span
        self.refresh()

    def scroll_to_span(self, start: int, end: int) -> None:
        rows = self._index.rows_of(start, end)
        if not rows:
            return
        height = self.scrollable_content_region.height or self.size.height
        top = int(self.scroll_y)
        margin = 2 if height > 8 else 0
        first, last = rows.start, rows.stop - 1
        if first - margin < top:
            # Above the first line of text are only the title and the byline: going
            # there (g, home, k) shows them too, not two rows of them.
            target = 0 if first == self._index.first_text_row else max(0, first - margin)
        elif last + margin >= top + height:
            target = min(first - margin, last + margin - height + 1)
            target = max(0, target)
        else:
            return
        self.scroll_to(y=target, animate=False, immediate=True)

    def scroll_to_offset(self, offset: int) -> None:
        self.scroll_to_span(offset, offset + 1)

    # -- geometry --------------------------------------------------------------------

    def offset_at(self, x: int, y: int) -> int | None:
        """The character offset under content coordinates (x, y), or None."""
        row = y + int(self.scroll_y)
        if not 0 <= row < len(self._lines):
            return None
        line = self._lines[row]
        if not line.is_text:
            return None
        column = x - self._pad - GUTTER - cell_width_of(line.prefix)
        if column < 0:
            return line.start
        text = self.article.text
        cells = 0
        for offset in range(line.start, line.end):
            cells += cell_width(text[offset])
            if cells > column:
                return offset
        return max(line.start, line.end - 1)

    def caret_at(self, offset: int) -> tuple[int, int] | None:
        """Where the text at ``offset`` begins on screen (x, y within the content
        region), or None when it is scrolled out of view."""
        rows = self._index.rows_of(offset, offset + 1)
        if not rows:
            return None
        row = rows.start
        y = row - int(self.scroll_y)
        if not 0 <= y < self._view_height():
            return None
        line = self._lines[row]
        text = self.article.text[line.start : max(line.start, offset)]
        x = self._pad + GUTTER + cell_width_of(line.prefix) + cell_width_of(text)
        return x, y

    def _view_height(self) -> int:
        return max(1, self.scrollable_content_region.height or self.size.height)

    # -- drawing -----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        row = y + int(self.scroll_y)
        if row >= len(self._lines):
            return Strip.blank(width, base)
        line = self._lines[row]
        segments = [Segment(" " * self._pad, base)]
        mark_style = base + self.get_component_rich_style("article--mark")
        if line.is_text:
            segments.append(Segment(self._highlight_mark(line), mark_style))
            segments.append(Segment(self._state_mark(line) + " ", mark_style))
            kind_style = self._kind_style(line.kind)
            if line.prefix:
                segments.append(Segment(line.prefix, base + kind_style))
            segments.extend(self._text_segments(line, base + kind_style))
        elif line.kind in ("meta", "title-label"):
            segments.append(Segment(" " * GUTTER, base))
            style = self._kind_style("meta" if line.kind == "meta" else "title")
            segments.append(Segment(drawn(line.label), base + style))
        strip = Strip(segments)
        return strip.extend_cell_length(width, base).crop(0, width)

    def _kind_style(self, kind: str) -> Style:
        if kind in ("title", "heading", "quote", "meta"):
            return self.get_component_rich_style(f"article--{kind}")
        return Style()

    def _highlight_mark(self, line: VisualLine) -> str:
        for highlight in self.highlights:
            if highlight.start < line.end and line.start < highlight.end:
                first_row = self._index.row_of(highlight.start)
                if highlight.note and first_row is not None and self._lines[first_row] is line:
                    return MARK_NOTE
                return MARK_HIGHLIGHT
            if highlight.start >= line.end:
                break
        return " "

    def _state_mark(self, line: VisualLine) -> str:
        def overlaps(span: tuple[int, int] | None) -> bool:
            return span is not None and span[0] < line.end and line.start < span[1]

        if overlaps(self.spoken):
            return MARK_SPOKEN
        if overlaps(self.selection):
            return MARK_SELECTION
        if self.selection is None and overlaps(self.cursor_span):
            return MARK_CURSOR
        return " "

    def _text_segments(self, line: VisualLine, style: Style) -> list[Segment]:
        """The line's characters, split into runs of one combined style."""
        layers: list[tuple[int, int, Style]] = []

        def add(span: tuple[int, int] | None, component: str) -> None:
            if span is None:
                return
            a, b = max(span[0], line.start), min(span[1], line.end)
            if a < b:
                layers.append((a, b, self.get_component_rich_style(component)))

        for highlight in self.highlights:
            if highlight.start >= line.end:
                break
            add((highlight.start, highlight.end), "article--highlight")
        if self.selection is None:
            add(self.cursor_span, "article--cursor")
        add(self.selection, "article--selection")
        add(self.spoken, "article--spoken")
        add(self.word, "article--word")
        text = self.article.text
        cuts = {line.start, line.end}
        for a, b, _ in layers:
            cuts.update((a, b))
        points = sorted(cuts)
        segments = []
        for a, b in itertools.pairwise(points):
            run_style = style
            for la, lb, layer in layers:
                if la <= a and b <= lb:
                    run_style = run_style + layer
            segments.append(Segment(drawn(text[a:b]), run_style))
        return segments


def cell_width_of(text: str) -> int:
    return sum(cell_width(ch) for ch in text)
