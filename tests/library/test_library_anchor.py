"""Finding passages, and finding them again in a changed text (reader.library.anchor)."""

from __future__ import annotations

import pytest

from reader.library.anchor import (
    PassageNotFound,
    anchor_at,
    find_passage,
    reanchor,
    reanchor_position,
)

TEXT = "Alpha said yes. Beta said no. Alpha said yes. Gamma said maybe, later on."


def test_find_passage_exact_folded_absent_ambiguous() -> None:
    assert find_passage(TEXT, "Beta said no") == (16, 28)
    typed = "He said “stop” — twice.\n\nThen left."
    start, end = find_passage(typed, 'said "stop" - twice. then')
    assert typed[start:end] == "said “stop” — twice.\n\nThen"
    with pytest.raises(PassageNotFound) as absent:
        find_passage(TEXT, "Delta")
    assert absent.value.count == 0
    with pytest.raises(PassageNotFound) as twice:
        find_passage(TEXT, "Alpha said yes")
    assert twice.value.count == 2
    with pytest.raises(PassageNotFound):
        find_passage(TEXT, "   ")


def test_context_picks_the_right_repeat() -> None:
    second = TEXT.rindex("Alpha said yes")
    anchor = anchor_at(TEXT, second, second + len("Alpha said yes"))
    changed = "Intro added. " + TEXT.replace("Beta said no. ", "Beta said no, firmly. ")
    found = reanchor(anchor, changed)
    assert found is not None
    start, end = found
    assert changed[start:end] == "Alpha said yes"
    assert changed[:start].endswith("firmly. ")


def test_edited_passage_is_found_by_similarity() -> None:
    start = TEXT.index("Gamma")
    anchor = anchor_at(TEXT, start, len(TEXT))
    changed = TEXT.replace("Gamma said maybe, later on.", "Gamma said: maybe, later on!")
    found = reanchor(anchor, changed)
    assert found is not None
    s, e = found
    assert changed[s:e] == "Gamma said: maybe, later on!"


def test_vanished_passage_is_none() -> None:
    anchor = anchor_at(TEXT, 16, 28)
    assert reanchor(anchor, "An entirely different article about trains and rivers.") is None


def test_position_follows_the_words_or_keeps_its_share() -> None:
    position = TEXT.index("Gamma")
    moved = "New first line. " + TEXT
    assert reanchor_position(TEXT, position, moved) == moved.index("Gamma")
    other = "x" * (2 * len(TEXT))
    assert reanchor_position(TEXT, position, other) == round(position / len(TEXT) * len(other))
    assert reanchor_position(TEXT, 0, moved) == 0
