"""Cutting a long run into windows at natural boundaries: one rule for every cutter.

Sentences are found in windows of a long text (:mod:`reader.text.segment`), a long
sentence is spoken in pieces (:mod:`reader.speech.plan`), and a neural voice's long
phoneme list is run in parts (:mod:`reader.speech.piper_memory`). Each cuts a window
of at most ``size`` at the *last* boundary in the window's later part (from ``low_share``
of it on), trying kinds of boundary in order of preference (a sentence end, then a
clause mark, then a space), and at ``size`` itself when there is none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

# A kind of boundary: the cut positions it finds in [low, high) of the run.
Finder = Callable[[int, int], Iterable[int]]


def cut_at(low: int, high: int, finders: Iterable[Finder]) -> int | None:
    """The last position in [low, high] that the first finder finding one gives (None:
    no boundary there)."""
    for find in finders:
        last = None
        for position in find(low, high):
            last = position
        if last is not None and low <= last <= high:
            return last
    return None


def windows(
    start: int,
    end: int,
    size: int,
    finders: Iterable[Finder],
    *,
    low_share: float = 0.5,
    drop_boundary: bool = False,
) -> Iterator[tuple[int, int]]:
    """``[start, end)`` in consecutive spans of at most ``size``, each cut by
    :func:`cut_at` in its part from ``low_share`` of ``size`` on (at ``size`` where it
    has no boundary). ``drop_boundary``: a boundary cut at (one item, a space) belongs
    to neither span."""
    kinds = tuple(finders)
    while end - start > size:
        low = start + max(1, int(size * low_share))
        cut = cut_at(low, start + size, kinds)
        if cut is None or cut <= start:
            yield start, start + size
            start += size
            continue
        yield start, cut
        start = cut + 1 if drop_boundary else cut
    yield start, end
