"""The session player: one voice for the whole session, whatever the screen.

A :class:`SessionPlayer` plays a :class:`~reader.listening.events.Program` (an article
read on to its end, or a passage) through the one audio output
(:class:`reader.audio.playback.Player`), and when an article ends it goes on with the queue
("Up next", kept in the library), announcing each article, until the queue ends, the
user stops it, the sleep timer fades it out, or "stop after this article" is on. The
TUI, ``reader listen`` and the media keys (MPRIS) all drive the same object: its
methods are thread-safe and return at once; what happens is told to listeners as
:class:`~reader.listening.events.Event` values on the player's own thread.

Threads: a *speaker* thread per run synthesizes (streamed, sentence by sentence) and
queues chunks on the output, a few seconds ahead of the voice, and on to the next
article's announcement and opening before the current one ends (no gap); miniaudio's
audio thread reports each chunk as it starts sounding; the *dispatcher* thread turns
those reports into state, saved positions and events, and runs the sleep timer; the
library is written on the :class:`~reader.listening.shelf.Writer`'s thread.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from reader.config import RATE_MAX, RATE_MIN
from reader.errors import ReaderError
from reader.listening.events import (
    Changed,
    Paused,
    Program,
    Resumed,
    Stopped,
    whole_article,
)
from reader.listening.reports import Reports
from reader.listening.shelf import Shelf
from reader.listening.state import (
    FADE_SECONDS,
    NORMAL_RATE,
    RATE_STEP,
    SKIP_SECONDS,
    SLEEP_CHOICES,
    Faded,
)
from reader.listening.timeline import duration_text

if TYPE_CHECKING:
    pass

__all__ = ["FADE_SECONDS", "NORMAL_RATE", "RATE_STEP", "SKIP_SECONDS", "SessionPlayer"]


class SessionPlayer(Reports):
    """Plays programs and the queue; see the module docstring. Built as
    ``SessionPlayer(settings, shelf, null_audio=..., fallback_to_null=..., rate=...,
    voice=...)`` (:class:`~reader.listening.state.PlayerState`)."""

    # The steps of the controls, for the front ends' keys.
    RATE_STEP = RATE_STEP
    SKIP_SECONDS = SKIP_SECONDS

    # -- starting ----------------------------------------------------------------------

    def play(self, program: Program, start: int | None = None, *, announce: bool = False) -> None:
        """Play ``program`` from ``start`` (its first span's start by default). An
        article read on to its end becomes the head of the queue (now playing)."""
        offset = program.spans[0][0] if start is None else start
        with self._lock:
            if self._program is not None and self._program is not program:
                self._remember(self._program)
            self._begin(program, offset, announce=announce)
        if program.whole and program.article_id is not None:
            self._write(lambda shelf: shelf.enqueue([program.article_id or 0], first=True))

    def play_queue(self, *, announce: bool = True) -> bool:
        """Play the queue from its first article's saved place; False when it is empty."""
        following = self._next_program(None)
        if following is None:
            return False
        with self._lock:
            self._begin(following, following.spans[0][0], announce=announce)
        return True

    def continue_info(self) -> tuple[Program, float] | None:
        """What ``play_queue`` would play and the seconds left of it ("Continue: TITLE,
        12 min left"); None with an empty queue."""
        following = self._next_program(None, quiet=True)
        if following is None:
            return None
        return following, self.timeline(following).left(following.spans[0][0])

    # -- controls ------------------------------------------------------------------------

    def toggle(self) -> None:
        """Pause, resume, or go on from the kept place (else the queue)."""
        if self._status == "playing":
            self.pause()
        elif self._status == "paused":
            self.resume()
        elif self._program is not None:
            with self._lock:
                program = self._program
                self._begin(program, self._place)
        else:
            self.play_queue()

    def pause(self) -> None:
        with self._lock:
            if self._status != "playing":
                return
            self.output.pause()
            self._status = "paused"
            if self._program is not None:
                self._save(self._program, self._place)
        self._emit(Paused(text="Paused"))

    def resume(self) -> None:
        with self._lock:
            if self._status != "paused":
                return
            self.output.resume()
            self._status = "playing"
        self._emit(Resumed(text="Resumed"))

    def stop(self, reason: str = "stopped") -> None:
        """Stop; the place is kept (``toggle`` goes on from the sentence that sounded)."""
        with self._lock:
            if self._status == "stopped":
                return
            place = self._halt()
            program = self._program
        self._emit(Stopped(program=program, place=place, reason=reason, text="Stopped"))

    def skip_sentence(self, step: int) -> None:
        """The next or previous sentence of what is being read, never outside it: the
        last one asked for keeps reading, the first one replays."""
        with self._lock:
            program = self._program
            if program is None or self._status == "stopped":
                return
            points = self._points(program)
            here = bisect.bisect_right(points, self._place) - 1
            target = max(0, here + step)
            if target >= len(points):
                return
            self._continue(points[target])

    def skip_time(self, seconds: float) -> None:
        """About ``seconds`` on (or back, negative), to the nearest sentence start; past
        the end of an article, the next one."""
        with self._lock:
            program = self._program
            if program is None or self._status == "stopped":
                return
            timeline = self.timeline(program)
            target = self.elapsed() + seconds
            points = self._points(program)
            current = timeline.sentence_start(self._place)
            if seconds > 0:
                later = [p for p in points if p > current]
                if not later or timeline.seconds_at(later[-1]) < target - SKIP_SECONDS:
                    if program.whole:
                        self.next_article()
                    return
                offset = min(later, key=lambda p: abs(timeline.seconds_at(p) - target))
            else:
                earlier = [p for p in points if p <= current] or points[:1]
                offset = min(earlier, key=lambda p: abs(timeline.seconds_at(p) - target))
            self._continue(offset)

    def seek(self, offset: int) -> None:
        """Go on from ``offset`` of the article playing (a click, a media key's position):
        inside what was asked for from there, else the article read on from there."""
        with self._lock:
            program = self._program
            if program is None:
                return
            offset = self.timeline(program).sentence_start(offset)
            if any(a <= offset < b for a, b in program.spans):
                self._continue(offset)
                return
            paused = self._status == "paused"
            self._begin(whole_article(program.article, program.article_id, offset), offset)
            if paused:
                self.output.pause()
                self._status = "paused"

    def seek_seconds(self, article_id: int, seconds: float) -> None:
        """Go to ``seconds`` into the article playing (MPRIS SetPosition)."""
        with self._lock:
            program = self._program
            if program is None or program.article_id != article_id:
                return
            self.seek(self.timeline(program).offset_near(max(0.0, seconds)))

    def next_article(self) -> None:
        """Leave this article (its place kept, out of the queue) for the queue's next."""
        with self._lock:
            program = self._program
        following = self._next_program(program)
        if following is None:
            self._notice("Nothing after this in the queue.")
            return
        with self._lock:
            if program is not None:
                self._remember(program)
                if program.whole and program.article_id is not None:
                    gone = program.article_id
                    self._write(lambda shelf: shelf.dequeue(gone))
            self._begin(following, following.spans[0][0], announce=True, following=True)

    def previous_article(self) -> None:
        """Back to the article played before this one (from its place); with none, this
        article from its start."""
        with self._lock:
            program = self._program
            while self._history and self.shelf is not None:
                article_id = self._history.pop()
                if program is not None and article_id == program.article_id:
                    continue
                try:
                    article, position = self.shelf.load(article_id)
                except ReaderError:
                    continue
                if position >= len(article.text.rstrip()):
                    position = 0
                if program is not None:
                    self._save(program, self._place)
                previous = whole_article(article, article_id, position)
                self._begin(previous, previous.spans[0][0], announce=True, following=True)
                self._write(_to_front(article_id))
                return
            if program is not None:
                self._begin(program, program.spans[0][0])

    def set_rate(self, rate: int) -> int:
        """Speak at ``rate`` words a minute (clamped to the limits) from the next sentence."""
        rate = max(RATE_MIN, min(RATE_MAX, int(rate)))
        with self._lock:
            if rate == self.rate:
                return rate
            self.rate = rate
            self._from_next_sentence()
        self._emit(Changed(text=f"Rate {rate} wpm ({rate / NORMAL_RATE:.2f}x)"))
        return rate

    def set_voice(self, voice: str | None) -> None:
        with self._lock:
            self.voice = voice
            self._from_next_sentence()
        self._emit(Changed(text=f"Voice {voice or 'automatic'}"))

    def _from_next_sentence(self) -> None:
        """A new rate or voice: heard from the next chunk (the lock held)."""
        program, chunk = self._program, self._sounding
        if program is None or self._status == "stopped" or chunk is None:
            return
        end = chunk.end
        if any(a <= end < b for a, b in program.spans):
            self._continue(end, keep_current=True)

    def set_stop_after(self, on: bool) -> None:
        self.stop_after = on
        text = "Stop after this article" if on else "Play on through the queue"
        self._emit(Changed(text=text))

    def set_sleep(self, minutes: float | None, *, at_end: bool = False) -> None:
        """Fade out after ``minutes`` (None: no timer), or stop at the end of the article."""
        with self._lock:
            self._sleep_at_end = at_end
            self._sleep_deadline = (
                time.monotonic() + minutes * 60 if minutes is not None and not at_end else None
            )
        self._inbox.put(Faded(-1))  # wake the dispatcher: the deadline changed
        if at_end:
            text = "Sleep timer: end of article"
        elif minutes is None:
            text = "Sleep timer off"
        else:
            text = f"Sleep timer: {duration_text(minutes * 60)}"
        self._emit(Changed(text=text))

    def cycle_sleep(self) -> None:
        """Off -> 15 -> 30 -> 45 -> 60 min -> end of article -> off."""
        if self._sleep_at_end:
            self.set_sleep(None)
            return
        if self._sleep_deadline is None:
            self.set_sleep(SLEEP_CHOICES[0])
            return
        left = (self._sleep_deadline - time.monotonic()) / 60
        later = [m for m in SLEEP_CHOICES if m > left + 0.5]
        if later:
            self.set_sleep(later[0])
        else:
            self.set_sleep(None, at_end=True)


def _to_front(article_id: int) -> Callable[[Shelf], object]:
    return lambda shelf: shelf.enqueue([article_id], first=True)
