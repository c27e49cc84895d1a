"""The one rule of every cutter: the last boundary in a window's later part, by kind."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from reader.text.cutting import Finder, windows


def spaces_in(text: str) -> Finder:
    return lambda low, high: (m.end() for m in re.finditer(r" ", text[:high]) if m.end() >= low)


@given(st.text(alphabet="ab .", max_size=300), st.integers(4, 40))
def test_windows_cover_the_run_in_order_and_none_is_longer_than_the_size(
    text: str, size: int
) -> None:
    spans = list(windows(0, len(text), size, [spaces_in(text)]))
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(b - a <= size for a, b in spans)
    assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1))


def test_the_cut_is_at_the_last_boundary_of_the_preferred_kind_in_the_later_part() -> None:
    text = "one. two three, four five six seven, eight nine"
    marks = lambda low, high: (m.end() for m in re.finditer(r",", text[:high]) if m.end() >= low)  # noqa: E731
    spans = list(windows(0, len(text), 30, [marks, spaces_in(text)]))
    assert text[: spans[0][1]] == "one. two three,"  # the comma, not the later spaces
    # With no boundary of either kind in the later part, the window is cut at its size.
    assert list(windows(0, 10, 4, [lambda low, high: iter(())])) == [(0, 4), (4, 8), (8, 10)]


def test_a_dropped_boundary_belongs_to_neither_span() -> None:
    items = list("abc def ghi")
    spans = list(
        windows(
            0,
            len(items),
            5,
            [lambda low, high: (i for i in range(low, high) if items[i] == " ")],
            drop_boundary=True,
        )
    )
    assert ["".join(items[a:b]) for a, b in spans] == ["abc", "def", "ghi"]
