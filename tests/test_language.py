"""reader.language: the code tables and month names every stage shares."""

from __future__ import annotations

import pytest

from reader.language import (
    MONTHS_DE,
    MONTHS_EN,
    STOPLISTS,
    alpha2,
    alpha3,
    base,
    justext_name,
    stopwords,
)


@pytest.mark.parametrize(
    ("tag", "code"), [("de", "de"), ("de-AT", "de"), ("DE_de", "de"), ("pt-BR", "pt")]
)
def test_base_is_the_primary_subtag(tag: str, code: str) -> None:
    assert base(tag) == code


@pytest.mark.parametrize(
    ("tag", "code"),
    [("de", "ger"), ("fr-CA", "fre"), ("en_US", "eng"), ("zh", "chi"), ("xx", "und")],
)
def test_alpha3_gives_the_bibliographic_code(tag: str, code: str) -> None:
    assert alpha3(tag) == code


def test_alpha3_of_no_language_is_undetermined() -> None:
    assert alpha3(None) == "und"


def test_alpha2_maps_the_three_letter_codes_pages_declare() -> None:
    assert [alpha2(c) for c in ("deu", "ger", "fra", "eng", "spa", "ita", "de")] == [
        "de", "de", "fr", "en", "es", "ita", "de",
    ]  # fmt: skip


def test_justext_names_and_the_norwegian_alias() -> None:
    assert justext_name("de") == "German"
    assert justext_name("no") == justext_name("nb") == "Norwegian_Bokmal"
    assert justext_name("ja") is None
    assert "und" in stopwords("de-AT") and stopwords("ja") == frozenset()
    assert all(len(code) == 2 for code in STOPLISTS)


def test_month_tables() -> None:
    assert len(MONTHS_EN) == len(MONTHS_DE) == 12
    assert (MONTHS_EN[2], MONTHS_DE[2]) == ("March", "März")
