"""What the session player plays and what it tells its front ends.

A :class:`Program` is what is asked for: an article and spans of its text (the rest of
the article from a sentence, a selection, every highlight). The player tells each front
end (the TUI, ``reader listen``, MPRIS) what happens through :class:`Event` values,
delivered on the player's own thread: a front end copies them to its own thread (the
TUI posts a message) and never blocks in the callback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from reader.text.sanitize import one_line

if TYPE_CHECKING:
    from reader.speech import Chunk
    from reader.text.article import Article

Status = Literal["playing", "paused", "stopped"]


@dataclass(frozen=True, eq=False)
class Program:
    """An article and what to say of it.

    ``whole``: the article read on to its end (from the cursor, a saved place or the
    top): hearing it to the end marks it listened and the queue plays on. A passage
    (a selection, the highlights) is heard and then the player stops.
    """

    article: Article
    article_id: int | None
    spans: tuple[tuple[int, int], ...]
    whole: bool = True

    @property
    def title(self) -> str:
        """The article's name for a status line or a media key widget (one line, safe)."""
        return self.article.name

    @property
    def site(self) -> str:
        return one_line(self.article.site or "")

    @property
    def byline(self) -> str:
        """The site, else the authors (xesam:artist, "from SITE")."""
        return self.site or one_line(", ".join(self.article.authors))


def whole_article(article: Article, article_id: int | None, start: int = 0) -> Program:
    """The article read on from ``start`` to its end."""
    end = len(article.text)
    return Program(article, article_id, ((max(0, min(start, end)), end),), whole=True)


@dataclass(frozen=True)
class Event:
    """Something the player did; ``text`` is the plain line `reader listen` prints."""

    text: str = field(default="", kw_only=True)


@dataclass(frozen=True)
class Started(Event):
    """An article (or a passage of it) started sounding."""

    program: Program
    following: bool = False  # reached by playing on from the previous article


@dataclass(frozen=True)
class SentenceStarted(Event):
    """A chunk (a sentence, or a piece of a long one) started sounding."""

    program: Program
    chunk: Chunk


@dataclass(frozen=True)
class Paused(Event):
    pass


@dataclass(frozen=True)
class Resumed(Event):
    pass


@dataclass(frozen=True)
class Stopped(Event):
    """Playback stopped; ``place`` is where it will go on (None: nothing to go on with)."""

    program: Program | None = None
    place: int | None = None
    reason: str = "stopped"  # "stopped", "sleep timer", "end of article", "end of queue"


@dataclass(frozen=True)
class Finished(Event):
    """An article was heard to the end (marked listened)."""

    program: Program


@dataclass(frozen=True)
class Changed(Event):
    """Rate, voice, sleep timer or the stop-after switch changed, or the place moved."""


@dataclass(frozen=True)
class Seeked(Event):
    """The place jumped (a skip, a click, a media key's position): not a line to print."""


@dataclass(frozen=True)
class Notice(Event):
    """A one-line notice (an article skipped because it was deleted, no sound...):
    ``text`` is the whole line; a front end with room for a title shows ``title`` and
    ``detail`` (the line without the title) instead."""

    severity: Literal["information", "warning", "error"] = "information"
    title: str = "Listening"
    detail: str = ""


@dataclass(frozen=True)
class NowPlaying:
    """The player's state for a "now playing" line, `reader listen` and MPRIS."""

    status: Status
    program: Program | None
    offset: int  # character offset of the sentence sounding (or where it will go on)
    sentence: int  # its index in the article
    sentences: int
    elapsed: float  # seconds into the article, estimated at the rate
    total: float  # seconds of the whole article at the rate
    rate: int  # words a minute
    multiple: float  # the rate as a multiple of the normal rate
    voice: str | None
    sleep_left: float | None  # seconds until the sleep timer fades out
    sleep_at_end: bool  # the sleep timer stops at the end of this article
    stop_after: bool  # stop after this article instead of going on through the queue
    queued: int  # articles in the queue after this one

    @property
    def left(self) -> float:
        return max(0.0, self.total - self.elapsed)
