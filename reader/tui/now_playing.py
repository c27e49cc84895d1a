"""The "now playing" line every screen shows: what the session player is doing.

One line, plain text (titles come from pages): the state as a symbol and a word (never
colour alone), where in the article and the time left at the current rate, the rate as
a multiple and in words a minute, the sleep timer, the stop-after switch, and the title
last (on a narrow terminal the title is cut, not the times). With
nothing playing but a queue to go on with, it offers that ("Continue: TITLE, 12 min
left"); with nothing at all, it is hidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from reader.listening.events import NowPlaying as State
    from reader.tui.session import Session

REFRESH_SECONDS = 0.5


def describe(state: State) -> str:
    """The line for ``state`` (no program: "")."""
    from reader.listening.timeline import clock, duration_text

    program = state.program
    if program is None:
        return ""
    symbol, word = {
        "playing": ("▶", "Playing"),
        "paused": ("⏸", "Paused"),
        "stopped": ("■", "Stopped"),
    }[state.status]
    # The title last: on a narrow terminal it is what is cut, not the time left.
    parts = [f"{symbol} {word} {clock(state.elapsed)} of {clock(state.total)}"]
    parts.append(f"{duration_text(state.left)} left")
    parts.append(f"{state.multiple:.2f}x {state.rate} wpm")
    if state.sleep_left is not None:
        parts.append(f"sleep in {duration_text(state.sleep_left)}")
    elif state.sleep_at_end:
        parts.append("sleep at the end")
    if state.stop_after:
        parts.append("stop after this")
    elif state.queued:
        parts.append(f"{state.queued} up next")
    if state.status == "stopped":
        parts.append("space goes on")
    parts.append(program.title + (f" ({program.site})" if program.site else ""))
    return " · ".join(parts)


class NowPlaying(Static):
    """The session player's state in one line, refreshed twice a second."""

    DEFAULT_CSS = """
    NowPlaying {
        height: 1;
        width: 1fr;
        padding: 0 1;
    }
    """

    def __init__(self, session: Session) -> None:
        super().__init__(id="now-playing", markup=False)
        self.session = session
        self.line = ""

    def on_mount(self) -> None:
        self.refresh_line()
        self.set_interval(REFRESH_SECONDS, self.refresh_line)

    def refresh_line(self) -> None:
        player = self.session.started_player
        line = ""
        if player is not None and player.generation:
            line = describe(player.now_playing())
        elif self.session.continue_line:  # nothing played yet in this session
            line = self.session.continue_line
        self.display = bool(line)
        if line != self.line:
            self.line = line
            self.update(Text(line, no_wrap=True, overflow="ellipsis"))
