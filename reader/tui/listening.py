"""Listening on the article screen: one request at a time, followed along.

A *request* is a list of spans of the article's text (the selection; the rest of the
article from the cursor; every highlight). A thread worker synthesizes the spans
through :func:`reader.speech.synthesize_article` (streamed, sentence by sentence) and
queues the chunks on the :class:`~reader.playback.Player` (``session.speaker``), which
tells the screen when each chunk starts sounding. Skips, clicks and rate or voice
changes start a new request from the right offset (``generation`` tells stale messages
from current ones).

:class:`ListeningScreen` is this part of :class:`~reader.tui.article_screen.ArticleScreen`
(its base class), which binds the keys and draws the status line.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from reader.config import RATE_MAX, RATE_MIN
from reader.tui.article_view import ArticleView
from reader.tui.messages import ChunkStarted, ListeningFinished

if TYPE_CHECKING:
    from reader.article import Article
    from reader.speech import Chunk
    from reader.tui.session import Session


@dataclass(frozen=True, slots=True)
class Playing:
    """What the speaker carries with each queued chunk, and hands back when it sounds."""

    screen: ListeningScreen
    generation: int
    index: int  # which span of the request
    chunk: Chunk

    def started(self) -> None:
        self.screen.chunk_started(self)


RATE_STEP = 25


class ListeningScreen(Screen[None]):
    """An article's screen as far as listening goes: the request, the worker that
    speaks it, follow-along, skips and clicks, rate and voice."""

    def __init__(
        self, article: Article, session: Session, *, article_id: int | None, position: int
    ) -> None:
        super().__init__()
        self.article = article
        self.session = session
        self.article_id = article_id
        self.position = position
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

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    def update_status(self) -> None:
        """Show the state in the status line (drawn by the article screen)."""

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

    def listening_failed(self, worker: Worker[None]) -> bool:
        """A listening worker failed: True when it was the current request's (then
        listening has stopped), False for an old request's, stopped or replaced."""
        if worker is not self._listening:
            return False
        self._listening = None
        self._stop_state()
        return True

    def on_unmount(self) -> None:
        self._cancel.set()
