"""The article view: the article column with a sentence cursor, selection and mouse.

Keys move the sentence cursor and extend the selection; a click moves the cursor, a
double click selects a word, a triple click a paragraph. Dragging past the top or
bottom row scrolls the view while the button is held, so a passage longer than the
screen can be selected with the mouse (see :meth:`ArticleView.on_mouse_move`). What
is drawn, and how, is :class:`~reader.tui.article_column.ArticleColumn`'s.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Offset
from textual.message import Message

from reader.tui.article_column import ArticleColumn

if TYPE_CHECKING:
    from textual.timer import Timer

    from reader.text.article import Article

DRAG_SCROLL_INTERVAL = 0.05  # seconds between scroll steps while dragging past an edge
DRAG_SCROLL_MAX_STEP = 5  # rows per step, reached 4 rows beyond the edge

_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


class ArticleView(ArticleColumn, can_focus=True):
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
        super().__init__(article, rate=rate, name=name, id=id, classes=classes)
        self.anchor_sentence: int | None = None  # sentence index where a keyboard selection began
        self._drag_origin: int | None = None
        self._dragged = False
        self._drag_row = 0  # content row of the press (scrolling needs a move toward an edge)
        self._drag_pointer: Offset | None = None  # last pointer, content coordinates
        self._drag_timer: Timer | None = None

    # -- cursor and selection (each refreshes and tells the screen) ---------------------

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
