"""A run of the session player: synthesize, queue on the output, go on with the queue.

A :class:`Speaker` is one thread speaking a program from an offset: its chunks are
queued on the audio output as they are synthesized (streamed, sentence by sentence,
:data:`AHEAD_SECONDS` ahead of the voice; a new rate or voice drops what is queued after
the sentence sounding, so it is heard from the next sentence). When an
article read on to its end has been queued, the speaker asks the player what follows
and goes straight on with the next article's announcement and opening, so the next
article starts sounding when the last one ends. Each queued item carries a
:class:`Tag` that the player gets back when it starts sounding; a zero-length *end*
item marks the moment an article has been heard to the end, a *done* item the end of
everything. Setting :attr:`Speaker.cancel` stops the run at once.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from reader.errors import ReaderError

# Seconds of audio queued ahead of the voice. Ahead by this much, the next article's
# announcement and opening are made while the last sentences of this one still sound,
# a slow moment of the engine (a busy machine) is ridden out, and a skip of 15 s on
# lands on a sentence already made (kept in the speech cache). Nothing waits behind
# it: a skip, a new rate or voice drop what is queued, and pause is the device's.
AHEAD_SECONDS = 24.0
# Sentences of the next article's opening made in advance (into the speech cache) once
# this one is this many seconds ahead, so that "next article" starts at once.
WARM_PIECES = 2
WARM_AFTER = 6.0

if TYPE_CHECKING:
    from reader.audio.playback import Player
    from reader.config import Settings
    from reader.listening.events import Program
    from reader.speech import Chunk
    from reader.speech.pipeline import Voicing


class Owner(Protocol):
    """What a speaker asks of the session player that runs it."""

    output: Player
    settings: Settings
    rate: int
    voice: str | None

    def following(self, program: Program) -> Program | None: ...

    def upcoming(self, program: Program) -> Program | None: ...

    def failed(self, generation: int, reason: str) -> None: ...


@dataclass(frozen=True, eq=False)
class Tag:
    """What a queued item is, handed back by the output when it starts sounding."""

    generation: int
    program: Program | None
    kind: Literal["chunk", "announce", "end", "done"]
    chunk: Chunk | None = None
    following: bool = False  # an announcement of the article after another ("Next: ...")


def rest_of(spans: tuple[tuple[int, int], ...], offset: int) -> list[tuple[int, int]]:
    """The spans from ``offset`` on (a span holding it is cut there)."""
    rest = []
    for a, b in spans:
        if b <= offset:
            continue
        rest.append((max(a, offset), b))
    return rest


class Speaker(threading.Thread):
    """One run: ``program`` from ``offset``, then what the player says follows."""

    def __init__(
        self,
        player: Owner,
        generation: int,
        program: Program,
        offset: int,
        *,
        announce: bool = False,
        following: bool = False,
    ) -> None:
        super().__init__(name=f"speaker-{generation}", daemon=True)
        self.player = player
        self.generation = generation
        self.program = program
        self.offset = offset
        self.announce = announce
        self.following = following  # the first article comes after another (next, previous)
        self.cancel = threading.Event()
        self.passed: list[Program] = []  # the articles it went on past, to the next
        self._warming: threading.Thread | None = None
        self._voiced: Voicing | None = None  # how it speaks (_voicing)

    def run(self) -> None:
        try:
            self._run()
        except ReaderError as error:
            self.player.failed(self.generation, str(error))
        except Exception as error:  # a bug: still one line, and the session goes on
            self.player.failed(self.generation, f"{type(error).__name__}: {error}")

    def _run(self) -> None:
        program: Program | None = self.program
        spans = rest_of(self.program.spans, self.offset)
        following = self.following
        while program is not None:
            line = self._announcement(program, following)
            if (self.announce or following) and not self._say(program, line, following):
                return
            for start, end in spans:
                if not self._read(program, start, end):
                    return
            if not self._queue(b"", 22050, Tag(self.generation, program, "end")):
                return
            if not program.whole:
                break
            upcoming = self.player.following(program)
            if upcoming is None:
                self._say(program, f"Finished: {program.title}.", quiet=True)
                break
            self.passed.append(program)
            program, spans, following = upcoming, list(upcoming.spans), True
        self._queue(b"", 22050, Tag(self.generation, program, "done"))

    @staticmethod
    def _announcement(program: Program, following: bool) -> str:
        site = f", from {program.site}" if program.site else ""
        return f"{'Next: ' if following else ''}{program.title}{site}."

    def _read(self, program: Program, start: int, end: int) -> bool:
        from reader.speech import synthesize_article

        player = self.player
        chunks = synthesize_article(program.article, start, end, **self._voicing())
        try:
            for chunk in chunks:
                tag = Tag(self.generation, program, "chunk", chunk)
                if not self._queue(chunk.pcm, chunk.sample_rate, tag, chunk.pause_after):
                    return False
                if player.output.queued_seconds() >= WARM_AFTER:
                    self._start_warming(program)
        finally:
            chunks.close()
        if not self.cancel.is_set():
            self._start_warming(program)  # a short article: its end is already made
        return not self.cancel.is_set()

    def _start_warming(self, program: Program) -> None:
        if self._warming is None and program.whole:
            self._warming = threading.Thread(
                target=self._warm, args=(program,), name="speaker-warm", daemon=True
            )
            self._warming.start()

    def _warm(self, program: Program) -> None:
        """Make the opening of the article after ``program`` (its announcement and first
        sentences) into the speech cache while this one sounds: "next article", or the
        end of this one, then finds it made. Best effort: a failure here is the next
        run's to report."""
        from reader.speech import synthesize, synthesize_article

        try:
            upcoming = self.player.upcoming(program)
            if upcoming is None or self.cancel.is_set():
                return
            line = synthesize(
                self._announcement(upcoming, True),
                language=upcoming.article.language,
                prefetch=True,
                **self._voicing(),
            )
            start, end = upcoming.spans[0]
            opening = synthesize_article(
                upcoming.article, start, end, prefetch=True, **self._voicing()
            )
            for made in (line, itertools.islice(opening, WARM_PIECES)):
                for _ in made:
                    if self.cancel.is_set():
                        return
            line.close()
            opening.close()
        except Exception:  # an optimization: never the run's failure
            return

    def _voicing(self) -> dict[str, Any]:
        """How the player speaks, for :mod:`reader.speech`'s calls: resolved once per
        speaker (a new rate or voice starts a new one) and passed whole."""
        if self._voiced is None:
            from reader.speech import resolve_voicing

            player = self.player
            self._voiced = resolve_voicing(
                player.voice, player.rate, None, None, None, player.settings
            )
        return {"voicing": self._voiced, "cancel": self.cancel}

    def _say(
        self, program: Program, text: str, following: bool = False, *, quiet: bool = False
    ) -> bool:
        """Speak a line of the player's own (an announcement): the first chunk carries
        the tag, so the player learns when the line starts sounding."""
        from reader.speech import synthesize

        chunks = synthesize(text, language=program.article.language, **self._voicing())
        tagged = quiet
        try:
            for chunk in chunks:
                tag = None if tagged else Tag(self.generation, program, "announce", None, following)
                tagged = True
                if not self._queue(chunk.pcm, chunk.sample_rate, tag, chunk.pause_after or 0.4):
                    return False
        finally:
            chunks.close()
        return not self.cancel.is_set()

    def _queue(self, pcm: bytes, rate: int, tag: Tag | None, pause: float = 0.0) -> bool:
        if self.cancel.is_set():
            return False
        output = self.player.output
        if not pcm and output.sample_rate:
            rate = output.sample_rate  # a marker: never reopen the device for it
        return output.enqueue(pcm, rate, pause, tag, cancel=self.cancel, ahead=AHEAD_SECONDS)
