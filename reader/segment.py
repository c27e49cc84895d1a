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
from functools import lru_cache

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


def split_sentences(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``."""
    from sentencex import segment

    lang = _segmenter_language(language)
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
    return _repair(text, spans, lang)


def _repair(text: str, spans: list[tuple[int, int]], lang: str) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged:
            prev_start, prev_end = merged[-1]
            prev = text[prev_start:prev_end]
            ordinal = lang in _ORDINAL_PERIOD_LANGS and _ENDS_WITH_ORDINAL.search(prev)
            if ordinal or not _HAS_WORD.search(text[start:end]) or not _HAS_WORD.search(prev):
                merged[-1] = (prev_start, end)
                continue
        merged.append((start, end))
    return merged
