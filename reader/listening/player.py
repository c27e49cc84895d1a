"""The session player: one voice for the whole session, whatever the screen.

A :class:`SessionPlayer` plays a :class:`~reader.listening.events.Program` (an article
read on to its end, or a passage) through the one audio output
(:class:`reader.playback.Player`), and when an article ends it goes on with the queue
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
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from reader.config import RATE_MAX, RATE_MIN
from reader.errors import ReaderError
from reader.listening.events import (
    Changed,
    Event,
    Finished,
    Notice,
    NowPlaying,
    Paused,
    Program,
    Resumed,
    Seeked,
    SentenceStarted,
    Started,
    Status,
    Stopped,
    whole_article,
)
from reader.listening.shelf import Shelf, Writer
from reader.listening.speaker import Speaker, Tag
from reader.listening.timeline import Timeline, duration_text
from reader.playback import Player

if TYPE_CHECKING:
    from reader.config import Settings
    from reader.speech import Chunk

log = logging.getLogger(__name__)

NORMAL_RATE = 175  # words a minute heard as 1.0x (the settings' default rate)
RATE_STEP = 25
SKIP_SECONDS = 15.0
FADE_SECONDS = 5.0  # the sleep timer's fade to silence
SLEEP_CHOICES = (15, 30, 45, 60)  # minutes, then "end of article"


@dataclass(frozen=True)
class _Faded:
    generation: int


@dataclass(frozen=True)
class _Failed:
    generation: int
    reason: str


_Item = Tag | _Faded | _Failed | None


class SessionPlayer:
    """Plays programs and the queue; see the module docstring."""

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
        self.output = Player(
            null_backend=null_audio, fallback_to_null=fallback_to_null, on_start=self._sounded
        )
        self.fade_seconds = FADE_SECONDS  # the sleep timer's fade
        self.stop_after = False  # stop after this article instead of going on with the queue
        self.until: int | None = None  # stop after this article (reader listen ID...)
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Event], None]] = []
        self._inbox: queue.SimpleQueue[_Item] = queue.SimpleQueue()
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
        self._told_silent = False
        self._closed = False
        self._dispatcher = threading.Thread(target=self._dispatch, name="listening", daemon=True)
        self._dispatcher.start()

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
        """The queue's articles after ``program``'s (all of it for a passage)."""
        if self.shelf is None:
            return []
        try:
            ids = self.shelf.queue()
        except ReaderError:
            return []
        current = program.article_id if program is not None and program.whole else None
        return [i for i in ids if i != current]

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

    def _begin(
        self, program: Program, offset: int, *, keep_current: bool = False, announce: bool = False
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
        self._speaker = Speaker(self, self._generation, program, offset, announce=announce)
        self._speaker.start()

    def _remember(self, program: Program) -> None:
        """Keep the place of the program being left, and it for "previous article"."""
        if program.whole and program.article_id is not None:
            self._save(program, self._place)
            if not self._history or self._history[-1] != program.article_id:
                self._history.append(program.article_id)

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
            self._begin(following, following.spans[0][0], announce=True)

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
                self._begin(previous, previous.spans[0][0], announce=True)
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
        self._inbox.put(_Faded(-1))  # wake the dispatcher: the deadline changed
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

    # -- what the speaker and the audio thread report ----------------------------------

    def _sounded(self, tag: object) -> None:
        """On miniaudio's audio thread: hand the report to the dispatcher, at once."""
        if isinstance(tag, Tag):
            self._inbox.put(tag)

    def failed(self, generation: int, reason: str) -> None:
        """The speaker of ``generation`` could not go on (speech or audio error)."""
        self._inbox.put(_Failed(generation, reason))

    def _dispatch(self) -> None:
        while True:
            deadline = self._sleep_deadline
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = self._inbox.get(timeout=timeout)
            except queue.Empty:
                self._sleep_due()
                continue
            if item is None:
                return
            try:
                self._handle(item)
            except Exception:
                log.exception("listening dispatcher")

    def _handle(self, item: Tag | _Faded | _Failed) -> None:
        if isinstance(item, _Faded):
            if item.generation == self._generation:
                with self._lock:
                    place = self._halt(self._fade_place)
                    program = self._program
                self._emit(
                    Stopped(
                        program=program,
                        place=place,
                        reason="sleep timer",
                        text="Sleep timer: stopped",
                    )
                )
            return
        if isinstance(item, _Failed):
            if item.generation == self._generation:
                with self._lock:
                    self._halt()
                    program = self._program
                line = f"Cannot speak: {item.reason}"
                self._emit(
                    Notice(text=line, severity="error", title="Cannot speak", detail=item.reason)
                )
                self._emit(
                    Stopped(program=program, place=self._place, reason="error", text="Stopped")
                )
            return
        if item.generation != self._generation:
            return
        self._tell_silence()
        handlers = {
            "chunk": self._chunk_sounded,
            "announce": self._announce_sounded,
            "end": self._end_sounded,
            "done": self._done_sounded,
        }
        handlers[item.kind](item)

    def _chunk_sounded(self, tag: Tag) -> None:
        program, chunk = tag.program, tag.chunk
        assert program is not None and chunk is not None
        with self._lock:
            if self._program is not program:
                self._crossed(program)
            self._sounding = chunk
            self._place = chunk.start
            started = self._announced is not program
            self._announced = program
            self._save(program, chunk.start)
        if started:
            self._emit(Started(program=program, text=self._started_line(program)))
        self._emit(SentenceStarted(program=program, chunk=chunk))

    def _announce_sounded(self, tag: Tag) -> None:
        program = tag.program
        assert program is not None
        with self._lock:
            following = self._program is not program and self._program is not None
            if self._program is not program:
                self._crossed(program)
            self._announced = program
        self._emit(
            Started(
                program=program, following=following, text=self._started_line(program, following)
            )
        )

    def _crossed(self, program: Program) -> None:
        """The voice went on into ``program`` (the lock held)."""
        if self._program is not None:
            self._remember(self._program)
        self._program = program
        self._place = program.spans[0][0]

    def _started_line(self, program: Program, following: bool = False) -> str:
        minutes = duration_text(self.timeline(program).left(program.spans[0][0]))
        site = f", from {program.site}" if program.site else ""
        kind = "" if program.whole else " (passage)"
        words = len(program.article.text[program.spans[0][0] : program.spans[-1][1]].split())
        return (
            f"{'Next' if following else 'Playing'}: {program.title}{site}{kind}, "
            f"{minutes} ({words:,} words)"
        )

    def _end_sounded(self, tag: Tag) -> None:
        program = tag.program
        assert program is not None
        if not program.whole:
            return
        if program.article_id is not None:
            self._write(lambda shelf: shelf.finished(program.article_id or 0))
        with self._lock:
            if self._program is program:
                self._place = 0
            stop = self.stop_after or self._sleep_at_end or self.until == program.article_id
            if self._sleep_at_end:
                self._sleep_at_end = False
                self._stop_reason = "sleep timer"
            speaker = self._speaker
            went_on = speaker is not None and any(p is program for p in speaker.passed)
        self._emit(Finished(program=program, text=f"Finished: {program.title}"))
        if stop and went_on:  # switched on after the next article had been queued
            with self._lock:
                self._halt(0)
                self._program = None
            self._emit(Stopped(reason=self._take_reason("stopped"), text="Stopped"))

    def _take_reason(self, default: str) -> str:
        reason, self._stop_reason = self._stop_reason, None
        return reason or default

    def _done_sounded(self, tag: Tag) -> None:
        program = tag.program
        with self._lock:
            whole = program is not None and program.whole
            self._status = "stopped"
            self._sounding = None
            if whole:
                self._program = None
                self._place = 0
            elif program is not None:
                self._place = program.spans[0][0]
            self._generation += 1
        reason = self._take_reason("end of queue" if whole else "end")
        text = {"end of queue": "End of the queue", "end": "End of the passage"}.get(
            reason, "Sleep timer: stopped at the end of the article"
        )
        self._emit(Stopped(program=None if whole else program, reason=reason, text=text))

    def _sleep_due(self) -> None:
        with self._lock:
            self._sleep_deadline = None
            if self._status != "playing":
                return
            self._fade_place = self._place
            generation = self._generation
        self._emit(Changed(text="Sleep timer: fading out"))
        self.output.fade_out(self.fade_seconds, lambda: self._inbox.put(_Faded(generation)))

    def _tell_silence(self) -> None:
        if not self._told_silent and self.output.silent_reason:
            self._told_silent = True
            self._notice(
                f"No sound: {self.output.silent_reason}. Playing silently in real time.",
                "warning",
            )

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


def _to_front(article_id: int) -> Callable[[Shelf], object]:
    return lambda shelf: shelf.enqueue([article_id], first=True)
