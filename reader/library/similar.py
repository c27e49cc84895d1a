"""Same story, other source: a small MinHash over an article's content words.

Two sites running one news agency story rarely share whole sentences (each edits
and rewrites), so shingles of several words miss them; they do share most of the
*content words* (names, places, figures). An article's features are therefore its
words minus the language's stop words, cut to their first six letters (a crude,
language-neutral stem), plus numbers of two or more digits. The similarity is the
Jaccard index of two feature sets, estimated from bottom-k MinHash sketches (the
k smallest 64-bit hashes of the features; one hash function, so a sketch costs one
pass over the text).

Calibration (``benchmarks/library.py --similarity``): the two seed scrapes (one AP
story on two sites) score about 0.4; among the 141 English and 563 German pages of
the extraction benchmark, unrelated pairs stay under 0.25 at the 99.9th percentile
(whole pages, menus included). :data:`THRESHOLD` sits between.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
from collections.abc import Iterable
from functools import cache

from reader.text.language import justext_name, stopwords

K = 128  # sketch size: standard error of the estimate about sqrt(J(1-J)/K) ~ 0.04
THRESHOLD = 0.3  # at or above: reported as the same story
# A sketch value held by more articles than this is a common word's: the library's
# lookup never reads its index rows (see :func:`probe`), so its cost stays flat.
STOP = 256
# ... except the few rarest of them when a sketch has fewer held values than this below
# STOP: a story kept more than STOP times is still found.
HELD = 8
STEM = 6

_WORD = re.compile(r"\w+")

# The languages whose stop lists the features leave out (others use English's): the
# sketches libraries hold were made with these, so widening the set would change them.
_LANGUAGES = frozenset((
    "en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "sv",
    "da", "no", "nb", "fi", "cs", "hu", "tr", "uk", "el", "ro",
))  # fmt: skip


@cache
def stop_words(language: str | None) -> frozenset[str]:
    """The stop list for an ISO 639-1 code (English when unknown)."""
    code = (language or "en").split("-")[0].lower()
    words = stopwords(code) if code in _LANGUAGES and justext_name(code) else frozenset()
    return frozenset(word.casefold() for word in words or stopwords("en"))


def features(text: str, language: str | None = None) -> set[str]:
    stop = stop_words(language)
    found = set()
    for word in _WORD.findall(text.casefold().replace("’", "'")):
        if word.isdigit():
            if len(word) >= 2:
                found.add(word)
        elif len(word) > 1 and word not in stop:
            found.add(word[:STEM])
    return found


def _hash(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")


def sketch(text: str, language: str | None = None) -> tuple[int, ...]:
    """The K smallest feature hashes, ascending."""
    return tuple(sorted(_hash(f) for f in features(text, language))[:K])


def to_bytes(values: tuple[int, ...]) -> bytes:
    return struct.pack(f"<{len(values)}Q", *values)


def from_bytes(blob: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(blob) // 8}Q", blob)


def similarity(a: Iterable[int], b: Iterable[int]) -> float:
    """Estimated Jaccard index of the two feature sets behind sketches ``a`` and ``b``."""
    set_a, set_b = set(a), set(b)
    if not set_a or not set_b:
        return 0.0
    union = sorted(set_a | set_b)[:K]
    shared = sum(1 for value in union if value in set_a and value in set_b)
    return shared / len(union)


def index_keys(values: Iterable[int]) -> list[int]:
    """Sketch values as SQLite integers (signed 64-bit): the keys of the sketch index."""
    return [value - (1 << 64) if value >= 1 << 63 else value for value in values]


def min_shared(size: int, threshold: float = THRESHOLD) -> int:
    """How many values another sketch must share with one of ``size`` values for
    their estimate to reach ``threshold``.

    The estimate (:func:`similarity`) is the shared part of the K smallest values of
    the two sketches' union; that union part holds at least ``min(K, size)`` values
    and its shared values are shared by the sketches, so an estimate of ``threshold``
    needs at least ``threshold * min(K, size)`` shared values (39 of 128 at 0.3). A
    pair with fewer cannot pass: screening on this count changes no result. Used by
    :func:`most_similar` and by the library's sketch-index lookup alike.
    """
    return max(1, math.ceil(threshold * min(K, size) - 1e-9))


def probe(
    counts: dict[int, int], threshold: float = THRESHOLD, stop: int | None = None
) -> tuple[list[int], int, bool]:
    """Which values of a sketch the library's index lookup reads, and how many of them
    another article must hold to be compared: ``(values, need, exact)``.

    ``counts`` maps each value of the sketch to how many stored articles hold it.
    Common values (words most articles use) are held by a share of the library, so
    reading their index rows costs time in proportion to its size; a story's own
    words (names, places, figures) are held by the few articles telling it. So the
    rarest values are read, and the bound of :func:`min_shared` says how few suffice:
    an article sharing ``floor`` of the sketch's ``n`` values shares at least
    ``floor - (n - len(values))`` of any ``values`` (pigeonhole). When the
    ``n - floor + 1`` rarest values hold at most ``stop`` (default :data:`STOP`)
    articles each, the lookup is
    *exact* (it finds every article the full comparison finds); cheap values beyond
    them are read too, as they raise ``need`` and so cut the articles compared.

    A sketch with ``floor`` or more values above ``stop`` (mostly common words, in a
    large library) gets an approximate lookup: its rare values only (and the
    :data:`HELD` rarest common ones when fewer rare values are held by any article:
    a story the library keeps more than ``stop`` times), ``need`` half their
    proportional share of ``floor`` (of the values any article holds). It misses a
    same-story article only if that one shares common words with it and few of its
    rare ones, which two reports of one story do not do (``benchmarks/library.py``
    measures the recall).
    """
    n = len(counts)
    if not n:
        return [], 1, True
    stop = STOP if stop is None else stop
    floor = min_shared(n, threshold)
    order = sorted(counts, key=lambda value: (counts[value], value))
    readable = [value for value in order if counts[value] <= stop]
    first = n - floor + 1
    if len(readable) < first:
        # Values no article holds are shared with none: the share is of held ones.
        held = sum(1 for value in readable if counts[value])
        values = order[: len(readable) + max(0, HELD - held)]
        held_read = sum(1 for value in values if counts[value])
        held_all = sum(1 for value in order if counts[value])
        need = max(1, math.ceil(floor * held_read / held_all / 2))
        return values, need, False
    base = sum(counts[value] for value in order[:first])
    rows, size = base, first
    while size < len(readable) and rows + counts[order[size]] <= 2 * base + K:
        rows += counts[order[size]]
        size += 1
    return order[:size], floor - (n - size), True


def most_similar(
    target: tuple[int, ...],
    others: Iterable[tuple[int, bytes]],
    threshold: float = THRESHOLD,
) -> list[tuple[int, float]]:
    """``(id, similarity)`` of every sketch in ``others`` at or above ``threshold``, best first.

    A shared-hash count (a C-level set intersection) screens out most of a large
    library before the estimate is computed.
    """
    target_set = set(target)
    if not target_set:
        return []
    floor = min_shared(len(target_set), threshold)
    found = []
    for ident, blob in others:
        other = from_bytes(blob)
        if len(target_set.intersection(other)) < floor:
            continue
        score = similarity(target, other)
        if score >= threshold:
            found.append((ident, round(score, 3)))
    found.sort(key=lambda pair: (-pair[1], pair[0]))
    return found
