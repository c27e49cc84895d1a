"""Text being rewritten for the ear, with a map back to what is shown.

:class:`Spoken` is the text to synthesize plus, per character, the span of the original
it came from; each rewrite (:meth:`Spoken.rewrite`) keeps that map, so word times from
the engine land on the right words of the displayed text. The rules that use it are
:mod:`reader.speech.normalize` (every language), :mod:`reader.speech.normalize_en`,
:mod:`reader.speech.normalize_de` and :mod:`reader.speech.normalize_units`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Replacement = Callable[[re.Match[str]], str | None]

# In an all-caps headline every word is all caps: acronym rules need a lower-case letter.
LOWER = re.compile(r"[a-z]")


@dataclass(slots=True)
class Spoken:
    """Text to synthesize and, per character, the original span it came from.

    ``starts[i]``/``ends[i]`` are offsets into the original text (relative to the
    piece normalized). A character copied from the original maps to itself; every
    character of a replacement maps to the whole span replaced.
    """

    text: str
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> Spoken:
        return cls(text, list(range(len(text))), list(range(1, len(text) + 1)))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]`` (clamped to the text)."""
        n = len(self.text)
        if n == 0:
            return 0, 0
        start = max(0, min(start, n - 1))
        end = max(start + 1, min(end, n))
        return self.starts[start], self.ends[end - 1]

    def rewrite(self, pattern: re.Pattern[str], replace: Replacement) -> Spoken:
        """Replace each match of ``pattern`` by ``replace(match)`` (None: keep it)."""
        text = self.text
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        changed = False
        for match in pattern.finditer(text):
            new = replace(match)
            a, b = match.span()
            if new is None or new == text[a:b]:
                continue
            changed = True
            parts.append(text[pos:a])
            starts += self.starts[pos:a]
            ends += self.ends[pos:a]
            if new:
                if b > a:
                    origin = (self.starts[a], self.ends[b - 1])
                elif a < len(text):
                    origin = (self.starts[a], self.starts[a])
                else:
                    origin = (self.ends[-1], self.ends[-1]) if text else (0, 0)
                parts.append(new)
                starts += [origin[0]] * len(new)
                ends += [origin[1]] * len(new)
            pos = b
        if not changed:
            return self
        parts.append(text[pos:])
        starts += self.starts[pos:]
        ends += self.ends[pos:]
        return Spoken("".join(parts), starts, ends)


def const(value: str) -> Replacement:
    """A replacement that is always ``value``."""
    return lambda _match: value
