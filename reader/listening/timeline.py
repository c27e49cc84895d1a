"""An article as time: where each sentence starts, in seconds, at a rate.

Listening moves in time (back 15 seconds, 12 minutes left, a media key's position)
while the text is in characters. A :class:`Timeline` gives each sentence an estimated
start in seconds from its words at the rate asked and the pause after it, so that the
two can be converted both ways. The voice keeps to the asked rate pauses included
(reader.speech.pace, benchmarks/rate.py): a sentence's speech takes its words' time at
that rate less the pauses' usual share, and the pause (the settings' default pauses)
follows the rate. Estimates, not measurements: the player adds the seconds actually
heard of the sentence sounding (:meth:`SessionPlayer.position`).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

from reader.speech.pace import PAUSE_SHARE, pause_scale

if TYPE_CHECKING:
    from reader.text.article import Article

SENTENCE_PAUSE = 0.25  # seconds after a sentence (the settings' default pauses)
PARAGRAPH_PAUSE = 0.6
HEADING_PAUSE = 0.8


@dataclass(frozen=True)
class Timeline:
    """Sentence starts in characters and in seconds, at ``rate`` words a minute."""

    starts: tuple[int, ...]  # character offset of each sentence
    times: tuple[float, ...]  # seconds from the article's start to each sentence
    total: float  # seconds of the whole article
    length: int  # characters of the article's text

    @classmethod
    def of(cls, article: Article, rate: int) -> Timeline:
        sentences = article.sentences
        text = article.text
        # Speech alone: the rate's time less the pauses' share; pauses follow the rate.
        seconds_per_word = 60.0 / max(1, rate) * (1.0 - PAUSE_SHARE)
        scale = pause_scale(rate)
        durations: list[float] = []
        for index, sentence in enumerate(sentences):
            words = len(text[sentence.start : sentence.end].split())
            following = sentences[index + 1] if index + 1 < len(sentences) else None
            if sentence.block is None or article.blocks[sentence.block].kind == "heading":
                pause = HEADING_PAUSE
            elif following is None or following.block != sentence.block:
                pause = PARAGRAPH_PAUSE
            else:
                pause = SENTENCE_PAUSE
            durations.append(words * seconds_per_word + pause * scale)
        times = (0.0, *accumulate(durations))
        return cls(
            starts=tuple(s.start for s in sentences),
            times=times[:-1] if sentences else (),
            total=times[-1],
            length=len(text),
        )

    def sentence_at(self, offset: int) -> int:
        """The index of the sentence holding ``offset`` (0 before the first)."""
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def sentence_start(self, offset: int) -> int:
        """Where the sentence holding ``offset`` starts (``offset`` itself with no sentences)."""
        if not self.starts:
            return offset
        return self.starts[self.sentence_at(offset)] if offset >= self.starts[0] else offset

    def seconds_at(self, offset: int) -> float:
        """Seconds from the start to ``offset`` (the start of its sentence)."""
        if not self.starts:
            return 0.0
        return self.times[self.sentence_at(offset)]

    def offset_near(self, seconds: float) -> int:
        """The start of the sentence whose start is nearest ``seconds`` (clamped)."""
        if not self.starts:
            return 0
        index = bisect.bisect_left(self.times, seconds)
        candidates = [i for i in (index - 1, index) if 0 <= i < len(self.starts)]
        best = min(candidates, key=lambda i: abs(self.times[i] - seconds))
        return self.starts[best]

    def left(self, offset: int) -> float:
        """Seconds from ``offset``'s sentence to the end."""
        return max(0.0, self.total - self.seconds_at(offset))


def duration_text(seconds: float) -> str:
    """ "12 min", "1 h 05 min", "40 s" (under a minute)."""
    if seconds < 60:
        return f"{max(0, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def clock(seconds: float) -> str:
    """ "3:07", "1:02:03"."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
