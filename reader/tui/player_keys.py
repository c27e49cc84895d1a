"""The player's keys, the same on every screen, and what the app does with its events.

The voice is the session's (:class:`reader.listening.player.SessionPlayer`, imported
when first used: the app starts without it): its keys
are the app's bindings, so they work on the library, an article, the queue and over a
dialog alike (a screen's own use of a key, such as space on an article or in the
highlights dialog, comes first). The player's events reach the app as
:class:`~reader.tui.messages.PlayerEvent` messages; the app hands each to the article
screens (follow-along) and says the ones a listener must hear of (the next article,
the end, a notice) as notifications.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType

from reader.tui.article_screen import ArticleScreen
from reader.tui.messages import OpenArticle, PlayerEvent
from reader.tui.now_playing import NowPlaying

if TYPE_CHECKING:
    from reader.tui.session import Session


class PlayerKeys(App[int]):
    """The app's part that drives the session player (the app's base class)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "play_pause", "Play/pause", show=False),
        Binding("s", "stop", "Stop (keeps the place)", show=False),
        Binding("left_square_bracket", "skip_time(-1)", "Back 15 seconds", show=False),
        Binding("right_square_bracket", "skip_time(1)", "Forward 15 seconds", show=False),
        Binding("p", "skip(-1)", "Previous sentence heard", show=False),
        Binding("n", "skip(1)", "Next sentence heard", show=False),
        Binding("P", "article(-1)", "Previous article", show=False),
        Binding("N", "article(1)", "Next article", show=False),
        Binding("minus", "rate(-1)", "Slower", show=False),
        Binding("plus,equals_sign", "rate(1)", "Faster", show=False),
        Binding("z", "sleep", "Sleep timer (15, 30, 45, 60 min, end of article, off)", show=False),
        Binding("x", "stop_after", "Stop after this article / play on", show=False),
        Binding("f", "follow", "Go to what is playing", show=False),
        Binding("u", "queue", "Up next (the queue)", show=False),
    ]

    session: Session

    # -- keys ----------------------------------------------------------------------------

    def action_play_pause(self) -> None:
        """Pause, resume, go on from where it stopped, else play the queue."""
        player = self.session.player
        if player.status == "stopped" and player.program is None:
            if not player.play_queue():
                self.notify("Nothing to play: the queue is empty (a, in the library, queues).")
        else:
            player.toggle()
        self.refresh_now_playing()

    def action_stop(self) -> None:
        self.session.player.stop()
        self.refresh_now_playing()

    def action_skip_time(self, direction: int) -> None:
        player = self.session.player
        player.skip_time(direction * player.SKIP_SECONDS)

    def action_skip(self, step: int) -> None:
        self.session.player.skip_sentence(step)

    def action_article(self, step: int) -> None:
        player = self.session.player
        if step > 0:
            player.next_article()
        else:
            player.previous_article()

    def action_rate(self, step: int) -> None:
        rate = self.session.rate + step * self.session.player.RATE_STEP
        before = self.session.rate
        problem = self.session.set_rate(rate)
        rate = self.session.rate
        if rate == before:
            return
        multiple = self.session.player.now_playing().multiple
        if problem is not None:
            self.notify(problem, title="Settings not saved", severity="warning")
        else:
            self.notify(
                f"{rate} wpm ({multiple:.2f}x): remembered as the default",
                title="Settings",
                timeout=3,
            )
        for screen in self.screen_stack:
            if isinstance(screen, ArticleScreen):
                screen.view.set_rate(rate)
                screen.update_status()
        self.refresh_now_playing()

    def action_sleep(self) -> None:
        self.session.player.cycle_sleep()

    def action_stop_after(self) -> None:
        player = self.session.player
        player.set_stop_after(not player.stop_after)

    def action_follow(self) -> None:
        """Show the article playing, at the sentence heard."""
        program = self.session.player.program
        if program is None:
            self.notify("Nothing is playing.")
            return
        for screen in self.screen_stack:
            if isinstance(screen, ArticleScreen) and screen.is_mine(program):
                screen.follow_player()
                while self.screen is not screen:
                    self.pop_screen()
                return
        if program.article_id is not None:
            self.post_message(OpenArticle(program.article_id))

    def action_queue(self) -> None:
        from reader.tui.queue_screen import QueueScreen

        if not isinstance(self.screen, QueueScreen):
            self.push_screen(QueueScreen(self.session))

    # -- events --------------------------------------------------------------------------

    @on(PlayerEvent)
    def _player_event(self, message: PlayerEvent) -> None:
        from reader.listening.events import Changed, Finished, Notice, Started

        event = message.event
        for screen in self.screen_stack:
            if isinstance(screen, ArticleScreen):
                screen.player_event(event)
        if isinstance(event, Started) and event.following:
            self.notify(event.text, title="Next", timeout=6)
        elif isinstance(event, Finished):
            self.notify(event.text, title="Finished", timeout=6)
        elif isinstance(event, Notice):
            line = event.detail or event.text
            self.notify(line, title=event.title, severity=event.severity, timeout=8)
        elif isinstance(event, Changed) and not event.text.startswith(("Rate", "Voice")):
            self.notify(event.text, title="Player", timeout=4)  # sleep timer, stop after
        self.refresh_now_playing()

    def refresh_now_playing(self) -> None:
        for line in self.screen.query(NowPlaying):
            line.refresh_line()

    def _offer_to_continue(self) -> None:
        """Starting with a queue to go on with: say so ("Continue: TITLE, 12 min left")."""
        from reader.errors import ReaderError
        from reader.listening.timeline import duration_text

        try:
            found = self.session.player.continue_info()
        except ReaderError:
            return
        if found is None:
            return
        program, left = found
        line = f"Continue: {program.title}, {duration_text(left)} left · N plays it"
        self.session.continue_line = line
        self.notify(line, title="Up next", timeout=10)
        self.refresh_now_playing()
