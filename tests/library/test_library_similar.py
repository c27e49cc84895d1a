"""The same-story lookup through the rarest sketch values: its bound, its recall, schema 5."""

from __future__ import annotations

import json
import math
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.library import Library, schema, similar
from reader.text.article import Article, Block
from tests.conftest import SEEDS


def make(paragraphs: list[str], title: str, source: str) -> Article:
    blocks = tuple(Block("paragraph", p) for p in paragraphs)
    return Article(blocks=blocks, title=title, source=source, language="en")


@pytest.fixture(scope="module")
def seeds() -> tuple[Article, Article]:
    from reader.extract import extract

    a = extract(str(SEEDS / "000_fb76b65d5a0d88e2.txt"))
    b = extract(str(SEEDS / "001_58b20582d475ce50.txt"))
    return a, b


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    lib = Library.open(tmp_path / "library.sqlite3")
    yield lib
    lib.close()


def test_the_probe_bound_keeps_every_sketch_the_threshold_needs() -> None:
    """Whatever the counts: a sketch sharing ``min_shared`` values holds ``need`` of the
    values read (pigeonhole), so an exact probe drops no article the threshold keeps."""
    rng = random.Random(5)
    pool = list(range(1, 600))
    for round_ in range(300):
        size = rng.choice([20, 60, 128])
        query = rng.sample(pool, size)
        counts = {v: rng.choice([0, 1, 3, 40, 300, 5000]) for v in query}
        values, need, exact = similar.probe(counts, stop=10_000)
        assert exact and need >= 1 and set(values) <= set(query)
        floor = similar.min_shared(size)
        # The hardest case for the bound: the shared values are the most common ones.
        order = sorted(query, key=lambda v: (counts[v], v))
        worst = set(order[-floor:])
        assert len(worst.intersection(values)) >= need, round_
        # Read values are the rarest ones: none left out is rarer than one read.
        skipped = [counts[v] for v in query if v not in set(values)]
        assert not skipped or min(skipped) >= max(counts[v] for v in values)


def test_common_values_are_never_read_and_the_lookup_says_when_it_is_approximate() -> None:
    query = list(range(128))
    floor = similar.min_shared(128)
    counts = {v: (10**6 if v < floor - 1 else 0) for v in query}  # floor-1 common values
    values, need, exact = similar.probe(counts)
    assert exact and all(counts[v] <= similar.STOP for v in values)
    assert need == floor - (128 - len(values))
    counts = {v: (10**6 if v < floor + 10 else 0) for v in query}  # too many common ones
    values, need, exact = similar.probe(counts)
    # The rare values, and the HELD rarest common ones (the only ones any article holds).
    assert not exact and len(values) == 128 - floor - 10 + similar.HELD
    assert need == math.ceil(floor * similar.HELD / (floor + 10) / 2)
    # A story kept more than STOP times: its own values are read all the same.
    counts = {v: similar.STOP + 50 + v for v in query}
    values, need, exact = similar.probe(counts)
    assert not exact and sorted(values) == list(range(similar.HELD)) and need >= 1
    assert similar.probe({}) == ([], 1, True)


def test_seed_pair_found_when_its_common_words_are_skipped(
    library: Library, seeds: tuple[Article, Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a stop count of 1, every value two stored articles hold is skipped. Two
    articles made of the second scrape's common words only (names, capitalised words
    and figures removed) make most of its values common: the lookup becomes
    approximate, reads the story's own words and still finds the other scrape."""
    first, second = seeds
    a = library.add(first).id
    plain = [
        " ".join(w for w in p.split() if w[:1].islower() and not any(c.isdigit() for c in w))
        for p in second.text.split("\n")
    ]
    library.add(make(plain, "common words", "c1"), find_similar=False)
    library.add(make(plain[::-1], "common words again", "c2"), find_similar=False)
    monkeypatch.setattr(similar, "STOP", 1)
    sketch = similar.sketch(second.text, second.language)
    connection = library._connection()
    keys = similar.index_keys(set(sketch))
    counts = dict.fromkeys(keys, 0)
    query = (
        f"SELECT value, articles FROM sketch_values WHERE value IN ({','.join('?' * len(keys))})"
    )
    counts.update(connection.execute(query, keys).fetchall())
    values, _, exact = similar.probe(counts)
    assert not exact and len(values) < len(keys)  # the approximate path is the one tested
    full = similar.most_similar(
        sketch, connection.execute("SELECT article_id, sketch FROM sketches").fetchall()
    )
    found = library.add(second).similar
    assert a in [s.id for s in found]
    # Approximate: it may miss a near copy, never reports what the estimate rejects.
    assert {(s.id, s.similarity) for s in found} <= set(full)


def test_value_counts_follow_adds_updates_and_removals(
    library: Library, seeds: tuple[Article, Article]
) -> None:
    first, second = seeds
    library.add(first, "one")
    library.add(second, "two")
    library.add(make(["Kingfishers nest in riverbanks along the valley."], "K", "one"))  # update
    library.remove(library.add(first, "three").id)
    connection = library._connection()
    counted = connection.execute(
        "SELECT value, articles FROM sketch_values WHERE articles > 0 ORDER BY value"
    ).fetchall()
    truth = connection.execute(
        "SELECT value, count(*) FROM sketch_index GROUP BY value ORDER BY value"
    ).fetchall()
    assert counted == truth and len(truth) > 100


def _v4_library(path: Path, articles: list[Article]) -> None:
    """A library as schema 4's code wrote it: sketches and index rows, no counts."""
    connection = sqlite3.connect(path, isolation_level=None)
    schema.migrate(connection, target=4)
    for ident, article in enumerate(articles, 1):
        connection.execute(
            "INSERT INTO articles (id, source, title, words, chars, content_hash, added) "
            "VALUES (?, ?, ?, 1, ?, ?, '2024-01-01T00:00:00+00:00')",
            (ident, f"s{ident}", article.title, len(article.text), article.content_hash),
        )
        connection.execute(
            "INSERT INTO article_bodies VALUES (?, ?)", (ident, json.dumps(article.to_dict()))
        )
        sketch = similar.sketch(article.text, article.language)
        connection.execute("INSERT INTO sketches VALUES (?, ?)", (ident, similar.to_bytes(sketch)))
        connection.executemany(
            "INSERT INTO sketch_index VALUES (?, ?)",
            [(key, ident) for key in similar.index_keys(sketch)],
        )
        connection.execute("DELETE FROM unsketched WHERE article_id = ?", (ident,))
    connection.close()


def test_migrating_a_version_4_library_counts_its_index(
    tmp_path: Path, seeds: tuple[Article, Article]
) -> None:
    first, second = seeds
    path = tmp_path / "v4.sqlite3"
    other = make(["Kingfishers nest in riverbanks along the quiet valley."], "K", "k")
    _v4_library(path, [first, other])
    with Library.open(path) as lib:
        connection = lib._connection()
        assert schema.version(connection) == schema.LATEST
        counted = connection.execute("SELECT value, articles FROM sketch_values ORDER BY 1")
        truth = connection.execute(
            "SELECT value, count(*) FROM sketch_index GROUP BY value ORDER BY 1"
        )
        assert counted.fetchall() == truth.fetchall()
        result = lib.add(second)
        assert [s.id for s in result.similar] == [1]
        assert result.similar[0].similarity >= 0.3


def test_a_story_kept_more_than_stop_times_is_still_found(
    library: Library, seeds: tuple[Article, Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = seeds
    copies = [library.add(first, f"copy-{n}", find_similar=False).id for n in range(5)]
    monkeypatch.setattr(similar, "STOP", 3)  # every value of the story is held 5 times
    result = library.add(first, "one more")
    assert sorted(s.id for s in result.similar) == copies
