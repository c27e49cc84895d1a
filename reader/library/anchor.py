"""Finding passages in an article's text, and finding them again after it changed.

A highlight is stored as offsets into :attr:`Article.text` *and* as a text-quote
selector (the passage, with some text before and after it), the scheme the W3C Web
Annotation model uses for the same problem. When an article is fetched again and its
text changed, the offsets mean nothing; :func:`reanchor` looks for the quote, using
the context to choose between repeats, then tolerates edits to whitespace,
typography and a few words. When nothing is close enough it returns ``None`` and the
caller keeps the highlight, flagged as detached: a user's note is never dropped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

CONTEXT = 32  # characters of prefix and suffix stored with each highlight
FUZZY_MIN_RATIO = 0.75  # how alike an edited passage must be to its quote

_FOLD = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "\u00a0": " ",
        "…": ".",  # one character for one: offsets must stay aligned
    }
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a passage was: its text, the text around it and its old offsets."""

    quote: str
    prefix: str
    suffix: str
    start: int


def anchor_at(text: str, start: int, end: int) -> Anchor:
    return Anchor(
        quote=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
    )


class PassageNotFound(Exception):
    """The passage is absent (``count == 0``) or ambiguous (``count > 1``)."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def find_passage(text: str, passage: str) -> tuple[int, int]:
    """The one place ``passage`` occurs in ``text``, as ``(start, end)``.

    Exact matches come first; failing those, a match that ignores differences in
    whitespace, letter case and typographic quotes and dashes (what a user typing a
    passage on a command line cannot reproduce). Raises :class:`PassageNotFound`
    when there is no match or more than one.
    """
    passage = passage.strip()
    if not passage:
        raise PassageNotFound(0)
    exact = _occurrences(text, passage)
    if len(exact) == 1:
        return exact[0], exact[0] + len(passage)
    if len(exact) > 1:
        raise PassageNotFound(len(exact))
    folded = _Folded(text)
    spans = folded.find_all(passage)
    if len(spans) != 1:
        raise PassageNotFound(len(spans))
    return spans[0]


def reanchor(anchor: Anchor, text: str) -> tuple[int, int] | None:
    """Where ``anchor``'s passage is in the new ``text``, or ``None``."""
    if not anchor.quote.strip():
        return None
    # 1. The quote itself; the context decides between repeats, then nearness.
    starts = _occurrences(text, anchor.quote)
    if starts:
        best = max(
            starts,
            key=lambda s: (
                _context_score(anchor, text, s, s + len(anchor.quote)),
                -abs(s - anchor.start),
            ),
        )
        return best, best + len(anchor.quote)
    # 2. The same passage with other whitespace, case, quotes or dashes.
    folded = _Folded(text)
    spans = folded.find_all(anchor.quote)
    if spans:
        return max(
            spans,
            key=lambda span: (_context_score(anchor, text, *span), -abs(span[0] - anchor.start)),
        )
    # 3. An edited passage: between its prefix and suffix, or near its longest piece.
    return _fuzzy(anchor, text)


def _occurrences(text: str, needle: str) -> list[int]:
    found = []
    at = text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _context_score(anchor: Anchor, text: str, start: int, end: int) -> int:
    """How many characters of the stored prefix and suffix agree at ``start``/``end``."""
    before = text[max(0, start - len(anchor.prefix)) : start]
    after = text[end : end + len(anchor.suffix)]
    score = 0
    for a, b in zip(reversed(before), reversed(anchor.prefix), strict=False):
        if a != b:
            break
        score += 1
    for a, b in zip(after, anchor.suffix, strict=False):
        if a != b:
            break
        score += 1
    return score


class _Folded:
    """``text`` with whitespace runs collapsed and typography folded, mapped back."""

    def __init__(self, text: str) -> None:
        self.text = text
        chars: list[str] = []
        self.origin: list[int] = []  # folded index -> index in text
        previous_space = False
        for index, char in enumerate(text):
            if char.isspace():
                if previous_space:
                    continue
                previous_space = True
                chars.append(" ")
            else:
                previous_space = False
                chars.append(char)
            self.origin.append(index)
        self.folded = "".join(chars).translate(_FOLD).casefold()
        # casefold can change lengths (ß -> ss); keep the map usable when it does.
        self.aligned = len(self.folded) == len(self.origin)

    def find_all(self, needle: str) -> list[tuple[int, int]]:
        key = _SPACE.sub(" ", needle.strip()).translate(_FOLD).casefold()
        if not key or not self.aligned:
            return []
        spans = []
        for at in _occurrences(self.folded, key):
            last = at + len(key) - 1
            spans.append((self.origin[at], self.origin[last] + 1))
        return spans


def _fuzzy(anchor: Anchor, text: str) -> tuple[int, int] | None:
    quote = anchor.quote
    slack = len(quote) // 4 + 10
    windows: list[tuple[int, int]] = []
    # The context: the prefix ends where the passage starts, the suffix starts where it
    # ends. Only context long enough to be telling is used.
    if len(anchor.prefix) >= 8:
        for p in _occurrences(text, anchor.prefix):
            start = p + len(anchor.prefix)
            windows.append((start, start + len(quote) + slack))
    if len(anchor.suffix) >= 8:
        for end in _occurrences(text, anchor.suffix):
            windows.append((end - len(quote) - slack, end))
    # The longest piece the quote shares with the text.
    matcher = difflib.SequenceMatcher(None, text, quote, autojunk=False)
    match = matcher.find_longest_match(0, len(text), 0, len(quote))
    if match.size >= min(12, len(quote)):
        start = match.a - match.b
        windows.append((start - slack, start + len(quote) + slack))
    best: tuple[float, int, int] | None = None
    for low, high in windows:
        span = _align(text, max(0, low), min(len(text), high), quote)
        if span is None:
            continue
        start, end = _snap(text, *span)
        if start >= end:
            continue
        ratio = difflib.SequenceMatcher(None, text[start:end], quote, autojunk=False).ratio()
        if ratio >= FUZZY_MIN_RATIO and (best is None or ratio > best[0]):
            best = (ratio, start, end)
    return (best[1], best[2]) if best else None


def _align(text: str, low: int, high: int, quote: str) -> tuple[int, int] | None:
    """The span of ``text[low:high]`` that lines up with ``quote``, edits inside allowed.

    The first and last pieces the two share fix the edges; what the quote has beyond
    them extends the span by as much.
    """
    blocks = [
        b
        for b in difflib.SequenceMatcher(
            None, text[low:high], quote, autojunk=False
        ).get_matching_blocks()
        if b.size >= 3
    ]
    if not blocks:
        return None
    first, last = blocks[0], blocks[-1]
    start = low + first.a - first.b
    end = low + last.a + last.size + (len(quote) - last.b - last.size)
    return max(0, start), min(len(text), end)


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace at the edges of a span, so a highlight never starts with a space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def reanchor_position(old_text: str, position: int, new_text: str) -> int:
    """A listening position carried over to a changed text.

    The next few words after the position are looked for like a highlight; when they
    are gone the position keeps its share of the way through the text.
    """
    if position <= 0 or not new_text:
        return 0
    position = min(position, len(old_text))
    end = min(len(old_text), position + 48)
    if end > position:
        found = reanchor(anchor_at(old_text, position, end), new_text)
        if found is not None:
            return found[0]
    share = position / max(1, len(old_text))
    return min(len(new_text), round(share * len(new_text)))
