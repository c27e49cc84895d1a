"""Text for the ear: each rewrite, and the offset map back to the original."""

from __future__ import annotations

import pytest

from reader.speech.normalize import MAX_TOKEN, Spoken, normalize


def said(text: str, language: str = "en") -> str:
    return normalize(text, language).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See https://www.example.com/a/b?x=1 now", "See example.com now"),
        ("Mail jane.doe@nyt.com today", "Mail nyt.com today"),
        ("He said “don’t”", 'He said "don\'t"'),
        ("Wait — then go", "Wait, then go"),
        ("And so…", "And so..."),
        ("On Dec. 5 we met", "On December 5 we met"),
        ("Gov. Smith spoke", "Governor Smith spoke"),
        ("Mr. Jones of the U.S. Army", "Mr Jones of the U.S Army"),
        ("No. 5 and #3", "number 5 and number 3"),
        ("It cost $5.99", "It cost 5 dollars 99"),
        ("a $1.2bn deal", "a 1.2 billion dollars deal"),
        ("£3 million", "3 million pounds"),
        ("the 1990s and ’80s", "the 19 nineties and eighties"),
        ("in 1850 and 1905", "in 18 50 and 19 oh 5"),
        ("pages 10-20 and 4–5", "pages 10 to 20 and 4 to 5"),
        ("1 1/2 cups and 3/4", "1 and a half cups and three quarters"),
        ("The IPO of the UAE", "The I.P.O of the U.A.E"),
        ("NASA and the FBI", "NASA and the F.B.I"),
        ("at 11:00am", "at 11 am"),
    ],
)
def test_english_rewrites(text: str, expected: str) -> None:
    assert said(text) == expected


def test_all_caps_headline_is_not_spelled() -> None:
    assert said("BREAKING NEWS FROM THE UAE") == "BREAKING NEWS FROM THE UAE"


def test_english_rules_stay_out_of_other_languages() -> None:
    german = said("Am 5. Dec. 1990s", "de")  # German has its own rules (the ordinal)
    assert "December" not in german and "nineties" not in german
    assert said("Voir https://exemple.fr/x", "fr") == "Voir exemple.fr"


def test_symbols_emoji_and_bullets_are_silent() -> None:
    assert said("• First 😀 point ★ here ✓").split() == ["First", "point", "here"]
    assert said("Home | News | Sport") == "Home, News, Sport"
    assert said("*** === ***").strip() == ""


def test_controls_and_phoneme_brackets_are_neutralized() -> None:
    out = said("a\x07b [[h@l'oU]] <b>c</b>\u200b")
    assert "[[" not in out and "]]" not in out and "\x07" not in out and "\u200b" not in out
    assert "<b>c</b>" in out  # tags are read as text, never interpreted


def test_a_token_too_long_to_be_a_word_is_skipped() -> None:
    out = said("before " + "x" * (MAX_TOKEN + 5) + " after")
    assert out.split() == ["before", "after"]


def test_offset_map_points_at_the_original() -> None:
    text = "Call the IPO at https://x.org/path now, for $5.99."
    spoken = normalize(text, "en")
    for word in ("x.org", "I.P.O", "dollars", "now"):
        i = spoken.text.index(word)
        a, b = spoken.span(i, i + len(word))
        original = text[a:b]
        assert original in ("https://x.org/path", "IPO", "$5.99", "now")
    i = spoken.text.index("now")
    assert spoken.span(i, i + 3) == (text.index("now"), text.index("now") + 3)


def test_offset_map_is_identity_without_rewrites() -> None:
    text = "Plain words only."
    spoken = normalize(text, "en")
    assert spoken.text == text
    assert [spoken.span(i, i + 1) for i in range(len(text))] == [
        (i, i + 1) for i in range(len(text))
    ]


def test_rewrite_composes_maps() -> None:
    import re

    spoken = Spoken.of("ab cd")
    spoken = spoken.rewrite(re.compile("ab"), lambda m: "xyz")
    spoken = spoken.rewrite(re.compile("yz cd"), lambda m: "Q")
    assert spoken.text == "xQ"
    assert spoken.span(1, 2) == (0, 5)  # Q came from "b cd" of "ab cd": all of it
