"""Sentence segmentation: abbreviation-aware and multilingual.

The segmenter is Wikimedia's ``sentencex`` (rules and abbreviation lists for some
300 languages, with fallbacks between related ones). On top of it, two repairs it
does not make: ordinal numbers written with a period ("am 3. Dezember", common in
German and the Nordic and Slavic languages) end no sentence, and no sentence is left
that holds no letter or digit (a lone quote mark or bullet is glued to its neighbour).

Offsets are character offsets into the text given, with surrounding whitespace
trimmed, so ``text[start:end]`` is the sentence exactly as displayed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from reader.text.cutting import windows

# Languages that write ordinal numbers as "3." ("der 3. Oktober", "3. joulukuuta").
_ORDINAL_PERIOD_LANGS = frozenset(
    [
        "de",
        "da",
        "nb",
        "nn",
        "no",
        "fi",
        "is",
        "et",
        "lv",
        "lt",
        "cs",
        "sk",
        "sl",
        "hr",
        "sr",
        "bs",
        "pl",
        "hu",
        "tr",
        "fo",
    ]
)
_ENDS_WITH_ORDINAL = re.compile(r"(?:^|\s)\d{1,2}\.$")
_HAS_WORD = re.compile(r"\w")
_SPACE = frozenset(" \t\n\r\f\v\u00a0")


@lru_cache(maxsize=64)
def _segmenter_language(language: str | None) -> str:
    lang = (language or "en").lower().replace("_", "-").split("-")[0] or "en"
    try:
        from sentencex import segment

        list(segment(lang, "A. B."))
    except Exception:
        return "en"
    return lang


# sentencex takes time quadratic in the length of some runs of punctuation ("<!--" x
# 80,000: 43 s); it is given the text in windows of at most this many characters, cut
# after a sentence end where there is one (an ordinary paragraph is one window).
WINDOW = 4000
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002]\S{0,3}\s")
_WHITESPACE = re.compile(r"\s")


def split_sentences(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``."""
    lang = _segmenter_language(language)
    spans: list[tuple[int, int]] = []
    for start, end in _windows(text):
        spans.extend((start + a, start + b) for a, b in _segment(text[start:end], lang))
    return _repair(text, spans, lang)


def _windows(text: str, size: int = WINDOW) -> list[tuple[int, int]]:
    """``text`` cut in spans of at most ``size`` characters: after the last sentence
    end in a span's second half, else at its last whitespace, else at ``size``."""

    def ends(low: int, high: int) -> Iterator[int]:
        return (match.end() for match in _SENTENCE_END.finditer(text, low, high))

    def spaces(low: int, high: int) -> Iterator[int]:
        return (match.end() for match in _WHITESPACE.finditer(text, low, high))

    return list(windows(0, len(text), size, (ends, spaces)))


def _segment(text: str, lang: str) -> list[tuple[int, int]]:
    from sentencex import segment

    spans: list[tuple[int, int]] = []
    pos = 0
    for piece in segment(lang, text):
        found = text.find(piece, pos)
        if found < 0:  # the segmenter normalised something: fall back to a stripped search
            stripped = piece.strip()
            if not stripped:
                continue
            found = text.find(stripped, pos)
            if found < 0:
                continue
            piece = stripped
        start, end = found, found + len(piece)
        pos = end
        while start < end and text[start] in _SPACE:
            start += 1
        while end > start and text[end - 1] in _SPACE:
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def _repair(text: str, spans: list[tuple[int, int]], lang: str) -> list[tuple[int, int]]:
    """Join a sentence that ends in an ordinal ("am 3. Mai") or a span without a word
    to the one before. Linear: a merged span is never searched whole again."""
    merged: list[tuple[int, int]] = []
    worded = False  # whether the last merged span has a word
    ordinals = lang in _ORDINAL_PERIOD_LANGS
    for start, end in spans:
        has_word = _HAS_WORD.search(text, start, end) is not None
        if merged:
            prev_start, prev_end = merged[-1]
            ordinal = ordinals and _ends_with_ordinal(text, prev_start, prev_end)
            if ordinal or not has_word or not worded:
                merged[-1] = (prev_start, end)
                worded = worded or has_word
                continue
        merged.append((start, end))
        worded = has_word
    return merged


def _ends_with_ordinal(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends in a one- or two-digit number and a period,
    alone or after a space. Its last four characters decide: the pattern's ``^`` can
    only complete a match in three or fewer, so a four-character tail answers as the
    whole span would."""
    return _ENDS_WITH_ORDINAL.search(text[max(start, end - 4) : end]) is not None
