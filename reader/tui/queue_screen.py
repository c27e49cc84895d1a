"""Up next: the queue of articles to hear, in order; play one, reorder, remove.

The queue lives in the library (``reader.library.listening``), so ``reader listen`` in
another terminal and this screen see the same one; the list is read again whenever it
may have changed (every second, cheaply: only a changed queue is redrawn).
:class:`QueueChoices` is the library's "A" dialog: what to queue in one go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Label, OptionList, Static

from reader.tui.dialogs import excerpt
from reader.tui.now_playing import NowPlaying

if TYPE_CHECKING:
    from reader.tui.session import Session


class QueueScreen(Screen[None]):
    """The queue, the article playing first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "play", "Play this"),
        Binding("d,delete", "remove", "Remove"),
        Binding("K,shift+up", "move(-1)", "Move up"),
        Binding("J,shift+down", "move(1)", "Move down"),
        Binding("c", "clear", "Clear", show=False),
        Binding("escape,u", "close", "Back"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.ids: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("Up next"), id="queue-header")
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Static(id="status", markup=False)
        yield NowPlaying(self.session)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("#", width=3, key="n")
        table.add_column("Title", width=44, key="title")
        table.add_column("Site", width=16, key="site")
        table.add_column("Left", width=8, key="left")
        self.refresh_rows(force=True)
        self.set_interval(1.0, self.refresh_rows)
        table.focus()

    def refresh_rows(self, *, force: bool = False) -> None:
        from reader.errors import ReaderError
        from reader.listening.timeline import Timeline, duration_text

        store = self.session.store
        try:
            ids = store.queue()
        except ReaderError as error:
            self.query_one("#status", Static).update(Text(f"Queue not read: {error}"))
            return
        if ids == self.ids and not force:
            return
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self.ids = []
        rate = self.session.rate
        playing = self.session.started_player
        current = playing.program.article_id if playing and playing.program else None
        for n, article_id in enumerate(ids, 1):
            try:
                article, position = store.load(article_id)
            except ReaderError:
                continue
            left = Timeline.of(article, rate).left(position)
            mark = "▶" if article_id == current else str(n)
            table.add_row(
                Text(mark, justify="right"),
                excerpt(article.title or article.text[:80], 44),
                excerpt(article.site, 16),
                Text(duration_text(left), justify="right"),
                key=str(article_id),
            )
            self.ids.append(article_id)
        if self.ids:
            table.move_cursor(row=min(max(0, row), len(self.ids) - 1))
        count = len(self.ids)
        status = f"{count} article{'' if count == 1 else 's'} · enter plays · d removes · K/J move"
        if not count:
            status = "The queue is empty: in the library, a queues an article, A several."
        self.query_one("#status", Static).update(Text(status, no_wrap=True))

    def _current(self) -> int | None:
        table = self.query_one(DataTable)
        if not self.ids or table.cursor_row < 0:
            return None
        return self.ids[min(table.cursor_row, len(self.ids) - 1)]

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_play()

    def action_play(self) -> None:
        """Play the article under the cursor from its place (it goes to the top)."""
        from reader.listening.events import whole_article

        article_id = self._current()
        if article_id is None:
            return
        article, position = self.session.store.load(article_id)
        if position >= len(article.text.rstrip()):
            position = 0
        self.session.player.play(whole_article(article, article_id, position), announce=True)
        self.call_later(self.refresh_rows)

    def action_remove(self) -> None:
        article_id = self._current()
        if article_id is not None:
            self.session.store.dequeue(article_id)
            self.refresh_rows()

    def action_move(self, steps: int) -> None:
        article_id = self._current()
        if article_id is None:
            return
        self.session.store.move_in_queue(article_id, steps)
        self.refresh_rows()
        if article_id in self.ids:
            self.query_one(DataTable).move_cursor(row=self.ids.index(article_id))

    def action_clear(self) -> None:
        from reader.tui.dialogs import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.session.store.clear_queue()
                self.refresh_rows()

        self.app.push_screen(ConfirmScreen(Text("Empty the queue?")), confirmed)

    def action_close(self) -> None:
        self.dismiss()


class QueueChoices(ModalScreen[list[int] | None]):
    """What to queue in one go (the library's A): each choice with its count."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, choices: list[tuple[str, list[int]]]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Queue (added at the end of Up next)")
            if self.choices:
                yield OptionList(*[Text(label) for label, _ in self.choices], id="choices")
            else:
                yield Label("Nothing to queue: every article has been heard.")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
