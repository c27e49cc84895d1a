"""Listening on the article screen: asking the session player, and following along.

The voice belongs to the session (:class:`reader.listening.player.SessionPlayer`,
``session.player``), not to a screen: leaving the screen, opening another article or a
dialog keeps it going, and the player's keys are the app's. This part of the article
screen asks the player for what the user selects here (a selection, the rest of the
article from the cursor, every highlight) and, while the article playing is this one,
follows the voice: the sentence spoken is highlighted and kept in view, the word too
where the engine gives word times, and the terminal's own cursor sits on it (screen
magnifiers and readers follow that cursor).

:class:`ListeningScreen` is the base class of
:class:`~reader.tui.article_screen.ArticleScreen`, which binds the keys and draws the
status line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.geometry import Offset
from textual.screen import Screen

from reader.tui.article_view import ArticleView

if TYPE_CHECKING:
    from reader.listening.events import Event, Program
    from reader.listening.player import SessionPlayer
    from reader.speech import Chunk
    from reader.text.article import Article
    from reader.tui.session import Session


class ListeningScreen(Screen[None]):
    """An article's screen as far as listening goes: what to ask the session player
    for, and follow-along while the article playing is this one."""

    def __init__(
        self, article: Article, session: Session, *, article_id: int | None, position: int
    ) -> None:
        super().__init__()
        self.article = article
        self.session = session
        self.article_id = article_id
        self.position = position
        self._sounding: Chunk | None = None  # this article's chunk sounding, if it plays
        self.spoken_log: list[tuple[int, int]] = []  # chunk spans, in the order heard

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    @property
    def player(self) -> SessionPlayer:
        return self.session.player

    def update_status(self) -> None:
        """Show the state in the status line (drawn by the article screen)."""

    # -- is it this article? -------------------------------------------------------------

    def is_mine(self, program: Program | None) -> bool:
        """Whether ``program`` is about this screen's article."""
        if program is None:
            return False
        if program.article is self.article:
            return True
        return self.article_id is not None and program.article_id == self.article_id

    @property
    def state(self) -> str:
        """ "listening", "paused" or "stopped", for this article."""
        player = self.session.started_player
        if player is None or not self.is_mine(player.program):
            return "stopped"
        return {"playing": "listening", "paused": "paused", "stopped": "stopped"}[player.status]

    # -- asking ----------------------------------------------------------------------------

    def action_listen(self) -> None:
        """Space: pause or resume this article; else listen to the selection, or read on
        from the cursor (another article playing gives way)."""
        state = self.state
        if state == "listening":
            self.player.pause()
        elif state == "paused":
            self.player.resume()
        elif self.view.selection is not None:
            self.listen([self.view.selection])
        elif self.view.cursor_span is not None:
            self.read_on(self.view.cursor_span[0])
        self.update_status()

    def listen(self, spans: list[tuple[int, int]]) -> None:
        """Hear these passages of the article, then stop."""
        from reader.listening.events import Program

        spans = [(a, b) for a, b in spans if b > a]
        if spans:
            self.player.play(Program(self.article, self.article_id, tuple(spans), whole=False))

    def read_on(self, offset: int) -> None:
        """Hear the article from ``offset`` to its end (then the queue goes on)."""
        from reader.listening.events import whole_article

        self.player.play(whole_article(self.article, self.article_id, offset))

    @on(ArticleView.SentenceClicked)
    def _sentence_clicked(self, message: ArticleView.SentenceClicked) -> None:
        """A click while this article plays moves the voice there."""
        if self.state == "stopped":
            return
        self.player.seek(self.article.sentences[message.sentence].start)

    # -- following -------------------------------------------------------------------------

    def player_event(self, event: Event) -> None:
        """An event of the session player (the app hands each one to every article screen)."""
        from reader.listening.events import Finished, SentenceStarted, Started, Stopped

        if isinstance(event, SentenceStarted) and self.is_mine(event.program):
            chunk = event.chunk
            self._sounding = chunk
            self.spoken_log.append((chunk.start, chunk.end))
            self.view.set_spoken((chunk.start, chunk.end))
            self.position = chunk.start
            if not self.session.voice_ready:  # no warm-up ran (or it has not reported yet)
                self.session.voice_ready = True
        elif isinstance(event, Stopped) and self.is_mine(event.program):
            # Stop keeps the place: the cursor goes where the voice stopped, so space
            # goes on from there.
            self._stopped()
            if event.place is not None and self.view.selection is None:
                self.view.move_cursor(self.view.sentence_at(event.place))
        elif isinstance(event, Finished) and self.is_mine(event.program):
            self._stopped()
            self.position = 0
            if self.view.selection is None:
                self.view.move_cursor(0)  # heard to the end: the next listen starts at the top
        elif isinstance(event, Stopped | Started) and not self.is_mine(self.player.program):
            self._stopped()
        self.update_status()

    def follow_player(self) -> None:
        """Show where the voice is in this article (it is playing, paused or kept)."""
        player = self.session.started_player
        if player is None or not self.is_mine(player.program):
            return
        chunk = player.sounding
        if chunk is not None:
            self._sounding = chunk
            self.view.set_spoken((chunk.start, chunk.end))
        else:
            self.view.move_cursor(self.view.sentence_at(player.place))
        self.update_status()

    def _stopped(self) -> None:
        self._sounding = None
        if self.view.spoken is not None:
            self.view.set_spoken(None, follow=False)

    def _follow_words(self) -> None:
        """Move the word highlight (where the engine gives word times) and the
        terminal's cursor (what a screen magnifier follows)."""
        if self.app.screen is self:
            self._place_caret()
        player = self.session.started_player
        if player is None or self.state != "listening" or self._sounding is None:
            return
        position = player.output.position()
        if position is None:
            return
        tag, seconds = position
        chunk = getattr(tag, "chunk", None)
        if chunk is None or not self.is_mine(getattr(tag, "program", None)) or not chunk.words:
            return
        current = None
        for word in chunk.words:
            if word.time <= seconds:
                current = word
            else:
                break
        if current is not None and (current.start, current.end) != self.view.word:
            self.view.set_word((current.start, current.end))

    def _place_caret(self) -> None:
        """The terminal cursor on the sentence spoken (else the cursor sentence)."""
        view = self.view
        target = view.spoken or view.cursor_span
        if target is None:
            return
        spot = view.caret_at(target[0])
        if spot is not None:
            x, y = spot
            region = view.content_region
            offset = Offset(region.x + x, region.y + y)
            if self.app.cursor_position != offset:
                self.app.cursor_position = offset

    # -- rate and voice ----------------------------------------------------------------------

    def action_voice(self) -> None:
        from reader.tui.voice_picker import VoiceScreen

        def chosen(voice: str | None) -> None:
            if voice is not None:
                self.use_voice(voice or None)

        self.app.push_screen(VoiceScreen(self.article.language, self.session.voice), chosen)

    def use_voice(self, voice: str | None) -> None:
        """Speak with ``voice`` (None: automatic) from the next sentence, and remember it."""
        self._told_unsaved(self.session.set_voice(voice), f"voice {voice or 'auto'}")
        self.update_status()

    def _told_unsaved(self, problem: str | None, what: str) -> None:
        """Say that a choice is remembered as the default, or why it could not be."""
        if problem is not None:
            self.notify(problem, title="Settings not saved", severity="warning")
        else:
            self.notify(f"{what}: remembered as the default", title="Settings", timeout=3)
