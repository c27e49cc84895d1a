"""The session player's state: what plays, where, the listeners, the writes.

:class:`PlayerState` is the base of :class:`~reader.listening.player.SessionPlayer`
(see :mod:`reader.listening.player` for the whole): the attributes every part shares
under one lock, what is playing and where (in characters and in seconds at the rate),
starting and stopping a run of the speaker, and keeping the place in the library. The
reports of the audio thread are :mod:`reader.listening.reports`; the user's controls
and the queue are :mod:`reader.listening.player`.
"""

from __future__ import annotations

import bisect
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from reader.errors import ReaderError
from reader.listening.events import (
    Event,
    Notice,
    NowPlaying,
    Program,
    Seeked,
    Status,
    whole_article,
)
from reader.listening.shelf import Shelf, Writer
from reader.listening.speaker import Speaker, Tag
from reader.listening.timeline import Timeline

if TYPE_CHECKING:
    from reader.audio.playback import Player
    from reader.config import Settings
    from reader.speech import Chunk

log = logging.getLogger("reader.listening.player")

NORMAL_RATE = 175  # words a minute heard as 1.0x (the settings' default rate)
RATE_STEP = 25
SKIP_SECONDS = 15.0
FADE_SECONDS = 5.0  # the sleep timer's fade to silence
SLEEP_CHOICES = (15, 30, 45, 60)  # minutes, then "end of article"


@dataclass(frozen=True)
class Faded:
    """The sleep timer's fade of run ``generation`` has ended (-1: a wake-up only)."""

    generation: int


@dataclass(frozen=True)
class Failed:
    """The speaker of run ``generation`` could not go on."""

    generation: int
    reason: str


Item = Tag | Faded | Failed | None


class PlayerState:
    """What every part of the session player shares (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        shelf: Shelf | None = None,
        *,
        null_audio: bool = False,
        fallback_to_null: bool = True,
        rate: int | None = None,
        voice: str | None = None,
    ) -> None:
        self.settings = settings
        self.shelf = shelf
        self.rate = rate if rate is not None else settings.rate
        self.voice = voice if voice is not None else settings.voice
        from reader.audio.playback import Player

        self.output: Player = Player(
            null_backend=null_audio, fallback_to_null=fallback_to_null, on_start=self._sounded
        )
        self.fade_seconds = FADE_SECONDS  # the sleep timer's fade
        self.stop_after = False  # stop after this article instead of going on with the queue
        self.until: int | None = None  # stop after this article (reader listen ID...)
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Event], None]] = []
        self._inbox: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self._writer = Writer(shelf, self._write_failed) if shelf is not None else None
        self._status: Status = "stopped"
        self._program: Program | None = None  # sounding, paused, or kept to go on with
        self._place = 0  # offset of the chunk sounding, or where to go on
        self._sounding: Chunk | None = None
        self._announced: Program | None = None  # the program Started was told for
        self._history: list[int] = []  # articles played before this one (previous article)
        self._generation = 0
        self._speaker: Speaker | None = None
        self._sleep_deadline: float | None = None
        self._sleep_at_end = False
        self._fade_place: int | None = None
        self._stop_reason: str | None = None
        self._timelines: dict[tuple[int, int], Timeline] = {}
        self.tell_silence = True  # say once that there is no sound (the TUI says it itself)
        self._told_silent = False
        self._closed = False
        self._dispatcher = threading.Thread(target=self._dispatch, name="listening", daemon=True)
        self._dispatcher.start()

    def _dispatch(self) -> None:
        """The dispatcher thread's loop (:class:`~reader.listening.reports.Reports`)."""
        raise NotImplementedError

    # -- listeners ---------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """``listener(event)`` is called on the player's thread: copy, never block."""
        self._listeners.append(listener)

    def _emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a front end's bug must not stop the voice
                log.exception("listening listener failed")

    # -- what is playing ---------------------------------------------------------------

    @property
    def status(self) -> Status:
        return self._status

    @property
    def program(self) -> Program | None:
        return self._program

    @property
    def place(self) -> int:
        """The offset of the chunk sounding (or where playback goes on)."""
        return self._place

    @property
    def sounding(self) -> Chunk | None:
        """The chunk sounding now (None when stopped)."""
        return self._sounding if self._status != "stopped" else None

    @property
    def generation(self) -> int:
        return self._generation

    def timeline(self, program: Program) -> Timeline:
        key = (id(program.article), self.rate)
        found = self._timelines.get(key)
        if found is None:
            if len(self._timelines) > 8:
                self._timelines.clear()
            found = self._timelines[key] = Timeline.of(program.article, self.rate)
        return found

    def elapsed(self) -> float:
        """Seconds into the article: the sentence's estimated start plus what has been
        heard of the chunk sounding."""
        with self._lock:
            program = self._program
            if program is None:
                return 0.0
            seconds = self.timeline(program).seconds_at(self._place)
            heard = self.output.position()
            if self._status != "stopped" and heard is not None:
                tag, into = heard
                if isinstance(tag, Tag) and tag.generation == self._generation and tag.chunk:
                    seconds += into
            return seconds

    def now_playing(self) -> NowPlaying:
        with self._lock:
            program = self._program
            timeline = self.timeline(program) if program is not None else None
            sleep_left = None
            if self._sleep_deadline is not None:
                sleep_left = max(0.0, self._sleep_deadline - time.monotonic())
            return NowPlaying(
                status=self._status,
                program=program,
                offset=self._place,
                sentence=timeline.sentence_at(self._place) if timeline else 0,
                sentences=len(timeline.starts) if timeline else 0,
                elapsed=self.elapsed(),
                total=timeline.total if timeline else 0.0,
                rate=self.rate,
                multiple=self.rate / NORMAL_RATE,
                voice=self.voice,
                sleep_left=sleep_left,
                sleep_at_end=self._sleep_at_end,
                stop_after=self.stop_after,
                queued=len(self._queue_after(program)),
            )

    def _queue_after(self, program: Program | None) -> list[int]:
        """The queue's articles after ``program``'s article (the whole queue for a passage,
        or an article not in it). Asked well before an article ends, while the one before
        it may still sound and so still be queued: never back to an earlier one."""
        if self.shelf is None:
            return []
        try:
            ids = self.shelf.queue()
        except ReaderError:
            return []
        current = program.article_id if program is not None and program.whole else None
        if current in ids:  # the ones after it: those before it were heard or left
            return ids[ids.index(current) + 1 :]
        return [i for i in ids if i != current]

    # -- the speaker's questions -------------------------------------------------------

    def following(self, program: Program) -> Program | None:
        """The article to play on with after ``program`` ends (None: stop there). Asked
        by the speaker thread shortly before the end, so it sees the latest switches."""
        with self._lock:
            if self.stop_after or self._sleep_at_end:
                return None
            if self.until is not None and program.article_id == self.until:
                return None
        return self._next_program(program)

    def upcoming(self, program: Program) -> Program | None:
        """The queue's article after ``program`` as "next article" would take it (no
        notices: asked ahead of time, to make its opening in advance)."""
        return self._next_program(program, quiet=True)

    def _next_program(self, program: Program | None, *, quiet: bool = False) -> Program | None:
        """The first article of the queue after ``program``'s that can be loaded: a
        deleted one is skipped with a notice (and taken out of the queue)."""
        if self.shelf is None:
            return None
        for article_id in self._queue_after(program):
            try:
                article, position = self.shelf.load(article_id)
            except ReaderError as error:
                if not quiet:
                    self._notice(f"Skipped article {article_id} of the queue: {error.reason}")
                    self._write(_dequeue(article_id))
                continue
            if position >= len(article.text.rstrip()):
                position = 0
            return whole_article(article, article_id, position)
        return None

    # -- runs ------------------------------------------------------------------------------

    def _begin(
        self,
        program: Program,
        offset: int,
        *,
        keep_current: bool = False,
        announce: bool = False,
        following: bool = False,
    ) -> None:
        """Start a run of ``program`` from ``offset`` (the lock held): the old run stops
        at once (or after the chunk sounding, ``keep_current``)."""
        if self._speaker is not None:
            self._speaker.cancel.set()
        self.output.clear(keep_current=keep_current)
        self.output.resume()
        self._generation += 1
        self._program = program
        self._place = offset
        if not keep_current:
            self._sounding = None
        self._fade_place = None
        self._status = "playing"
        self._speaker = Speaker(
            self, self._generation, program, offset, announce=announce, following=following
        )
        self._speaker.start()

    def _remember(self, program: Program) -> None:
        """Keep the place of the program being left, and it for "previous article"."""
        if program.whole and program.article_id is not None:
            self._save(program, self._place)
            if not self._history or self._history[-1] != program.article_id:
                self._history.append(program.article_id)

    def _halt(self, place: int | None = None) -> int:
        """Stop the run (the lock held); keep ``place`` (the sentence sounding by default)."""
        if self._speaker is not None:
            self._speaker.cancel.set()
        self._generation += 1
        self.output.clear()
        self.output.resume()
        self._status = "stopped"
        self._sounding = None
        if self._program is not None:
            timeline = self.timeline(self._program)
            self._place = timeline.sentence_start(self._place if place is None else place)
            self._save(self._program, self._place)
        return self._place

    def _continue(self, offset: int, *, keep_current: bool = False) -> None:
        """Play the program on from ``offset`` (the lock held); paused stays paused."""
        assert self._program is not None
        paused = self._status == "paused"
        self._begin(self._program, offset, keep_current=keep_current)
        if paused:
            self.output.pause()
            self._status = "paused"
        if not keep_current:  # a jump, not a new rate or voice from the next sentence
            self._emit(Seeked())

    def _points(self, program: Program) -> list[int]:
        """Where each sentence of the program starts: a span's own start (a selection
        may begin mid-sentence), then each sentence start inside it."""
        starts = self.timeline(program).starts
        points: list[int] = []
        for a, b in program.spans:
            points.append(a)
            first = bisect.bisect_right(starts, a)
            last = bisect.bisect_left(starts, b)
            points.extend(starts[first:last])
        return points

    def _sounded(self, tag: object) -> None:
        """On miniaudio's audio thread: hand the report to the dispatcher, at once."""
        if isinstance(tag, Tag):
            self._inbox.put(tag)

    def failed(self, generation: int, reason: str) -> None:
        """The speaker of ``generation`` could not go on (speech or audio error)."""
        self._inbox.put(Failed(generation, reason))

    # -- writing -------------------------------------------------------------------------

    def _save(self, program: Program, offset: int) -> None:
        """Keep the place in the article (its sentence start), as the voice goes: the
        article reopens there (a passage heard moves it too, as reading would)."""
        if self._writer is not None and program.article_id is not None:
            start = self.timeline(program).sentence_start(offset)
            self._writer.position(program.article_id, start)

    def _write(self, job: Callable[[Shelf], object]) -> None:
        if self._writer is not None and self.shelf is not None:
            shelf = self.shelf
            self._writer.do(lambda: job(shelf))

    def _write_failed(self, reason: str) -> None:
        self._notice(reason, "warning")

    def _notice(
        self, text: str, severity: Literal["information", "warning", "error"] = "information"
    ) -> None:
        self._emit(Notice(text=text, severity=severity))

    # -- closing -------------------------------------------------------------------------

    def close(self) -> None:
        """Stop, write the place, close the audio device (an open device keeps the
        process alive)."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            if self._status != "stopped":
                self._halt()
        self.output.close()
        if self._writer is not None:
            self._writer.close()
        self._inbox.put(None)
        self._dispatcher.join(2.0)


def _dequeue(article_id: int) -> Callable[[Shelf], object]:
    return lambda shelf: shelf.dequeue(article_id)
