"""The library on real SQLite files: articles, highlights, search, same story, transfer."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader import locations
from reader.errors import InputError
from reader.library import Library, LibraryError, NotInLibrary, schema, similar, source_key
from reader.text.article import Article, Block
from tests.conftest import CORPUS, SEEDS

SEED_A = SEEDS / "000_fb76b65d5a0d88e2.txt"
SEED_B = SEEDS / "001_58b20582d475ce50.txt"


def make(paragraphs: list[str], title: str | None = "A title", source: str = "s") -> Article:
    return Article(
        blocks=tuple(Block("paragraph", p) for p in paragraphs),
        title=title,
        source=source,
        language="en",
    )


STORY = [
    "The harbour council met on Tuesday to discuss the new ferry timetable.",
    "Residents complained that the morning boat leaves too early for school children.",
    "The council promised to publish a revised timetable before the summer season.",
]


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    lib = Library.open(tmp_path / "library.sqlite3")
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def seeds() -> tuple[Article, Article]:
    from reader.extract import extract

    return extract(str(SEED_A)), extract(str(SEED_B))


def test_default_path_follows_reader_home(reader_home: Path) -> None:
    with Library.open() as lib:
        assert lib.path == locations.library_file()
        assert lib.path.is_relative_to(reader_home)
        lib.add(make(STORY))
    assert (reader_home / "data" / "library.sqlite3").is_file()


def test_file_settings_wal_foreign_keys_version(library: Library) -> None:
    connection = library._connection()
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST
    assert connection.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID


def test_add_get_round_trip_keeps_the_article(library: Library) -> None:
    article = Article(
        blocks=(Block("heading", "Part one"), Block("paragraph", STORY[0]), Block("quote", "Hm.")),
        title="Ferries",
        authors=("Ann Author", "Bo Writer"),
        date="2024-05-01",
        site="example.org",
        url="https://example.org/ferries",
        language="en",
        source="https://example.org/ferries",
    )
    result = library.add(article)
    assert result.status == "added"
    stored = library.get(result.id)
    assert stored.article == article
    assert stored.article.text == article.text
    assert stored.source == "https://example.org/ferries"
    assert stored.content_hash == article.content_hash
    assert stored.opened is None
    assert library.get(result.id, touch=True).opened is not None
    (row,) = library.list()
    assert (row.title, row.site, row.words, row.chars) == (
        "Ferries",
        "example.org",
        article.word_count,
        len(article.text),
    )


def test_unknown_ids_are_input_errors(library: Library) -> None:
    with pytest.raises(NotInLibrary, match="article 9: not in the library"):
        library.get(9)
    with pytest.raises(NotInLibrary):
        library.remove(9)
    with pytest.raises(NotInLibrary):
        library.add_highlight(9, 0, 1)
    with pytest.raises(NotInLibrary):
        library.remove_highlight(9)


def test_list_newest_first_with_counts(library: Library) -> None:
    first = library.add(make(STORY, source="a")).id
    second = library.add(make(STORY[:2], title="Second", source="b")).id
    library.add_highlight(first, 4, 17)
    rows = library.list()
    assert [r.id for r in rows] == [second, first]
    assert [r.highlights for r in rows] == [0, 1]
    assert [r.id for r in library.list(limit=1)] == [second]


def test_remove_cascades_to_highlights_and_search(library: Library) -> None:
    ident = library.add(make(STORY)).id
    library.add_highlight(ident, 0, 5)
    library.record_export(ident, "/tmp/x.mp3", {"bitrate": "64k"})
    library.remove(ident)
    assert library.list() == []
    assert library.highlights() == []
    assert library.search("harbour") == []
    (record,) = library.exports()
    assert record.article_id is None  # the export happened; its article is gone


def test_position_is_clamped_to_the_text(library: Library) -> None:
    ident = library.add(make(STORY)).id
    library.set_position(ident, 40)
    assert library.get(ident).position == 40
    library.set_position(ident, 10**9)
    assert library.get(ident).position == len(library.get(ident).article.text)
    library.set_position(ident, -5)
    assert library.get(ident).position == 0


def test_highlights_crud(library: Library) -> None:
    ident = library.add(make(STORY)).id
    text = library.get(ident).article.text
    start, end = library.find_passage(ident, "morning boat leaves too early")
    mark = library.add_highlight(ident, start, end, note="why?", color="Green")
    assert mark.text == "morning boat leaves too early" == text[start:end]
    assert mark.color == "green"
    assert text.endswith(mark.suffix) or mark.suffix in text
    assert text[start - len(mark.prefix) : start] == mark.prefix
    library.add_highlight(ident, 0, 3)
    assert [h.start for h in library.highlights(ident)] == [0, start]
    changed = library.update_highlight(mark.id, note=None)
    assert changed.note is None and changed.color == "green"
    assert library.update_highlight(mark.id, color="#AABBCC").color == "#aabbcc"
    library.remove_highlight(mark.id)
    assert [h.id for h in library.highlights()] != [mark.id]
    with pytest.raises(InputError, match="outside"):
        library.add_highlight(ident, 5, 5)
    with pytest.raises(InputError, match="outside"):
        library.add_highlight(ident, 0, len(text) + 1)
    with pytest.raises(InputError, match="color 'mauve'"):
        library.add_highlight(ident, 0, 4, color="mauve")


def test_find_passage_errors_name_the_passage(library: Library) -> None:
    ident = library.add(make(STORY)).id
    with pytest.raises(InputError, match="“ferry timetables”: not found in article"):
        library.find_passage(ident, "ferry timetables")
    with pytest.raises(InputError, match="“council”: occurs 2 times"):
        library.find_passage(ident, "council")
    # What a user types: other spacing and plain quotes still find the one passage.
    start, end = library.find_passage(ident, "residents   complained")
    assert library.get(ident).article.text[start:end] == "Residents complained"


def test_same_source_same_text_is_unchanged(library: Library) -> None:
    first = library.add(make(STORY))
    again = library.add(make(STORY))
    assert (again.status, again.id, again.existing) == ("unchanged", first.id, first.id)
    assert len(library.list()) == 1


def test_pasted_text_is_one_article_per_distinct_text(library: Library) -> None:
    a = library.add(make(STORY, source="-"))
    b = library.add(make(STORY, source="-"))
    c = library.add(make(STORY[:1], source="-"))
    d = library.add(make(STORY[1:], source="-"), "-")  # as `reader add -` does
    assert b.status == "unchanged" and b.id == a.id
    assert c.status == "added" and c.id != a.id
    assert d.status == "added" and d.id not in (a.id, c.id)
    sources = {row.id: row.source for row in library.list()}
    for ident, paragraphs in ((a.id, STORY), (c.id, STORY[:1]), (d.id, STORY[1:])):
        assert sources[ident] == "stdin:" + make(paragraphs).content_hash[:16]


def test_source_key_names_text_without_a_source_by_its_content() -> None:
    article = make(STORY, source="-")
    key = "stdin:" + article.content_hash[:16]
    assert source_key(article) == source_key(article, "-") == key
    assert source_key(make(STORY, source="")) == key
    assert source_key(article, "notes.txt") == str(Path("notes.txt").resolve())
    assert source_key(make(STORY, source="page.html")) == str(Path("page.html").resolve())
    with_url = Article(blocks=article.blocks, source="-", url="https://example.org/a")
    assert source_key(with_url) == "https://example.org/a"


def test_a_file_is_the_same_article_whatever_folder_it_is_named_from(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reader add notes.txt` in its folder, then `reader open ../x/notes.txt` or an
    absolute path from elsewhere: one article, re-extracted, not a second copy."""
    folder = tmp_path / "x"
    folder.mkdir()
    monkeypatch.chdir(folder)
    first = library.add(make(STORY), "notes.txt")
    monkeypatch.chdir(tmp_path)
    again = library.add(make([*STORY[:1], "A changed closing line."]), "x/notes.txt")
    assert again.id == first.id and again.status == "updated"
    assert library.add(make(STORY), str(folder / "notes.txt")).id == first.id
    assert [row.source for row in library.list()] == [str(folder / "notes.txt")]
    assert source_key(make(STORY), "https://example.org/a") == "https://example.org/a"


def test_changed_text_reanchors_highlights_and_keeps_lost_ones(library: Library) -> None:
    ident = library.add(make(STORY, source="https://example.org/a")).id
    text = library.get(ident).article.text
    passages = {
        "moved": "Residents complained that the morning boat leaves too early",
        "edited": "publish a revised timetable before the summer season",
        "gone": "met on Tuesday to discuss",
    }
    marks = {}
    for key, passage in passages.items():
        start = text.index(passage)
        marks[key] = library.add_highlight(ident, start, start + len(passage), note=key)
    library.set_position(ident, text.index("The council promised"))

    new_story = [
        "UPDATE: this story was corrected on Wednesday.",  # shifts everything
        "The harbour council met to talk about the ferries.",  # "gone" passage rewritten
        "Residents complained that the morning boat leaves too early for school children.",
        "The council promised to publish a revised time-table before the summer season.",
    ]
    result = library.add(make(new_story, source="https://example.org/a"))
    assert (result.status, result.id, result.reanchored) == ("updated", ident, 2)
    assert [h.note for h in result.detached] == ["gone"]

    stored = library.get(ident)
    new_text = stored.article.text
    by_note = {h.note: h for h in stored.highlights}
    assert set(by_note) == {"moved", "edited", "gone"}  # nothing dropped
    moved = by_note["moved"]
    assert new_text[moved.start : moved.end] == passages["moved"] and not moved.detached
    edited = by_note["edited"]
    assert new_text[edited.start : edited.end] == (
        "publish a revised time-table before the summer season"
    )
    assert edited.text == new_text[edited.start : edited.end]
    gone = by_note["gone"]
    assert gone.detached and gone.text == passages["gone"]
    assert stored.position == new_text.index("The council promised")
    assert len(library.list()) == 1

    # The old text comes back: the detached highlight is found again.
    back = library.add(make(STORY, source="https://example.org/a"))
    assert back.detached == () and back.reanchored == 3
    again = {h.note: h for h in library.get(ident).highlights}
    assert not again["gone"].detached
    assert (
        library.get(ident).article.text[again["gone"].start : again["gone"].end]
        == (passages["gone"])
    )


def test_search_ranks_with_snippets(library: Library) -> None:
    about = library.add(make(["The ferry ferry ferry timetable."], "Ferry news", "a")).id
    aside = library.add(make(["A long story about trains, and one ferry."], "Trains", "b")).id
    library.add(make(["Nothing to see here."], "Other", "c"))
    hits = library.search("ferry")
    assert [h.id for h in hits] == [about, aside]
    assert "[ferry]" in hits[0].snippet.lower()
    assert [h.id for h in library.search(["trains", "ferry"])] == [aside]
    assert [h.id for h in library.search("tim*")] == [about]
    assert library.search("ferry OR NOT") == []  # operators are words, not syntax
    assert library.search('"unbalanced') == []
    with pytest.raises(InputError):
        library.search(" ** ")


def test_search_follows_updates(library: Library) -> None:
    library.add(make(["Old words about herons."], "T", "https://x/1"))
    library.add(make(["New words about kingfishers."], "T", "https://x/1"))
    assert library.search("herons") == []
    assert len(library.search("kingfishers")) == 1


def test_the_two_seeds_are_one_story(library: Library, seeds: tuple[Article, Article]) -> None:
    first, second = seeds
    a = library.add(first)
    b = library.add(second)
    assert a.similar == ()
    assert b.status == "added"
    (same,) = b.similar
    assert same.id == a.id and 0.3 <= same.similarity <= 0.6
    assert len(library.list()) == 2  # both kept
    unrelated = library.add(make(STORY, source="ferries"))
    assert unrelated.similar == ()


def test_skip_similar_adds_nothing(library: Library, seeds: tuple[Article, Article]) -> None:
    first, second = seeds
    library.add(first)
    result = library.add(second, if_similar="skip")
    assert result.status == "skipped" and result.id == 0 and result.similar
    assert len(library.list()) == 1


def _corpus_articles(count: int) -> list[Article]:
    """Real, unrelated pages (the extraction benchmark's texts), one article each."""
    paths = sorted((CORPUS / "text").glob("*.txt"))[:count]
    if len(paths) < count:
        pytest.skip(f"the extraction corpus is not in {CORPUS} (READER_SHARED)")
    articles = []
    for path in paths:
        lines = [" ".join(line.split()) for line in path.read_text("utf-8").splitlines()]
        paragraphs = [line for line in lines if len(line) > 40][:30] or ["(empty page)"]
        articles.append(make(paragraphs, path.stem, str(path)))
    return articles


def _scan(library: Library, article: Article) -> list[tuple[int, float]]:
    """What the same-story check gave before the index: every stored sketch compared."""
    rows = library._connection().execute("SELECT article_id, sketch FROM sketches").fetchall()
    return similar.most_similar(similar.sketch(article.text, article.language), rows)


def test_the_sketch_index_finds_what_comparing_every_sketch_finds(library: Library) -> None:
    pages = _corpus_articles(40)
    for page in pages:
        library.add(page, find_similar=False)
    # Rewritten copies of a few pages: every other paragraph dropped, or kept whole.
    probes = [make(list(p.text.split("\n"))[::2], "half", "copy") for p in pages[:10]]
    probes += [make(list(p.text.split("\n")), "whole", "copy") for p in pages[10:15]]
    probes += pages[15:20]  # the stored pages themselves
    found_any = 0
    for probe in probes:
        indexed = [(s.id, s.similarity) for s in library.similar_to(probe)]
        assert indexed == _scan(library, probe)
        found_any += bool(indexed)
    assert found_any >= 10  # the comparison found real matches, not only empty lists


def test_the_index_follows_updates_removals_and_imports(tmp_path: Path, library: Library) -> None:
    ferry = make(STORY, "Ferries", "https://x/ferry")
    library.add(ferry)
    birds = [
        "Kingfishers nest in riverbanks along the quiet northern valley every spring.",
        "Volunteers counted forty nests this year, twice as many as a decade ago.",
    ]
    other = make(birds, "Kingfishers", "https://y/birds")
    # The same source with another text: the index now holds the new text's sketch.
    assert library.add(make(birds, "Ferries?", "https://x/ferry")).status == "updated"
    assert library.similar_to(ferry) == []
    assert [s.id for s in library.similar_to(other)] == [1]
    connection = library._connection()
    assert connection.execute("SELECT count(*) FROM unsketched").fetchone()[0] == 0
    library.remove(1)
    assert connection.execute("SELECT count(*) FROM sketch_index").fetchone()[0] == 0
    assert connection.execute("SELECT count(*) FROM sketches").fetchone()[0] == 0
    # Imported articles wait in the queue until the next same-story check.
    again = library.add(ferry).id
    library.export_json(tmp_path / "out.json")
    with Library.open(tmp_path / "other.sqlite3") as fresh:
        fresh.import_json(tmp_path / "out.json")
        queue = fresh._connection().execute("SELECT count(*) FROM unsketched")
        assert queue.fetchone()[0] == 1
        result = fresh.add(make(STORY, "Ferries again", "https://elsewhere"))
        assert [s.id for s in result.similar] == [again]
        assert fresh._connection().execute("SELECT count(*) FROM unsketched").fetchone()[0] == 0


def test_records_exports(library: Library) -> None:
    ident = library.add(make(STORY)).id
    record = library.record_export(ident, Path("/music/a.mp3"), {"voice": "en", "rate": 175})
    assert library.exports(ident) == [record]
    assert record.settings == {"voice": "en", "rate": 175}


def fill(library: Library) -> None:
    one = library.add(make(STORY, "Ferries", "https://example.org/a")).id
    two = library.add(make(["Zweiter Artikel über Fähren.", "Noch ein Satz."], None, "-")).id
    library.add_highlight(one, 4, 20, note="note “quoted”", color="blue")
    library.add_highlight(one, 30, 40)
    library.add_highlight(two, 0, 7, color="#112233")
    library.set_position(one, 33)
    library.get(two, touch=True)
    library.record_export(one, "/out/ferries.mp3", {"bitrate": "64k", "voice": None})
    library.record_export(None, "/out/batch.zip", {})
    # A detached highlight must survive the trip too.
    library.add(make(["Completely different text now."], "Ferries", "https://example.org/a"))
    # The feeds followed, their state and the items taken from them (one whose article
    # was removed, one refused), and a feed nothing came from yet.
    from reader.library.feeds import FetchedOk, add_feed, mark_failed, mark_ok, record_item

    news, _ = add_feed(library, "https://example.org/feed", "Ferry news", "https://example.org/")
    record_item(library, news.id, "a", "https://example.org/a", one, "added", "/out")
    record_item(library, news.id, "b", "https://example.org/b", None, "similar")
    record_item(library, news.id, "c", None, None, "refused")
    mark_ok(library, [FetchedOk(news.id, '"e1"', "Tue, 01 Oct 2024 10:00:00 GMT", kind="rss")])
    quiet, _ = add_feed(library, "http://quiet.example/atom")
    mark_failed(library, quiet.id, "HTTP 503")


def test_export_import_is_a_lossless_round_trip(tmp_path: Path, library: Library) -> None:
    fill(library)
    first = tmp_path / "first.json"
    assert library.export_json(first) == 2
    with Library.open(tmp_path / "fresh.sqlite3") as fresh:
        result = fresh.import_json(first)
        assert (result.articles_added, result.highlights_added, result.exports_added) == (2, 3, 2)
        assert (result.feeds_added, result.feed_items_added) == (2, 3)
        second = tmp_path / "second.json"
        fresh.export_json(second)
        assert any(h.detached for h in fresh.highlights())
        assert [h.id for h in fresh.highlights()] == [h.id for h in library.highlights()]
        assert fresh.search("Fähren")  # the search index is rebuilt from the import
    assert first.read_bytes() == second.read_bytes()
    # Importing the same file again adds nothing.
    again = library.import_json(first)
    assert (again.articles_added, again.highlights_added, again.exports_added) == (0, 0, 0)
    assert (again.feeds_added, again.feed_items_added) == (0, 0)
    assert again.articles_merged == 2


def test_import_into_a_busy_library_remaps_ids(tmp_path: Path, library: Library) -> None:
    fill(library)
    dump = tmp_path / "dump.json"
    library.export_json(dump)
    with Library.open(tmp_path / "other.sqlite3") as other:
        mine = other.add(make(["Unrelated."], "Mine", "mine")).id
        result = other.import_json(dump)
        assert result.articles_added == 2
        assert mine in {r.id for r in other.list()}
        assert len(other.list()) == 3
        moved = result.ids[mine]  # the file's article 1 collided with "Mine"
        assert moved != mine
        assert other.get(moved).article.title == "Ferries"
        assert {h.article_id for h in other.highlights()} == set(result.ids.values())
        # The feed's item follows its article to its new id.
        from reader.library.feeds import article_feeds

        assert article_feeds(other) == {moved: "Ferry news"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "cannot be read as JSON"),
        ('{"format": "other"}', "not a reader library export"),
        ('{"format": "reader-library", "version": 99}', "version 99"),
        (
            '{"format": "reader-library", "version": 1, "articles": [{"x": 1}]}',
            r"\$\.articles\[0\]\.article: missing",
        ),
    ],
)
def test_bad_import_files_change_nothing(
    tmp_path: Path, library: Library, content: str, reason: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=reason) as info:
        library.import_json(bad)
    assert str(bad) in str(info.value)
    assert library.list() == []


def test_import_rejects_highlights_that_do_not_match(tmp_path: Path, library: Library) -> None:
    library.add(make(STORY))
    library.add_highlight(1, 0, 3)
    good = tmp_path / "good.json"
    library.export_json(good)
    data = json.loads(good.read_text(encoding="utf-8"))
    data["articles"][0]["highlights"][0]["text"] = "xyz"
    good.write_text(json.dumps(data), encoding="utf-8")
    with Library.open(tmp_path / "fresh.sqlite3") as fresh:
        with pytest.raises(InputError, match="does not match"):
            fresh.import_json(good)
        assert fresh.list() == []


def test_export_is_written_atomically(tmp_path: Path, library: Library) -> None:
    library.add(make(STORY))
    target = tmp_path / "out.json"
    target.write_text("previous", encoding="utf-8")
    library.export_json(target)
    assert json.loads(target.read_text(encoding="utf-8"))["format"] == "reader-library"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_migrates_a_version_1_library(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    schema.migrate(connection, target=1)
    article = make(STORY, "Old one", "https://old")
    connection.execute(
        "INSERT INTO articles (id, source, title, words, chars, content_hash, added) "
        "VALUES (1, 'https://old', 'Old one', 3, ?, ?, '2020-01-01T00:00:00+00:00')",
        (len(article.text), article.content_hash),
    )
    connection.execute("INSERT INTO article_bodies VALUES (1, ?)", (json.dumps(article.to_dict()),))
    connection.close()
    with Library.open(path) as lib:
        assert lib.recovered is None
        assert schema.version(lib._connection()) == schema.LATEST
        assert [h.id for h in lib.search("harbour")] == [1]  # backfilled index
        assert lib.get(1).article == article
        # Its sketch is made when first needed: the same story is still recognised.
        assert [s.id for s in lib.add(make(STORY, "New one", "https://new")).similar] == [1]


def test_migrates_a_version_3_library_index_and_stdin_sources(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    schema.migrate(connection, target=3)
    pasted = make(STORY, "Pasted", "-")
    connection.execute(
        "INSERT INTO articles (id, source, title, words, chars, content_hash, added) "
        "VALUES (1, '-', 'Pasted', 3, ?, ?, '2020-01-01T00:00:00+00:00')",
        (len(pasted.text), pasted.content_hash),
    )
    connection.execute("INSERT INTO article_bodies VALUES (1, ?)", (json.dumps(pasted.to_dict()),))
    sketch = similar.sketch(pasted.text, "en")
    connection.execute("INSERT INTO sketches VALUES (1, ?)", (similar.to_bytes(sketch),))
    connection.close()
    with Library.open(path) as lib:
        assert lib.summary(1).source == "stdin:" + pasted.content_hash[:16]
        assert lib.add(make(STORY, "Pasted", "-")).status == "unchanged"  # same key as before
        # The stored sketch is indexed at the first same-story check.
        assert [s.id for s in lib.add(make(STORY, "Again", "https://new")).similar] == [1]
        rows = (
            lib._connection()
            .execute("SELECT count(*) FROM sketch_index WHERE article_id = 1")
            .fetchone()[0]
        )
        assert rows == len(set(sketch))


def test_newer_library_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with Library.open(path):
        pass
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    connection.close()
    before = path.read_bytes()
    with pytest.raises(LibraryError, match="newer version of reader"):
        Library.open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if "broken" in p.name) == []


def test_threads_each_get_a_connection(library: Library) -> None:
    ident = library.add(make(STORY)).id
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                library.add_highlight(ident, i, i + 5, note=f"{n}-{i}")
                library.get(ident)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(library.highlights(ident)) == 80
    assert library.integrity_check() == "ok"
