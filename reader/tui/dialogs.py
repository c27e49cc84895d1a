"""Modal screens: each collects a choice and returns it; the work happens elsewhere.

Every piece of article text shown here (a highlight's passage, a title) goes in as
:class:`rich.text.Text`, never as a markup string.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    OptionList,
    Static,
)
from textual.widgets.option_list import Option

from reader.tui.messages import HighlightsChanged

if TYPE_CHECKING:
    from reader.text.article import Article
    from reader.text.highlight import Highlight
    from reader.tui.store import Store


def excerpt(text: str | None, limit: int = 200) -> Text:
    """Text from outside (a passage, a title, a note, a site) as one plain line: never
    markup, no escapes, controls or bidi overrides; shortened to ``limit`` characters.
    ``None`` (no note) is an empty line."""
    from reader.text.sanitize import one_line

    text = one_line(text or "")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return Text(text)


class Body(VerticalScroll, can_focus=False):
    """A dialog's body: scrolls when the terminal is short, and is never focused itself
    (focus goes to its first field, which is scrolled into view)."""


class Dialog(ModalScreen[Any]):
    """A centered box; escape cancels (returns None).

    Every dialog is laid out the same way (see ``reader.tcss``): ``#box`` in an
    opaque ``#frame``, a title docked at the top of the box, a ``.body`` that scrolls
    when the terminal is short, and a ``#box-foot`` (buttons, hints) docked at the
    bottom, so the buttons stay on the screen at any size.
    """

    DEFAULT_CLASSES = "dialog"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    COMPACT_BELOW = 30  # rows: a shorter terminal gets the compact layout (less padding)

    def on_resize(self) -> None:
        self.set_class(self.size.height < self.COMPACT_BELOW, "-compact")

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteScreen(Dialog):
    """Save a highlight (or edit its note): returns the note ("" for none) or None."""

    def __init__(
        self, passage: str, note: str | None = "", *, title: str = "Save highlight"
    ) -> None:
        super().__init__()
        self.passage = passage
        self.note = note or ""
        self.box_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"), Vertical(id="box"):
            yield Label(self.box_title, id="box-title")
            with Body(classes="body"):
                yield Static(excerpt(self.passage), id="passage")
                yield Input(self.note, placeholder="Note (optional)", id="note")
            with Vertical(id="box-foot"):
                yield Static("enter saves · escape cancels", classes="hint", markup=False)

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())


class AddScreen(Dialog):
    """Add an article by URL or path: returns what was typed, or None."""

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"), Vertical(id="box"):
            yield Label("Add an article", id="box-title")
            with Body(classes="body"):
                yield Input(placeholder="https://… or a file path", id="source")
            with Vertical(id="box-foot"):
                yield Static("enter adds · escape cancels", classes="hint", markup=False)

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(value or None)


class ConfirmScreen(Dialog):
    """Yes or no: returns True, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "yes", "Yes"),
        Binding("n,escape", "cancel", "No"),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"), Vertical(id="box"):
            with Body(classes="body"):
                yield Static(self.question, id="question")
            with Vertical(id="box-foot"), Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no")

    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(None)


NOT_FOUND = "not found in the current text"


def save_note(node: Screen[Any], store: Store, highlight_id: int, note: str) -> bool:
    """Save a highlight's note ("" removes it) and say so; False (and why) if not saved."""
    from reader.errors import ReaderError

    try:
        store.update_note(highlight_id, note)
    except ReaderError as error:
        node.notify(str(error), title="Note not saved", severity="error")
        return False
    node.notify("Note saved." if note else "Note removed.")
    return True


@dataclass(frozen=True)
class HighlightChoice:
    """What the highlights dialog returns: jump to a highlight, or listen to it."""

    action: Literal["jump", "listen"]
    start: int
    end: int


class HighlightsScreen(Dialog):
    """The article's highlights: jump, listen, edit the note, delete.

    Highlights the library could not place in the article's current text (it was
    re-extracted and the passage is gone) come last, marked ``✗`` and "not found in
    the current text" with their saved quote and note: they can be read, their note
    edited, and deleted, but not jumped to or listened to, since they have no place.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close"),
        Binding("enter", "jump", "Jump", priority=True),
        Binding("space", "listen", "Listen"),
        Binding("n", "note", "Edit note"),
        Binding("d,delete", "delete", "Delete"),
    ]

    def __init__(
        self,
        article: Article,
        article_id: int | None,
        store: Store,
        placed: list[Highlight],
        detached: list[Highlight],
        listen: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.article = article
        self.article_id = article_id
        self.store = store
        self.placed = placed
        self.detached = detached
        self.rows: list[Highlight] = []
        # Hear a passage while the dialog stays open (the keys typed next stay here).
        self.listen = listen

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"), Vertical(id="box"):
            yield Label("Highlights", id="box-title")
            yield DataTable(id="highlights", cursor_type="row", zebra_stripes=True, classes="body")
            with Vertical(id="box-foot"):
                yield Static("", id="detached-hint", classes="hint", markup=False)
                yield Static(
                    "enter jumps · space listens (stays open) · n edits the note · d deletes · "
                    "escape closes",
                    classes="hint",
                    markup=False,
                )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "Passage", "Note")
        self.refill()
        table.focus()

    def refill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        placed, detached = self.placed, self.detached
        self.rows = [*placed, *detached]
        for number, h in enumerate(placed, 1):
            table.add_row(
                str(number),
                excerpt(self.article.text[h.start : h.end], 42),
                excerpt(h.note, 20),
                key=str(h.id),
            )
        for h in detached:
            passage = Text(f"{NOT_FOUND}\n", style="bold italic")
            passage.append_text(excerpt(h.text, 42))
            table.add_row(Text("✗"), passage, excerpt(h.note, 20), key=str(h.id), height=2)
        if self.rows:
            table.move_cursor(row=min(max(row, 0), len(self.rows) - 1))
        hint = self.query_one("#detached-hint", Static)
        hint.display = bool(detached)
        if detached:
            hint.update(
                Text(
                    f"✗ {len(detached)} {NOT_FOUND}: the article changed and the passage "
                    "is gone. Quote and note are kept here until you delete them (d)."
                )
            )

    def _current(self) -> Highlight | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _placed(self) -> Highlight | None:
        """The highlight under the cursor if it has a place in the text; else says why not."""
        h = self._current()
        if h is not None and h.detached:
            self.notify(
                f"This highlight is {NOT_FOUND}: there is nothing to jump to or listen to. "
                "d deletes it.",
                title="Highlights",
                severity="warning",
            )
            return None
        return h

    def action_jump(self) -> None:
        h = self._placed()
        if h is not None:
            self.dismiss(HighlightChoice("jump", h.start, h.end))

    def action_listen(self) -> None:
        """Hear the highlight; the dialog stays open (escape closes it)."""
        h = self._placed()
        if h is None:
            return
        if self.listen is None:
            self.dismiss(HighlightChoice("listen", h.start, h.end))
            return
        self.listen(h.start, h.end)
        self.notify(f"Listening to highlight {self.rows.index(h) + 1}.", timeout=3)

    def action_note(self) -> None:
        h = self._current()
        if h is None:
            return

        def saved(note: str | None) -> None:
            if note is not None and save_note(self, self.store, h.id, note):
                self._changed(clear_selection=True)

        passage = h.text if h.detached else self.article.text[h.start : h.end]
        self.app.push_screen(NoteScreen(passage, h.note, title="Edit note"), saved)

    def action_delete(self) -> None:
        """Delete the highlight under the cursor, once the user says yes (its note goes
        with it: there is no undo)."""
        h = self._current()
        if h is None:
            return
        question = Text("Delete this highlight")
        question.append(" and its note" if h.note else "")
        question.append("?\n")
        question.append_text(
            excerpt(h.text if h.detached else self.article.text[h.start : h.end], 60)
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.store.remove_highlight(h.id)
                self._changed()
                self.notify("Highlight deleted.")

        self.app.push_screen(ConfirmScreen(question), confirmed)

    def _changed(self, *, clear_selection: bool = False) -> None:
        """A note edited or a highlight deleted: list them afresh, and tell the article's
        screen (through the app) to redraw its marks and status line."""
        if self.article_id is None:
            return
        self.placed = self.store.highlights(self.article_id)
        self.detached = self.store.detached_highlights(self.article_id)
        self.refill()
        self.post_message(HighlightsChanged(self.article_id, clear_selection))


@dataclass(frozen=True)
class ExportChoice:
    """What the export dialog returns."""

    what: str  # "highlights" | "article"
    split: bool  # one file per highlight
    folder: Path


class ExportScreen(Dialog):
    """Choose what to export and where; returns an :class:`ExportChoice` or None.

    Enter exports from anywhere in the dialog: on the list of choices, the one under
    the cursor; in the folder field, the one highlighted in the list.
    """

    MODES = (
        ("chapters", "Highlights: one file with chapters"),
        ("split", "Highlights: one file each"),
        ("article", "The whole article"),
    )

    def __init__(self, article: Article, highlights: int, folder: Path) -> None:
        super().__init__()
        self.article = article
        self.highlight_count = highlights
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"), Vertical(id="box"):
            yield Label("Export to MP3", id="box-title")
            with Body(classes="body"):
                title = excerpt(self.article.title or "Untitled")
                title.append(f"  ·  {self.highlight_count} highlights", style="italic")
                yield Static(title, id="export-article")
                has = self.highlight_count > 0
                yield OptionList(
                    *[
                        Option(Text(label), id=mode, disabled=mode != "article" and not has)
                        for mode, label in self.MODES
                    ],
                    id="mode",
                )
                yield Label("Folder")
                yield Input(str(self.folder), id="folder")
            with Vertical(id="box-foot"):
                with Horizontal(classes="buttons"):
                    yield Button("Export", id="go", variant="primary")
                    yield Button("Cancel", id="cancel")
                yield Static(
                    "↑↓ choose · enter exports · tab moves · escape cancels",
                    classes="hint",
                    markup=False,
                )

    def on_mount(self) -> None:
        modes = self.query_one(OptionList)
        modes.highlighted = 0 if self.highlight_count else 2
        modes.focus()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#go")
    @on(Input.Submitted)
    @on(OptionList.OptionSelected)
    def _go(self) -> None:
        self.dismiss(self.choice())

    def choice(self) -> ExportChoice:
        modes = self.query_one(OptionList)
        index = modes.highlighted if modes.highlighted is not None else 2
        mode = self.MODES[index][0]
        # An emptied field means the default, never the folder reader was started in.
        typed = self.query_one("#folder", Input).value.strip()
        folder = Path(typed).expanduser().absolute() if typed else self.folder
        return ExportChoice(
            what="article" if mode == "article" else "highlights",
            split=mode == "split",
            folder=folder,
        )


class HelpScreen(Dialog):
    """Every key, grouped by where it works; scrolls (↑↓ j k, pgup pgdn, home end g G)
    when the terminal is too short for all of them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "cancel", "Close"),
        Binding("j", "scroll(1)", "Scroll down", show=False),
        Binding("k", "scroll(-1)", "Scroll up", show=False),
        # The table's own home/end scroll sideways: here they go to the top and bottom.
        Binding("g,home", "scroll_edge(-1)", "Top", show=False, priority=True),
        Binding("G,end", "scroll_edge(1)", "Bottom", show=False, priority=True),
    ]

    def __init__(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"), Vertical(id="box"):
            yield Label("Keys", id="box-title")
            table: DataTable[Text] = DataTable(id="help-table", show_header=False, classes="body")
            table.cursor_type = "none"
            yield table
            with Vertical(id="box-foot"):
                yield Static(
                    "↑↓ scroll · ctrl+p lists every action · escape closes",
                    classes="hint",
                    markup=False,
                )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action")
        for group, rows in self.groups:
            table.add_row(Text(group, style="bold"), Text(""))
            for key, description in rows:
                table.add_row(Text(f"  {key}"), Text(description))
        table.focus()

    def action_scroll(self, step: int) -> None:
        self.query_one(DataTable).scroll_relative(y=step, animate=False)

    def action_scroll_edge(self, direction: int) -> None:
        table = self.query_one(DataTable)
        if direction < 0:
            table.scroll_home(animate=False)
        else:
            table.scroll_end(animate=False)
