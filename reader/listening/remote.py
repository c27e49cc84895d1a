"""Media keys: the session player as an MPRIS player on the session bus.

:class:`PlayerControls` answers MPRIS (:mod:`reader.listening.mpris`) from a
:class:`~reader.listening.player.SessionPlayer`: the track is the article playing,
its length and position in seconds at the current rate, the rate a multiple of the
normal rate. :func:`media_keys` starts the service and keeps it told of every change;
where there is no session bus (a server, CI, macOS, Windows) it returns None without a
word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

from reader.config import RATE_MAX, RATE_MIN
from reader.listening.events import Event, Seeked, SentenceStarted
from reader.listening.player import NORMAL_RATE

if TYPE_CHECKING:
    from reader.listening.mpris import Track
    from reader.listening.player import SessionPlayer


class MediaKeys(Protocol):
    def close(self) -> None: ...


class PlayerControls:
    """The MPRIS view of a session player (thread-safe: the player's methods are)."""

    def __init__(self, player: SessionPlayer) -> None:
        self.player = player

    def status(self) -> Literal["Playing", "Paused", "Stopped"]:
        return {"playing": "Playing", "paused": "Paused", "stopped": "Stopped"}[self.player.status]  # type: ignore[return-value]

    def track(self) -> Track | None:
        from reader.listening.mpris import Track

        state = self.player.now_playing()
        program = state.program
        if program is None or program.article_id is None:
            return None
        return Track(
            article_id=program.article_id,
            title=program.title,
            artist=program.byline,
            url=program.article.url,
            length=state.total,
        )

    def position(self) -> float:
        return self.player.elapsed()

    def rate(self) -> float:
        return self.player.rate / NORMAL_RATE

    def rate_limits(self) -> tuple[float, float]:
        return RATE_MIN / NORMAL_RATE, RATE_MAX / NORMAL_RATE

    def can_go_next(self) -> bool:
        return self.player.now_playing().queued > 0

    def can_go_previous(self) -> bool:
        return self.player.program is not None

    def play_pause(self) -> None:
        self.player.toggle()

    def play(self) -> None:
        if self.player.status != "playing":
            self.player.toggle()

    def pause(self) -> None:
        self.player.pause()

    def stop(self) -> None:
        self.player.stop()

    def next(self) -> None:
        self.player.next_article()

    def previous(self) -> None:
        self.player.previous_article()

    def seek(self, offset: float) -> None:
        self.player.skip_time(offset)

    def set_position(self, article_id: int, seconds: float) -> None:
        self.player.seek_seconds(article_id, seconds)

    def set_rate(self, rate: float) -> None:
        self.player.set_rate(round(rate * NORMAL_RATE))


def media_keys(player: SessionPlayer) -> MediaKeys | None:
    """Put ``player`` on the session bus; None (silently) where there is none."""
    try:
        from reader.listening.mpris import MprisService
    except ImportError:  # no D-Bus library on this platform
        return None
    service = MprisService(PlayerControls(player))
    if not service.start():
        return None

    def tell(event: Event) -> None:
        if isinstance(event, SentenceStarted):
            return  # the position is read when asked; a sentence is not a change
        if isinstance(event, Seeked):
            service.seeked(player.elapsed())
            return
        service.changed()

    player.subscribe(tell)
    return service
