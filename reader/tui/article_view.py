"""The article view: a readable column with a sentence cursor, selection and marks.

A Line API widget (:class:`~textual.scroll_view.ScrollView`): the article is laid out
by :mod:`reader.tui.layout` and each visible line is drawn as segments built from
the article's characters. Nothing from the article is ever parsed as markup or sent
to the terminal raw (see :func:`reader.tui.layout.visible`).

Two margin columns carry, as symbols, everything that colour also says, so nothing
is said by colour only:

* the first: ``│`` beside a saved highlight (``✎`` on its first line when it has a note);
* the second: ``▶`` beside the sentence being spoken, ``┃`` beside the selection, and
  ``›`` beside the cursor sentence when nothing is selected.

Dragging past the top or bottom row scrolls the view while the button is held, so a
passage longer than the screen can be selected with the mouse (see
:meth:`ArticleView.on_mouse_move`).
"""

from __future__ import annotations

import bisect
import itertools
import re
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Offset, Size
from textual.message import Message
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
    from textual.timer import Timer

    from reader.article import Article
    from reader.highlight import Highlight

GUTTER = 3  # highlight mark, state mark, space

MARK_HIGHLIGHT = "│"
MARK_NOTE = "✎"
MARK_SPOKEN = "▶"
MARK_SELECTION = "┃"
MARK_CURSOR = "›"

DRAG_SCROLL_INTERVAL = 0.05  # seconds between scroll steps while dragging past an edge
DRAG_SCROLL_MAX_STEP = 5  # rows per step, reached 4 rows beyond the edge

_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


class ArticleView(ScrollView, can_focus=True):
    """Shows one article; the sentence cursor and the selection live here."""

    ALLOW_SELECT = False  # we do our own selection (offsets into the spoken text)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor(1)", "Next sentence", show=False),
        Binding("k,up", "cursor(-1)", "Previous sentence", show=False),
        Binding("right_curly_bracket", "paragraph(1)", "Next paragraph", show=False),
        Binding("left_curly_bracket", "paragraph(-1)", "Previous paragraph", show=False),
        Binding("J,shift+down", "extend(1)", "Extend selection down", show=False),
        Binding("K,shift+up", "extend(-1)", "Extend selection up", show=False),
        Binding("escape", "clear_selection", "Clear selection", show=False),
        Binding("g,home", "edge(-1)", "Start of the article", show=False),
        Binding("G,end", "edge(1)", "End of the article", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
    ]

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

    class SentenceClicked(Message):
        """A sentence was clicked (the screen moves playback there when listening)."""

        def __init__(self, view: ArticleView, sentence: int) -> None:
            super().__init__()
            self.view = view
            self.sentence = sentence

    class SelectionChanged(Message):
        """The cursor or the selection changed."""

        def __init__(self, view: ArticleView) -> None:
            super().__init__()
            self.view = view

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
        self.anchor_sentence: int | None = None  # sentence index where a keyboard selection began
        self.selection: tuple[int, int] | None = None
        self.highlights: list[Highlight] = []  # the saved ones, in text order
        self.spoken: tuple[int, int] | None = None
        self.word: tuple[int, int] | None = None
        self._lines: list[VisualLine] = []
        self._index = LineIndex([])
        self._column = 0
        self._pad = 0
        self._drag_origin: int | None = None
        self._dragged = False
        self._drag_row = 0  # content row of the press (scrolling needs a move toward an edge)
        self._drag_pointer: Offset | None = None  # last pointer, content coordinates
        self._drag_timer: Timer | None = None

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

    # -- state changes (each refreshes and tells the screen) --------------------------

    def move_cursor(self, sentence: int, *, keep_selection: bool = False) -> None:
        if not self.article.sentences:
            return
        self.cursor = max(0, min(sentence, len(self.article.sentences) - 1))
        if not keep_selection:
            self.anchor_sentence = None
            self.selection = None
        start, end = self.sentence_span(self.cursor)
        self.scroll_to_span(start, end)
        self.refresh()
        self.post_message(self.SelectionChanged(self))

    def select(self, start: int, end: int) -> None:
        """Select ``text[start:end]`` (clamped); the cursor goes to its last sentence."""
        length = len(self.article.text)
        start, end = max(0, min(start, length)), max(0, min(end, length))
        if end <= start:
            self.clear_selection()
            return
        self.selection = (start, end)
        self.cursor = self.sentence_at(end - 1)
        self.anchor_sentence = None
        self.refresh()
        self.post_message(self.SelectionChanged(self))

    def clear_selection(self) -> None:
        self.selection = None
        self.anchor_sentence = None
        self.refresh()
        self.post_message(self.SelectionChanged(self))

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

    # -- actions -----------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        if self.selection is not None and self.anchor_sentence is None:
            # After a mouse selection, move from its edge.
            start, end = self.selection
            self.cursor = self.sentence_at(end - 1 if step > 0 else start)
        self.move_cursor(self.cursor + step)

    def action_paragraph(self, step: int) -> None:
        sentences = self.article.sentences
        if not sentences:
            return
        block = sentences[self.cursor].block
        i = self.cursor
        if step > 0:
            while i < len(sentences) and sentences[i].block == block:
                i += 1
            self.move_cursor(min(i, len(sentences) - 1))
        else:
            # To the first sentence of this block; if already there, of the one before.
            while i > 0 and sentences[i - 1].block == block:
                i -= 1
            if i == self.cursor and i > 0:
                i -= 1
                block = sentences[i].block
                while i > 0 and sentences[i - 1].block == block:
                    i -= 1
            self.move_cursor(i)

    def action_extend(self, step: int) -> None:
        sentences = self.article.sentences
        if not sentences:
            return
        if self.anchor_sentence is None:
            if self.selection is not None:
                start, end = self.selection
                self.anchor_sentence = self.sentence_at(start if step > 0 else end - 1)
                self.cursor = self.sentence_at(end - 1 if step > 0 else start)
            else:
                self.anchor_sentence = self.cursor
                # The first press selects the cursor sentence and the next one.
        self.cursor = max(0, min(self.cursor + step, len(sentences) - 1))
        low, high = sorted((self.anchor_sentence, self.cursor))
        self.selection = (sentences[low].start, sentences[high].end)
        self.scroll_to_span(*self.sentence_span(self.cursor))
        self.refresh()
        self.post_message(self.SelectionChanged(self))

    def action_clear_selection(self) -> None:
        self.clear_selection()

    def action_edge(self, direction: int) -> None:
        self.move_cursor(0 if direction < 0 else len(self.article.sentences) - 1)

    def action_page(self, direction: int) -> None:
        height = max(1, (self.scrollable_content_region.height or self.size.height) - 2)
        self.scroll_to(y=self.scroll_y + direction * height, animate=False, immediate=True)
        top = int(self.scroll_y)
        for row in range(top, min(top + height, len(self._lines))):
            line = self._lines[row]
            if line.is_text:
                self.move_cursor(self.sentence_at(line.start))
                return

    # -- mouse -------------------------------------------------------------------------

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

    def word_at(self, offset: int) -> tuple[int, int]:
        text = self.article.text
        line = self._lines[self._index.row_of(offset) or 0]
        lo = max(0, offset - 100)
        for match in _WORD.finditer(text, lo, min(len(text), offset + 100)):
            if match.start() <= offset < match.end():
                return match.start(), match.end()
        del line
        return offset, offset + 1

    def block_at(self, offset: int) -> tuple[int, int]:
        spans = list(self.article.block_spans)
        if self.article.title_span is not None:
            spans.insert(0, self.article.title_span)
        for span in spans:
            if span.start <= offset < span.end:
                return span.start, span.end
        return self.sentence_span(self.sentence_at(offset))

    def _snap_to_words(self, start: int, end: int) -> tuple[int, int]:
        text = self.article.text
        while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
            start -= 1
        while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
            end += 1
        return start, end

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        self.focus()
        offset = self._event_offset(event)
        self._drag_origin = offset
        self._dragged = False
        self._drag_row = event.get_content_offset_capture(self).y
        self._drag_pointer = None
        if offset is not None:
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Extend a drag selection to the pointer; past an edge, scroll while held.

        The view holds the mouse while the button is down (``capture_mouse``), so moves
        beyond its rows still arrive here, in content coordinates outside the view.
        Beyond the top row (the view starts at the top of the screen, so the top row
        itself counts) or on or below the bottom row, a timer scrolls a few rows every
        :data:`DRAG_SCROLL_INTERVAL` seconds and extends the selection to the rows that
        come into view, faster the further the pointer is past the edge; it stops on
        mouse up, when the pointer comes back inside, or at the end of the article.
        """
        if self._drag_origin is None or not event.button:
            return
        pointer = event.get_content_offset_capture(self)
        self._drag_pointer = pointer
        self._extend_drag(pointer)
        if self._scroll_step(pointer):
            if self._drag_timer is None:
                self._drag_timer = self.set_interval(DRAG_SCROLL_INTERVAL, self._drag_scroll)
        else:
            self._stop_drag_scroll()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self._stop_drag_scroll()
        self.capture_mouse(False)
        self._drag_origin = None
        self._drag_pointer = None

    def on_mouse_release(self, event: events.MouseRelease) -> None:
        """The mouse was taken from us (a dialog opened): no drag goes on scrolling."""
        self._stop_drag_scroll()
        self._drag_origin = None
        self._drag_pointer = None

    def _view_height(self) -> int:
        return max(1, self.scrollable_content_region.height or self.size.height)

    def _scroll_step(self, pointer: Offset) -> int:
        """Rows to scroll per step for a drag pointer: negative up, positive down, 0 none.

        Only once the pointer has moved toward that edge from the row it was pressed
        on, so pressing on the top or bottom row and moving sideways does not scroll.
        """
        height = self._view_height()
        if pointer.y <= 0 and pointer.y < self._drag_row and self.scroll_y > 0:
            return -min(DRAG_SCROLL_MAX_STEP, 1 - pointer.y)
        bottom = height - 1
        if pointer.y >= bottom and pointer.y > self._drag_row and self.scroll_y < self.max_scroll_y:
            return min(DRAG_SCROLL_MAX_STEP, 1 + pointer.y - bottom)
        return 0

    def _drag_scroll(self) -> None:
        """One timer step: scroll toward the pointer, then select up to what is shown."""
        pointer = self._drag_pointer
        step = 0 if pointer is None or self._drag_origin is None else self._scroll_step(pointer)
        if pointer is None or not step:
            self._stop_drag_scroll()
            return
        top = max(0, min(int(self.scroll_y) + step, int(self.max_scroll_y)))
        self.scroll_to(y=top, animate=False, immediate=True)
        self._extend_drag(pointer)

    def _stop_drag_scroll(self) -> None:
        if self._drag_timer is not None:
            self._drag_timer.stop()
            self._drag_timer = None

    def _extend_drag(self, pointer: Offset) -> None:
        """Select from the press to the text at ``pointer`` (clamped to the view)."""
        if self._drag_origin is None:
            return
        offset = self._drag_offset(pointer)
        if offset is None or (offset == self._drag_origin and not self._dragged):
            return
        self._dragged = True
        low, high = sorted((self._drag_origin, offset))
        self.select(*self._snap_to_words(low, high + 1))

    def _drag_offset(self, pointer: Offset) -> int | None:
        """The character a drag reaches at ``pointer`` (content coordinates, maybe outside).

        Above the view it is the start of the top row, below it the end of the bottom
        row; on a row without text (a blank line between paragraphs) the nearest text
        row toward the press stands in, so the selection still follows the pointer.
        """
        height = self._view_height()
        top = int(self.scroll_y)
        if pointer.y < 0:
            y, x = 0, 0
        elif pointer.y >= height:
            y, x = height - 1, 1 << 16
        else:
            y, x = pointer.y, pointer.x
        offset = self.offset_at(max(0, x), y)
        if offset is not None:
            return offset
        row = min(top + y, len(self._lines) - 1)
        if row < 0 or self._drag_origin is None:
            return None
        origin_row = self._index.row_of(self._drag_origin) or 0
        if row > origin_row:  # dragging down: the end of the text row above
            for r in range(row, origin_row - 1, -1):
                if self._lines[r].is_text:
                    return max(self._lines[r].start, self._lines[r].end - 1)
        else:  # dragging up: the start of the text row below
            for r in range(row, origin_row + 1):
                if self._lines[r].is_text:
                    return self._lines[r].start
        return None

    def on_click(self, event: events.Click) -> None:
        if self._dragged:
            self._dragged = False
            return
        offset = self._event_offset(event)
        if offset is None:
            return
        if event.chain >= 3:
            self.select(*self.block_at(offset))
        elif event.chain == 2:
            self.select(*self.word_at(offset))
        else:
            sentence = self.sentence_at(offset)
            self.move_cursor(sentence)
            self.post_message(self.SentenceClicked(self, sentence))

    def _event_offset(self, event: events.MouseEvent) -> int | None:
        content = event.get_content_offset(self)
        if content is None:
            return None
        return self.offset_at(content.x, content.y)

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
