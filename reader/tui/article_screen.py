"""The article screen: read, select, listen, follow along, highlight, export.

Listening is one *request* at a time: a list of spans of the article's text (the
selection; the rest of the article from the cursor; every highlight). A thread
worker synthesizes the spans through :func:`reader.speech.synthesize_article`
(streamed, sentence by sentence) and queues the chunks on the
:class:`~reader.playback.Player` (``session.speaker``), which tells the screen when each
chunk starts sounding. Skips, clicks and rate or voice changes start a new request from
the right offset (``generation`` tells stale messages from current ones).
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from reader.config import RATE_MAX, RATE_MIN
from reader.tui.article_view import ArticleView
from reader.tui.messages import (
    ChunkStarted,
    ExportDone,
    ExportProgress,
    ListeningFinished,
    ShowLibrary,
    WarmUp,
    WorkFailed,
)

if TYPE_CHECKING:
    from reader.article import Article
    from reader.highlight import Highlight
    from reader.speech import Chunk
    from reader.tui.dialogs import ExportChoice, HighlightChoice
    from reader.tui.session import Session


@dataclass(frozen=True, slots=True)
class Playing:
    """What the speaker carries with each queued chunk, and hands back when it sounds."""

    screen: ArticleScreen
    generation: int
    index: int  # which span of the request
    chunk: Chunk

    def started(self) -> None:
        self.screen.chunk_started(self)


RATE_STEP = 25


class ArticleScreen(Screen[None]):
    """One article, open for reading and listening."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "listen", "Listen/pause"),
        Binding("s", "stop", "Stop"),
        Binding("n", "skip(1)", "Next sentence", show=False),
        Binding("p", "skip(-1)", "Previous sentence", show=False),
        Binding("minus", "rate(-1)", "Slower", show=False),
        Binding("plus,equals_sign", "rate(1)", "Faster", show=False),
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
        super().__init__()
        self.article = article
        self.session = session
        self.article_id = article_id
        self.position = position
        self.highlights: list[Highlight] = list(highlights or [])
        # Highlights the library could not place in this text (see _load_detached).
        self.detached: list[Highlight] = []
        self._told_detached = False
        self.state = "stopped"  # "stopped" | "listening" | "paused"
        self.generation = 0
        self._cancel = threading.Event()
        self._asked: list[tuple[int, int]] = []  # what was asked for (the whole request)
        self._request: list[tuple[int, int]] = []  # what is being synthesized: its rest
        self._base = 0  # index in _asked of _request[0] (a skip restarts mid-request)
        self._span_index = 0  # which span of _request is sounding
        # Where the voice is (or starts, before the first chunk of a restart sounds), as
        # (index in _asked, offset): n/p pressed quickly in a row skip from there.
        self._at = (0, 0)
        self._sounding: Chunk | None = None
        self._listening: Worker[None] | None = None  # the worker of the current request
        self.spoken_log: list[tuple[int, int]] = []  # chunk spans, in the order heard
        self.exported: list[str] = []

    # -- composition -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ArticleView(self.article, rate=self.session.rate, id="article")
        yield Static(id="status", markup=False)
        yield Footer()

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    def on_mount(self) -> None:
        view = self.view
        view.set_highlights(self.highlights)
        if self.position:
            view.move_cursor(view.sentence_at(self.position))
        view.focus()
        if self.article_id is not None:
            self._load_detached()
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
        symbol = {"stopped": "■", "listening": "▶", "paused": "⏸"}[self.state]
        parts = [f"{symbol} {self.state.capitalize()}"]
        if self.state == "listening" and not self.session.voice_ready:
            parts = ["… Loading the voice"]
        view = self.view
        total = len(self.article.sentences)
        if total:
            # While listening (or paused), where the voice is; else where the cursor is.
            if self.state != "stopped" and self._sounding is not None:
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

    # -- listening ---------------------------------------------------------------------

    def action_listen(self) -> None:
        """Space: pause or resume; else listen to the selection, or read on from the cursor."""
        speaker = self.session.speaker
        if self.state == "listening":
            speaker.pause()
            self.state = "paused"
            self.update_status()
            return
        if self.state == "paused":
            speaker.resume()
            self.state = "listening"
            self.update_status()
            return
        view = self.view
        if view.selection is not None:
            self.listen([view.selection])
        elif view.cursor_span is not None:
            self.listen([(view.cursor_span[0], len(self.article.text))])

    def action_listen_highlights(self) -> None:
        if not self.highlights:
            self.notify("No highlights yet: select a passage and press h.")
            return
        self.listen([(h.start, h.end) for h in self.highlights])

    def listen(self, spans: list[tuple[int, int]]) -> None:
        """Start a new request (the old one stops at once)."""
        spans = [(a, b) for a, b in spans if b > a]
        if not spans:
            return
        self._asked = spans
        self._play(spans, 0)

    def _play(self, spans: list[tuple[int, int]], base: int, *, keep_current: bool = False) -> None:
        """Synthesize and play ``spans``, the rest of the request from ``_asked[base]``
        (the old playback stops at once, or after the chunk sounding)."""
        self._cancel.set()
        self.session.speaker.clear(keep_current=keep_current)
        self.session.speaker.resume()
        self.generation += 1
        self._cancel = threading.Event()
        self._request = spans
        self._base = base
        self._span_index = 0
        self._at = (base, spans[0][0])
        self.state = "listening"
        self.update_status()
        self._listening = self._speak(spans, self.generation, self._cancel)

    @work(thread=True, exclusive=True, group="listen", exit_on_error=False)
    def _speak(
        self, spans: list[tuple[int, int]], generation: int, cancel: threading.Event
    ) -> None:
        from reader.speech import synthesize_article

        worker = get_current_worker()
        speaker = self.session.speaker
        for index, (start, end) in enumerate(spans):
            chunks = synthesize_article(
                self.article,
                start,
                end,
                voice=self.session.voice,
                rate=self.session.rate,
                cancel=cancel,
                settings=self.session.settings,
            )
            try:
                for chunk in chunks:
                    if cancel.is_set() or worker.is_cancelled:
                        return
                    # The last chunk of a span ends with a pause before the next span.
                    pause = chunk.pause_after
                    tag = Playing(self, generation, index, chunk)
                    if not speaker.enqueue(chunk.pcm, chunk.sample_rate, pause, tag, cancel=cancel):
                        return
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        if speaker.wait_idle(cancel) and not cancel.is_set():
            self.post_message(ListeningFinished(generation))

    def chunk_started(self, tag: Playing) -> None:
        """Called on the audio thread when a chunk starts sounding."""
        if tag.generation == self.generation:
            self._span_index = tag.index
            self.post_message(ChunkStarted(tag.generation, tag.chunk))

    @on(ChunkStarted)
    def _chunk_started(self, message: ChunkStarted) -> None:
        if message.generation != self.generation or self.state == "stopped":
            return
        chunk = message.chunk
        self._sounding = chunk
        self._at = (self._base + self._span_index, chunk.start)
        self.spoken_log.append((chunk.start, chunk.end))
        view = self.view
        view.set_spoken((chunk.start, chunk.end))
        self._save_position(chunk.start)
        if not self.session.voice_ready:  # no warm-up ran (or it has not reported yet)
            self.session.voice_ready = True
        self.update_status()

    def _follow_words(self) -> None:
        """Move the word highlight (where the engine gives word times)."""
        if self.state != "listening" or self._sounding is None:
            return
        position = self.session.speaker.position()
        if position is None:
            return
        tag, seconds = position
        if not isinstance(tag, Playing) or tag.generation != self.generation:
            return
        chunk = tag.chunk
        if not chunk.words:
            return
        current = None
        for word in chunk.words:
            if word.time <= seconds:
                current = word
            else:
                break
        if current is not None and (current.start, current.end) != self.view.word:
            self.view.set_word((current.start, current.end))

    @on(ListeningFinished)
    def _finished(self, message: ListeningFinished) -> None:
        if message.generation != self.generation:
            return
        self._stop_state()
        if self._request:
            self._save_position(self._request[-1][1])

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of this screen failed: put the screen back; the app says why."""
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "listen":
            if event.worker is not self._listening:
                return  # an old request's, stopped or replaced: nothing to tell
            self._listening = None
            self._stop_state()
        elif event.worker.group == "export":
            self.query("#export-progress").remove()
        self.post_message(WorkFailed(event.worker))

    def action_stop(self) -> None:
        if self.state == "stopped":
            return
        self._cancel.set()
        self.session.speaker.clear()
        self.session.speaker.resume()
        self.generation += 1
        self._listening = None
        self._stop_state()

    def _stop_state(self) -> None:
        self.state = "stopped"
        self._sounding = None
        self.view.set_spoken(None, follow=False)
        self.update_status()

    def action_skip(self, step: int) -> None:
        """n/p: the next or previous sentence of what is being read, never outside it:
        n on the last sentence asked for keeps reading it, p on the first replays it."""
        if self.state == "stopped" or self._sounding is None:
            return
        points = self._sentence_points()
        current, here = self._at
        position = 0
        for n, (index, offset) in enumerate(points):
            if index < current or (index == current and offset <= here):
                position = n
        target = position + step
        if target >= len(points):
            return
        self._continue(*points[max(0, target)])

    def _sentence_points(self) -> list[tuple[int, int]]:
        """Where each sentence of the request starts, as (span index, offset): a span's
        own start (a selection may begin mid-sentence), then each sentence inside it."""
        starts = [sentence.start for sentence in self.article.sentences]
        points: list[tuple[int, int]] = []
        for index, (a, b) in enumerate(self._asked):
            points.append((index, a))
            first = bisect.bisect_right(starts, a)
            last = bisect.bisect_left(starts, b)
            points.extend((index, offset) for offset in starts[first:last])
        return points

    def _continue(self, index: int, offset: int, *, keep_current: bool = False) -> None:
        """Play the request on from ``offset`` in its span ``index`` (a skip, a click, a
        new rate); paused stays paused."""
        a, b = self._asked[index]
        paused = self.state == "paused"
        self._play(
            [(max(a, offset), b), *self._asked[index + 1 :]], index, keep_current=keep_current
        )
        if paused:
            self.action_listen()

    @on(ArticleView.SentenceClicked)
    def _sentence_clicked(self, message: ArticleView.SentenceClicked) -> None:
        """A click while listening moves the voice there: inside what was asked for if
        the sentence is part of it (from the span being read on), else reading on from
        the sentence clicked."""
        if self.state == "stopped":
            return
        sentence = self.article.sentences[message.sentence]
        current = self._at[0]
        order = [*range(current, len(self._asked)), *range(current)]
        for index in order:
            a, b = self._asked[index]
            if sentence.start < b and a < sentence.end:
                self._continue(index, max(a, sentence.start))
                return
        paused = self.state == "paused"
        self.listen([(sentence.start, len(self.article.text))])
        if paused:
            self.action_listen()

    def action_rate(self, step: int) -> None:
        rate = max(RATE_MIN, min(RATE_MAX, self.session.rate + step * RATE_STEP))
        if rate == self.session.rate:
            return
        self._told_unsaved(self.session.set_rate(rate), f"{rate} wpm")
        self.view.set_rate(rate)
        self._settings_changed()

    def _settings_changed(self) -> None:
        """Rate or voice changed: heard from the next sentence."""
        self.update_status()
        if self.state != "stopped" and self._sounding is not None:
            # From the next chunk, inside the request (nothing left: the chunk ends it).
            end = self._sounding.end
            for index in range(self._at[0], len(self._asked)):
                if end < self._asked[index][1]:
                    self._continue(index, end, keep_current=True)
                    return

    def action_voice(self) -> None:
        from reader.tui.dialogs import VoiceScreen

        def chosen(voice: str | None) -> None:
            if voice is not None:
                self.use_voice(voice or None)

        self.app.push_screen(VoiceScreen(self.article.language, self.session.voice), chosen)

    def use_voice(self, voice: str | None) -> None:
        """Speak with ``voice`` (None: automatic) from the next sentence, and remember it."""
        self._told_unsaved(self.session.set_voice(voice), f"voice {voice or 'auto'}")
        self._settings_changed()

    def _told_unsaved(self, problem: str | None, what: str) -> None:
        """Say that a choice is remembered as the default, or why it could not be."""
        if problem is not None:
            self.notify(problem, title="Settings not saved", severity="warning")
        else:
            self.notify(f"{what}: remembered as the default", title="Settings", timeout=3)

    def _save_position(self, offset: int) -> None:
        if self.article_id is not None:
            self.position = offset
            problem = self.session.save_position(self.article_id, offset)
            if problem is not None:
                self.log.warning(f"position not saved: {problem}")

    # -- highlights --------------------------------------------------------------------

    def action_highlight(self) -> None:
        """h: save the selection (or the cursor sentence) with a note; a passage that is
        already a highlight is not saved twice: its note is offered for editing."""
        from reader.tui.dialogs import NoteScreen

        view = self.view
        span = view.selection or view.cursor_span
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
        if len(message.paths) == 1:
            text = f"Exported {message.paths[0]}"
        else:
            text = f"Exported {len(message.paths)} files, the first {message.paths[0]}"
        self.notify(text, title="Export", timeout=10)

    def action_library(self) -> None:
        self.action_stop()
        self.post_message(ShowLibrary())

    def on_unmount(self) -> None:
        self._cancel.set()
