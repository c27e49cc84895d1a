"""What the session player hears back: the audio thread's reports, the sleep timer.

The speaker queues each chunk with a :class:`~reader.listening.speaker.Tag`; the audio
thread hands the tag back as the chunk starts sounding, and the *dispatcher* thread
(:meth:`Reports._dispatch`) turns it into the player's state (what is playing, where),
the place kept in the library, and events for the front ends: an article started (or
the next one, announced), a sentence, an article heard to the end (marked listened),
the end of the queue. The sleep timer's deadline is the dispatcher's wait.
"""

from __future__ import annotations

import queue
import time

from reader.errors import ReaderError
from reader.listening.events import (
    Changed,
    Finished,
    Notice,
    Program,
    SentenceStarted,
    Started,
    Stopped,
    whole_article,
)
from reader.listening.speaker import Tag
from reader.listening.state import Faded, Failed, PlayerState, log
from reader.listening.timeline import duration_text


class Reports(PlayerState):
    """The dispatcher's part of the session player."""

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

    def _handle(self, item: Tag | Faded | Failed) -> None:
        if isinstance(item, Faded):
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
        if isinstance(item, Failed):
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
        if self._program is not program and not self._still_current(program):
            return  # changed or deleted since it was queued: taken care of
        with self._lock:
            following = tag.following or self._program is not program
            if self._program is not program:
                self._crossed(program)
            self._announced = program
        self._emit(
            Started(
                program=program, following=following, text=self._started_line(program, following)
            )
        )

    def _still_current(self, program: Program) -> bool:
        """The next article starts sounding, made from its text as it was queued (well
        before): if the library has another text of it now (a feed sync re-synced it),
        go on with that one from its re-anchored place; if it was deleted, with the
        article after it. One line says which. False when the run was replaced."""
        if self.shelf is None or program.article_id is None:
            return True
        try:
            article, position = self.shelf.load(program.article_id)
        except ReaderError as error:
            self._notice(f"Skipped {program.title}: {error.reason}")
            with self._lock:
                # The article after the one that just ended (its own place in the queue
                # is gone with it).
                previous = self._program
                following = self._next_program(previous or program)
                if previous is not None:
                    self._remember(previous)
                if following is None:
                    self._halt(0)
                    self._program = None
                else:
                    self._begin(following, following.spans[0][0], announce=True, following=True)
            if following is None:
                self._emit(Stopped(reason="end of queue", text="End of the queue"))
            return False
        if article.content_hash == program.article.content_hash:
            return True
        self._notice(f"{program.title} changed since it was queued: playing its new text")
        fresh = whole_article(article, program.article_id, position)
        with self._lock:
            self._crossed(fresh)
            self._begin(fresh, fresh.spans[0][0], announce=True, following=True)
        return False

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
        self.output.fade_out(self.fade_seconds, lambda: self._inbox.put(Faded(generation)))

    def _tell_silence(self) -> None:
        if self.tell_silence and not self._told_silent and self.output.silent_reason:
            self._told_silent = True
            self._notice(
                f"No sound: {self.output.silent_reason}. Playing silently in real time.",
                "warning",
            )
