"""Both seed scrapes, cleaned, satisfy every rule of their expected.json.

The scrapes and rules ship in tests/data/seeds/ (copies of ../shared/seeds/, checked
to be the same when that folder is there), so these run on a fresh clone.

The rules are read from the file, not copied here: "once" snippets occur exactly once in
the spoken text, "never" snippets not at all (case-insensitive), and the metadata given
(title, author, date, title_starts_with) matches.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reader.extract.plaintext import clean_text
from reader.text.article import Article
from tests.conftest import SEEDS, SHARED

_RULES = SEEDS / "expected.json"
EXPECTED: dict[str, Any] = json.loads(_RULES.read_text(encoding="utf-8"))
SEED_NAMES = sorted(name for name in EXPECTED if name.endswith(".txt"))


def _clean(name: str) -> Article:
    return clean_text((SEEDS / name).read_text(encoding="utf-8"), source=name)


def test_both_seeds_are_listed() -> None:
    assert len(SEED_NAMES) == 2
    for name in SEED_NAMES:
        assert (SEEDS / name).is_file()


@pytest.mark.skipif(
    not (SHARED / "seeds").is_dir(), reason=f"{SHARED / 'seeds'} is not there (READER_SHARED)"
)
@pytest.mark.parametrize("name", [*SEED_NAMES, "expected.json"])
def test_the_shipped_copies_match_the_shared_seeds(name: str) -> None:
    assert (SEEDS / name).read_bytes() == (SHARED / "seeds" / name).read_bytes()


@pytest.mark.parametrize("name", SEED_NAMES)
def test_once_snippets_spoken_exactly_once(name: str) -> None:
    spoken = _clean(name).text
    counts = {snippet: spoken.count(snippet) for snippet in EXPECTED[name].get("once", [])}
    assert counts and all(count == 1 for count in counts.values()), counts


@pytest.mark.parametrize("name", SEED_NAMES)
def test_never_snippets_not_spoken(name: str) -> None:
    spoken = _clean(name).text.casefold()
    found = [s for s in EXPECTED[name].get("never", []) if s.casefold() in spoken]
    assert found == []


@pytest.mark.parametrize("name", SEED_NAMES)
def test_metadata(name: str) -> None:
    rules = EXPECTED[name]
    article = _clean(name)
    if rules.get("title") is not None:
        assert article.title == rules["title"]
        assert not article.title_from_body
    if rules.get("title_starts_with"):
        assert article.title is not None
        assert article.title.startswith(rules["title_starts_with"])
    if rules.get("author") is not None:
        assert rules["author"] in article.authors
    else:
        # No author on the page: nothing invented from boilerplate.
        assert all(len(name.split()) <= 4 for name in article.authors)
    if rules.get("date") is not None:
        assert article.date == rules["date"]
    assert article.language == "en"


@pytest.mark.parametrize("name", SEED_NAMES)
def test_title_from_body_is_not_spoken_twice(name: str) -> None:
    article = _clean(name)
    assert article.title
    if article.title_from_body:
        assert article.text.startswith(article.blocks[0].text)
    else:
        assert article.text.count(article.title) == 1
