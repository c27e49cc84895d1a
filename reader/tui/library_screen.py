"""The library screen: every saved article, searchable; open, delete, add."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from reader.text.sanitize import one_line
from reader.tui.dialogs import AddScreen, ConfirmScreen, excerpt
from reader.tui.layout import listening_time
from reader.tui.messages import OpenArticle, OpenSource, WarmUp
from reader.tui.now_playing import NowPlaying

if TYPE_CHECKING:
    from reader.tui.session import Session
    from reader.tui.store import ArticleRow


# Every column: its label and width; the title's width is what the others leave.
COLUMNS = {
    "title": ("Title", 40),
    "site": ("Site", 16),
    "date": ("Date", 10),
    "duration": ("Listen", 8),
    "highlights": ("Highl.", 6),
    "progress": ("Heard", 6),
    "feed": ("Feed", 16),
}
MIN_TITLE = 30


def heard(row: ArticleRow) -> str:
    """ "✓ all" heard to the end, else the share heard ("37%"): a mark, not colour."""
    if row.listened:
        return "✓ all"
    return f"{round(row.progress * 100)}%"


def _local(stamp: str) -> str:
    """A stored UTC time as the user's local date and minute."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return one_line(stamp)[:16]


class LibraryScreen(Screen[None]):
    """Title, site, date, duration, highlight count and progress of each article."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("o", "add", "Add URL or path"),
        Binding("d,delete", "delete", "Delete"),
        Binding("slash", "search", "Search"),
        Binding("l", "feed_filter", "Filter by feed", show=False),
        Binding("escape", "clear_search", "Clear search", show=False),
        Binding("a", "queue_article", "Queue"),
        Binding("A", "queue_many", "Queue new, a feed, the search…"),
        Binding("m", "mark", "Mark listened / not", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.rows: list[ArticleRow] = []
        self.feed_filter: str | None = None  # only the articles of this feed (`l`)
        self.feed_column = False
        self._columns: tuple[list[str], int] = ([], 0)  # the columns shown, the title's width

    def compose(self) -> ComposeResult:
        yield Static(id="library-header", markup=False)
        yield Input(placeholder="Search the library (/)", id="search")
        yield DataTable(id="articles", cursor_type="row", zebra_stripes=True)
        yield Static(id="status", markup=False)
        yield NowPlaying(self.session)
        yield Footer()

    def on_mount(self) -> None:
        # A library that follows feeds gets a column naming each article's feed.
        self.feed_column = bool(self.session.store.feed_names())
        self.query_one("#library-header", Static).display = self.feed_column
        self._set_columns(self.size.width or 100)
        self.refresh_rows()
        self.query_one(DataTable).focus()
        self.call_after_refresh(self.post_message, WarmUp())

    def on_resize(self) -> None:
        if self._set_columns(self.size.width):
            self.refresh_rows()

    def _set_columns(self, width: int) -> bool:
        """The columns that fit ``width`` cells (True when they changed): the title, the
        listening time and how much was heard always; the date, highlights, site and
        feed as room allows; the title takes what is left."""
        keys = ["title", "duration", "progress"]
        room = width - 4 - sum(COLUMNS[k][1] + 2 for k in keys if k != "title") - 2
        for key in ("date", "highlights", "site", *(["feed"] if self.feed_column else [])):
            if room - (COLUMNS[key][1] + 2) >= MIN_TITLE:
                keys.append(key)
                room -= COLUMNS[key][1] + 2
        order = [k for k in COLUMNS if k in keys]
        title = max(MIN_TITLE, min(60, room))
        if (order, title) == self._columns:
            return False
        self._columns = (order, title)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for key in order:
            label, size = COLUMNS[key]
            table.add_column(label, width=title if key == "title" else size, key=key)
        return True

    def on_screen_resume(self) -> None:
        self.refresh_rows()

    def on_screen_suspend(self) -> None:
        # Left for an article or a dialog: the list was seen up to now. The marks stay
        # for the rest of this run (the visit); the next run compares with this.
        self.session.store.end_visit()

    def refresh_rows(self) -> None:
        query = self.query_one("#search", Input).value
        self.rows = self.session.store.articles(query)
        if self.feed_filter is not None:
            self.rows = [row for row in self.rows if row.feed == self.feed_filter]
        table = self.query_one(DataTable)
        table.clear()
        rate = self.session.rate
        order, width = self._columns
        for row in self.rows:
            title = excerpt(row.title, width)
            if row.new:  # brought by a feed, neither opened nor heard
                title = Text("● ", style="bold") + excerpt(row.title, width - 2)
            cells = {
                "title": title,
                "site": excerpt(row.site, 16),
                "date": excerpt(row.date, 10),
                "duration": Text(
                    listening_time(row.words, rate).removesuffix(" listen"), justify="right"
                ),
                "highlights": Text(str(row.highlights), justify="right"),
                "progress": Text(heard(row), justify="right"),
                "feed": excerpt(row.feed, 16),
            }
            table.add_row(*(cells[key] for key in order), key=str(row.id))
        status = f"{len(self.rows)} article{'' if len(self.rows) == 1 else 's'}"
        if query:
            status += f' matching "{query}"'
        if self.feed_filter is not None:
            status += f" from {one_line(self.feed_filter)} (l: next feed)"
        shown_new = sum(1 for row in self.rows if row.new)
        if shown_new:
            status += f" · {shown_new} new (●)"
        if not self.session.store.persistent:
            status += " · not saved: " + one_line(getattr(self.session.store, "reason", ""))
        status += " · enter opens · a queues · o adds · / searches · d deletes"
        self.query_one("#status", Static).update(Text(status, no_wrap=True))
        if self.feed_column:
            self.query_one("#library-header", Static).update(Text(self._header(), no_wrap=True))

    def _header(self) -> str:
        """How many articles the feeds brought that are still new (neither opened nor
        heard), and how many of them arrived since the previous visit (the whole
        library's counts, whatever the search or the feed filter shows)."""
        store = self.session.store
        count = len(store.new_articles())
        since = store.previous_visit
        news = f"{count} new" if count else "nothing new"
        if since is None:  # the first visit
            return f"Library · {news} from your feeds (first visit) · l: filter by feed"
        lately = len(store.arrived_since_visit())
        return (
            f"Library · {news} from your feeds, {lately} since your last visit "
            f"({_local(since)}) · l: filter by feed"
        )

    def _current(self) -> ArticleRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self._current()
        if row is not None:
            self.post_message(OpenArticle(row.id))

    def action_add(self) -> None:
        def add(source: str | None) -> None:
            if source:
                self.post_message(OpenSource(source))

        self.app.push_screen(AddScreen(), add)

    def action_delete(self) -> None:
        row = self._current()
        if row is None:
            return
        question = Text("Delete ")
        question.append_text(excerpt(row.title, 60))
        question.append(f" and its {row.highlights} highlights?")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.session.store.remove(row.id)
                self.refresh_rows()
                self.notify("Article deleted.")

        self.app.push_screen(ConfirmScreen(question), confirmed)

    def action_feed_filter(self) -> None:
        """Show one feed's articles, then the next feed's, then all of them again."""
        names = sorted(set(self.session.store.feed_names().values()))
        if not names:
            self.notify("No article came from a feed (reader feeds add URL, then sync).")
            return
        if self.feed_filter not in names:
            self.feed_filter = names[0] if self.feed_filter is None else None
        else:
            following = names.index(self.feed_filter) + 1
            self.feed_filter = names[following] if following < len(names) else None
        self.refresh_rows()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        self.refresh_rows()
        self.query_one(DataTable).focus()

    @on(Input.Changed, "#search")
    def _search(self) -> None:
        self.refresh_rows()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(DataTable).focus()

    # -- listening -------------------------------------------------------------------------

    def action_queue_article(self) -> None:
        """a: put the article at the end of the queue (Up next)."""
        row = self._current()
        if row is None:
            return
        self._queue([row.id], excerpt(row.title, 60).plain)

    def action_queue_many(self) -> None:
        """A: queue the new articles, one feed's unlistened ones, the search's results."""
        from reader.tui.queue_screen import QueueChoices

        store = self.session.store
        choices = queue_choices(
            store.new_articles(),
            store.arrived_since_visit(),
            store.feed_names(),
            store.unlistened(),
            [row.id for row in self.rows] if self._filtered() else None,
        )

        def chosen(ids: list[int] | None) -> None:
            if ids:
                self._queue(ids, f"{len(ids)} article{'' if len(ids) == 1 else 's'}")

        self.app.push_screen(QueueChoices(choices), chosen)

    def _filtered(self) -> bool:
        return bool(self.query_one("#search", Input).value.strip()) or self.feed_filter is not None

    def _queue(self, ids: list[int], what: str) -> None:
        from reader.errors import ReaderError

        try:
            self.session.store.enqueue(ids)
        except ReaderError as error:
            self.notify(str(error), title="Not queued", severity="error")
            return
        count = len(self.session.store.queue())
        self.notify(f"Queued {what} ({count} in Up next: u shows it, space plays).")

    def action_mark(self) -> None:
        """m: mark the article heard to the end, or not heard."""
        row = self._current()
        if row is None:
            return
        self.session.store.mark_listened(row.id, not row.listened)
        self.refresh_rows()
        self.notify("Marked not listened." if row.listened else "Marked listened.")


def queue_choices(
    new: set[int],
    lately: set[int],
    feeds: dict[int, str],
    unlistened: list[int],
    shown: list[int] | None,
) -> list[tuple[str, list[int]]]:
    """What "A" offers to queue: (label, article ids, oldest first) with something in it."""
    waiting = set(unlistened)
    choices = [
        ("New from your feeds (not opened, not heard)", sorted(new)),
        ("Arrived since your last visit", sorted(lately)),
    ]
    for name in sorted(set(feeds.values())):
        ids = sorted(i for i, feed in feeds.items() if feed == name and i in waiting)
        choices.append((f"Not yet heard from {one_line(name)}", ids))
    if shown is not None:
        choices.append(("What the list shows now (the search, the feed)", sorted(shown)))
    choices.append(("Everything not yet heard", sorted(waiting)))
    return [(f"{label} ({len(ids)})", ids) for label, ids in choices if ids]
