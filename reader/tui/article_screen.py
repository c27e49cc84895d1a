"""The article screen: read, select, listen, follow along, highlight, export.

Its keys are bound here; listening (the request, follow-along, skips, rate and voice) is
its base class :class:`~reader.tui.listening.ListeningScreen`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from reader.tui.article_view import ArticleView
from reader.tui.listening import ListeningScreen
from reader.tui.messages import ExportDone, ExportProgress, ShowLibrary, WarmUp, WorkFailed
from reader.tui.now_playing import NowPlaying

if TYPE_CHECKING:
    from reader.text.article import Article
    from reader.text.highlight import Highlight
    from reader.tui.dialogs import ExportChoice, HighlightChoice
    from reader.tui.session import Session


class ArticleScreen(ListeningScreen):
    """One article, open for reading and listening."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "listen", "Listen/pause"),
        Binding("v", "voice", "Voice", show=False),
        Binding("h", "highlight", "Highlight"),
        Binding("H", "highlights", "Highlights"),
        Binding("a", "listen_highlights", "Listen to highlights", show=False),
        Binding("e", "export", "Export"),
        Binding("l", "library", "Library"),
    ]

    def __init__(
        self,
        article: Article,
        session: Session,
        *,
        article_id: int | None,
        position: int = 0,
        highlights: list[Highlight] | None = None,
    ) -> None:
        super().__init__(article, session, article_id=article_id, position=position)
        self.highlights: list[Highlight] = list(highlights or [])
        # Highlights the library could not place in this text (see _load_detached).
        self.detached: list[Highlight] = []
        self._told_detached = False
        self.exported: list[str] = []

    # -- composition -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ArticleView(self.article, rate=self.session.rate, id="article")
        yield Static(id="status", markup=False)
        yield NowPlaying(self.session)
        yield Footer()

    def on_mount(self) -> None:
        view = self.view
        view.set_highlights(self.highlights)
        if self.position:
            view.move_cursor(view.sentence_at(self.position))
        view.focus()
        if self.article_id is not None:
            self._load_detached()
        self.follow_player()
        self.update_status()
        self.call_after_refresh(self.post_message, WarmUp())
        self.set_interval(0.05, self._follow_words)

    def stored(self, article_id: int, position: int) -> None:
        """The library has the article now: its id, where listening stopped, highlights."""
        self.article_id = article_id
        # Re-read rather than trust the worker's list: a highlight may have been saved
        # between the worker's read and this message.
        self.highlights = self.session.store.highlights(article_id)
        if not self.is_mounted:  # on_mount will use them
            self.position = position
            return
        self._load_detached()
        self.view.set_highlights(self.highlights)
        view = self.view
        if position and view.cursor == 0 and view.selection is None and self.state == "stopped":
            view.move_cursor(view.sentence_at(position))
        self.update_status()

    def _load_detached(self) -> None:
        """Read the highlights the library could not place in this text; the first time
        there are any, say how many and where to see them (they are never drawn in
        the text, listened to or exported: they have no place in it)."""
        from reader.errors import ReaderError

        if self.article_id is None:
            return
        try:
            self.detached = self.session.store.detached_highlights(self.article_id)
        except ReaderError as error:  # a busy library: the placed highlights still show
            self.log.warning(f"detached highlights not read: {error}")
            return
        count = len(self.detached)
        if count and not self._told_detached:
            self._told_detached = True
            self.notify(
                f"{count} saved highlight{'' if count == 1 else 's'} could not be placed: "
                f"{'its' if count == 1 else 'their'} passage is not in the current text. "
                "Quotes and notes are kept; press H to see them.",
                title="Highlights",
                severity="warning",
                timeout=12,
            )

    def update_status(self) -> None:
        state = self.state
        symbol = {"stopped": "■", "listening": "▶", "paused": "⏸"}[state]
        parts = [f"{symbol} {state.capitalize()}"]
        if state == "listening" and not self.session.voice_ready:
            parts = ["… Loading the voice"]
        view = self.view
        total = len(self.article.sentences)
        if total:
            # While listening (or paused), where the voice is; else where the cursor is.
            if state != "stopped" and self._sounding is not None:
                here = view.sentence_at(self._sounding.start)
            else:
                here = view.cursor
            parts.append(f"sentence {here + 1}/{total}")
        if view.selection is not None:
            a, b = view.selection
            parts.append(f"{len(self.article.text[a:b].split())} words selected")
        parts.append(f"{self.session.rate} wpm")
        parts.append(f"voice {self.session.voice or 'auto'}")
        count = len(self.highlights)
        parts.append(f"{count} highlight{'' if count == 1 else 's'}")
        if self.detached:
            parts.append(f"{len(self.detached)} not found in the text (H)")
        self.query_one("#status", Static).update(Text(" · ".join(parts), no_wrap=True))

    @on(ArticleView.SelectionChanged)
    def _selection_changed(self) -> None:
        self.update_status()

    # -- listening (the rest is ListeningScreen's) ----------------------------------------

    def action_listen_highlights(self) -> None:
        if not self.highlights:
            self.notify("No highlights yet: select a passage and press h.")
            return
        self.listen([(h.start, h.end) for h in self.highlights])

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of this screen failed: put the screen back; the app says why."""
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "export":
            self.query("#export-progress").remove()
        self.post_message(WorkFailed(event.worker))

    # -- highlights --------------------------------------------------------------------

    def action_highlight(self) -> None:
        """h: save the selection (or the cursor sentence) with a note; a passage that is
        already a highlight is not saved twice: its note is offered for editing."""
        from reader.tui.dialogs import NoteScreen

        view = self.view
        span = view.selection or self._heard_sentence() or view.cursor_span
        if span is None:
            return
        excerpt = self.article.text[span[0] : span[1]]
        existing = self._existing_highlight(*span)
        if existing is not None:
            self.notify("This passage is already a highlight: edit its note, or escape.")

            def edited(note: str | None) -> None:
                if note is not None:
                    self.edit_note(existing.id, note)

            title = "Already a highlight: edit its note"
            self.app.push_screen(NoteScreen(excerpt, existing.note, title=title), edited)
            return

        def save(note: str | None) -> None:
            if note is None:
                return
            self.save_highlight(span[0], span[1], note)

        self.app.push_screen(NoteScreen(excerpt, "", title="Save highlight"), save)

    def _heard_sentence(self) -> tuple[int, int] | None:
        """While this article plays: the sentence being heard (h saves what is heard)."""
        if self.state == "stopped" or self._sounding is None:
            return None
        return self.view.sentence_span(self.view.sentence_at(self._sounding.start))

    def _existing_highlight(self, start: int, end: int) -> Highlight | None:
        from reader.errors import ReaderError

        if self.article_id is None:
            return None
        try:
            return self.session.store.find_highlight(self.article_id, start, end)
        except ReaderError as error:  # a busy library: saving will say so if it must
            self.log.warning(f"highlights not read: {error}")
            return None

    def save_highlight(self, start: int, end: int, note: str = "") -> None:
        from reader.errors import ReaderError

        store = self.session.store
        try:
            if self.article_id is None:
                self.article_id = store.add(self.article)
            existing = store.find_highlight(self.article_id, start, end)
            if existing is None:
                store.add_highlight(self.article_id, start, end, note)
        except ReaderError as error:
            self.notify(str(error), title="Highlight not saved", severity="error")
            return
        self.reload_highlights()
        self.view.clear_selection()
        if existing is not None:
            self.notify("This passage is already a highlight: H lists it.")
            return
        self.notify(f"Highlight saved ({len(self.article.text[start:end].split())} words).")

    def edit_note(self, highlight_id: int, note: str) -> None:
        from reader.tui.dialogs import save_note

        if save_note(self, self.session.store, highlight_id, note):
            self.highlights_changed(clear_selection=True)

    def highlights_changed(self, *, clear_selection: bool = False) -> None:
        """Highlights were edited elsewhere (the highlights dialog): read them again."""
        self.reload_highlights()
        if clear_selection:
            self.view.clear_selection()

    def reload_highlights(self) -> None:
        if self.article_id is not None:
            self.highlights = self.session.store.highlights(self.article_id)
            self.detached = self.session.store.detached_highlights(self.article_id)
        self.view.set_highlights(self.highlights)
        self.update_status()

    def action_highlights(self) -> None:
        from reader.tui.dialogs import HighlightsScreen

        def chosen(choice: HighlightChoice | None) -> None:
            if choice is None:
                return
            self.jump_to(choice.start, choice.end)
            if choice.action == "listen":
                self.listen([(choice.start, choice.end)])

        dialog = HighlightsScreen(
            self.article,
            self.article_id,
            self.session.store,
            self.highlights,
            self.detached,
            listen=lambda start, end: self.listen([(start, end)]),
        )
        self.app.push_screen(dialog, chosen)

    def jump_to(self, start: int, end: int) -> None:
        view = self.view
        view.select(start, end)
        view.scroll_to_span(start, end)

    # -- export and library -------------------------------------------------------------

    def action_export(self) -> None:
        from reader.tui.dialogs import ExportScreen

        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None:
                self.export(choice)

        folder = self.session.export_folder()
        self.app.push_screen(ExportScreen(self.article, len(self.highlights), folder), chosen)

    def export(self, choice: ExportChoice) -> None:
        if self.article_id is None:
            self.article_id = self.session.store.add(self.article)
        from textual.widgets import ProgressBar

        for old in self.query("#export-progress"):
            old.remove()
        bar = ProgressBar(id="export-progress", show_eta=False, total=None)
        self.mount(bar, before=self.query_one("#status"))  # indeterminate until a part is done
        self._export(choice)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, choice: ExportChoice) -> None:
        from reader.tui.exporting import run_export

        worker = get_current_worker()

        def progress(done: float, label: str = "") -> None:
            if worker.is_cancelled:
                raise InterruptedError
            self.post_message(ExportProgress(done, label))

        try:
            paths = run_export(
                self.article,
                self.article_id,
                [(h.start, h.end) for h in self.highlights],
                choice,
                voice=self.session.voice,
                rate=self.session.rate,
                bitrate=self.session.settings.bitrate,
                progress=progress,
                settings=self.session.settings,
                save=self.session.store.record_export if self.article_id is not None else None,
            )
        except InterruptedError:
            return
        self.post_message(ExportDone([str(p) for p in paths]))

    @on(ExportProgress)
    def _export_progress(self, message: ExportProgress) -> None:
        from textual.widgets import ProgressBar

        if message.done > 0:
            for bar in self.query("#export-progress").results(ProgressBar):
                bar.update(total=100, progress=message.done * 100)

    @on(ExportDone)
    def _export_done(self, message: ExportDone) -> None:
        self.query("#export-progress").remove()
        self.exported = message.paths
        from pathlib import Path

        first = Path(message.paths[0])
        if len(message.paths) == 1:
            text = f"Exported {first.name} into {first.parent}"
        else:
            count = len(message.paths)
            text = f"Exported {count} files into {first.parent}, the first {first.name}"
        self.notify(text, title="Export", timeout=10)

    def action_library(self) -> None:
        self.post_message(ShowLibrary())  # the voice goes on: it is the session's
