"""A title made from the body ends at a phrase boundary (issue 19, 3.7): seed 001 has no
title, and the one made from its first sentence was cut mid-phrase ("...in the fighting
in Russia's")."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.extract.plaintext import clean_text
from reader.text.titles import TITLE_MAX, title_from_body
from tests.conftest import SEEDS

SEED_001_TITLE = (
    "North Korean troops are suffering heavy losses in the fighting in Russia's Kursk region"
)


def test_seed_001_gets_its_first_clause_as_title() -> None:
    name = "001_58b20582d475ce50.txt"
    article = clean_text((SEEDS / name).read_text(encoding="utf-8"), source=name)
    assert article.title_from_body
    assert article.title == SEED_001_TITLE  # its sentence goes on "and are facing..."
    assert article.text.startswith(article.blocks[0].text)  # and it is not spoken


CASES = [
    # short: the whole first sentence, without its period
    ("The meeting moved to Friday. It rained.", "The meeting moved to Friday"),
    ("Why did the ferry stop? Nobody knows.", "Why did the ferry stop?"),
    # after a comma (the longest clause that fits)
    (
        "The ferry between the two islands runs again after a pause of almost two years,"
        " and the first boat on Wednesday morning was full of schoolchildren and commuters.",
        "The ferry between the two islands runs again after a pause of almost two years",
    ),
    # a sentence a little over 80 characters stays whole rather than losing its end
    (
        "The council met on Tuesday evening to discuss the harbour budget for the coming year.",
        "The council met on Tuesday evening to discuss the harbour budget for the coming year",
    ),
    # before a relative pronoun
    (
        "In a statement on Tuesday the ministry said that the troops who had crossed the"
        " border in August were withdrawn to their bases in the north of the country.",
        "In a statement on Tuesday the ministry said that the troops",
    ),
    # abbreviations do not end the first sentence; before a preposition when no clause ends
    (
        "U.S. troops met Mr. Smith in St. Louis on Tuesday to talk about the withdrawal from"
        " the northern provinces of the country and its consequences.",
        "U.S. troops met Mr. Smith in St. Louis on Tuesday to talk about the withdrawal",
    ),
    # German: before "und", after a comma
    (
        "Die Bundesregierung hat am Dienstag beschlossen, die Förderung für Elektroautos zu"
        " verlängern und die Steuern für kleine Betriebe im kommenden Jahr zu senken.",
        "Die Bundesregierung hat am Dienstag beschlossen",
    ),
]


@pytest.mark.parametrize(("text", "title"), CASES)
def test_a_title_from_the_body_ends_at_a_phrase_boundary(text: str, title: str) -> None:
    language = "de" if text.startswith("Die ") else "en"
    assert title_from_body(text, language) == title


def test_a_cut_never_ends_on_a_dangling_word() -> None:
    # No comma, conjunction or preposition to cut at: the words up to 80 characters,
    # the dangling ones at the end dropped.
    text = (
        "The extraordinarily long-winded representative's municipal administrative"
        " subcommittee's infrastructural development proposal's the"
    )
    title = title_from_body(text + " whatever comes next in this very long sentence.", "en")
    assert text.startswith(title) and len(title) <= 80
    assert not title.endswith(("the", "'s"))


def test_text_without_spaces_is_cut_at_the_limit() -> None:
    assert title_from_body("字" * 500, "zh") == "字" * 80


def test_a_huge_body_is_read_only_at_its_start() -> None:
    # The first sentence is looked for in the first thousand characters: a body of
    # millions of characters without a full stop is no more work than a short one.
    title = title_from_body("word " * 2_000_000, "en")
    assert title.startswith("word word") and len(title) <= 80


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "the",
                "troops",
                "and",
                "of",
                "Russia's",
                "region,",
                "—",
                "which",
                "in",
                "x" * 30,
                "said.",
                "U.S.",
                "Kursk",
                "“quoted,”",
                "a",
            ]
        ),
        min_size=1,
        max_size=80,
    )
)
def test_a_title_from_the_body_is_the_start_of_its_first_sentence(words: list[str]) -> None:
    text = " ".join(words)
    title = title_from_body(text, "en")
    assert title and len(title) <= TITLE_MAX
    assert text.startswith(title)
