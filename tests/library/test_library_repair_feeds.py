"""`reader library repair` (and the salvage of a file SQLite cannot open) keep the feeds
followed and the items taken from them, on real library files damaged for real; a
sync after the repair adds nothing twice and takes again what was lost."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest

from reader import locations
from reader.cli import main
from reader.library import Library, repair
from reader.library.feeds import FetchedOk, add_feed, feeds, mark_ok, record_item
from reader.library.visits import previous_visit, record_visit
from tests.feedsite import Entry, Site, rss, running
from tests.library.test_library_repair import (
    build,
    damage,
    make_article,
    middle,
    pages,
    readable,
    rows,
    run,
    summary,
)

pytestmark = pytest.mark.timeout(180)

FEED_COLUMNS = (
    "id, url, kind, title, site, etag, last_modified, failures, last_error, last_ok, "
    "last_checked, added"
)
ITEM_COLUMNS = "id, feed_id, guid, url, article_id, status, export_to, added"


@pytest.fixture
def site() -> Iterator[Site]:
    with running() as s:
        yield s


def test_feeds_items_and_the_last_visit_come_through_a_repair_as_they_were(capsys) -> None:
    path = locations.library_file()
    articles = build(path)
    with Library.open(path) as library:
        tides, _ = add_feed(library, "https://tides.example/feed", "Tides", "https://tides.ex/")
        birds, _ = add_feed(library, "https://birds.example/atom")
        for n, ident in enumerate(sorted(articles)):
            feed = tides if n % 2 else birds
            record_item(library, feed.id, f"g{n}", f"https://example.org/{n}", ident, "added")
        record_item(library, tides.id, "refused", None, None, "refused")
        mark_ok(library, [FetchedOk(tides.id, '"t1"', None, kind="rss")])
        record_visit(library, "2030-01-01T00:00:00.000000+00:00")
    feeds_before = rows(path, f"SELECT {FEED_COLUMNS} FROM feeds")
    items_before = rows(path, f"SELECT {ITEM_COLUMNS} FROM feed_items")
    assert len(items_before) == 41
    damage(path, middle(pages(path, "highlights")))

    status, out, _ = run(capsys, "library", "repair")
    assert status == 1 and summary(out)[0] == 40  # highlights were lost, articles not
    assert "kept 2 feed(s) and 41 item(s) taken from them" in out
    assert "forgotten" not in out
    assert rows(path, f"SELECT {FEED_COLUMNS} FROM feeds") == feeds_before
    assert rows(path, f"SELECT {ITEM_COLUMNS} FROM feed_items") == items_before
    with Library.open(path) as library:
        assert previous_visit(library) == "2030-01-01T00:00:00.000000+00:00"
        assert library.integrity_check() == "ok"


def _long_guid(n: int) -> str:
    """GUIDs as long as some feeds make them: a few items fill a page of the table."""
    return f"tag:harbour.example,2024:item-{n}:" + "x" * 300


def test_a_damaged_page_of_feed_items_costs_nothing_twice(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    """The items on a damaged page are forgotten and every feed's validators cleared;
    the next sync reads the feed whole, finds those items' articles in the library (the
    same source) and records them again: no article is added twice."""
    entries = [
        Entry(_long_guid(n), site.page(f"/p{n}", 300 + n, f"Story {n}", paragraphs=1), f"S{n}")
        for n in range(40)
    ]
    site.put("/feed", rss(entries, title="Harbour"), etag='"v1"')
    assert main(["feeds", "add", site.url("/feed")]) == 0
    assert main(["feeds", "sync", "--json"]) == 0
    capsys.readouterr()
    path = locations.library_file()
    with Library.open(path) as library:
        library._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    truth = rows(path, f"SELECT {ITEM_COLUMNS} FROM feed_items")
    assert len(truth) == 40
    damage(path, middle(pages(path, "feed_items")))
    on_good_pages = readable(path, "feed_items", "id", set(truth))
    assert 0 < len(on_good_pages) < 40

    status, out, _ = run(capsys, "library", "repair")
    assert status == 0, out  # articles, highlights, exports and feeds all saved
    lost = 40 - len(on_good_pages)
    assert f"kept 1 feed(s) and {len(on_good_pages)} item(s)" in out
    assert f"{lost} item(s) forgotten" in out
    after = rows(path, f"SELECT {ITEM_COLUMNS} FROM feed_items")
    assert set(after) == on_good_pages and all(after[i] == truth[i] for i in after)
    with Library.open(path) as library:
        (feed,) = feeds(library)
        assert feed.etag is None and feed.last_modified is None  # read whole next time
        assert library.count() == 40

    site.reset_counts()
    status, out, _ = run(capsys, "feeds", "sync", "--json")
    assert status == 0
    summary_ = json.loads(out)
    assert ("/feed", 200) in site.answers
    assert summary_["added"] == 0 and len(summary_["items"]) == lost
    assert {i["status"] for i in summary_["items"]} == {"unchanged"}
    with Library.open(path) as library:
        assert library.count() == 40 and feeds(library)[0].items == 40
    site.reset_counts()
    assert main(["feeds", "sync", "--json"]) == 0
    assert site.answers == [("/feed", 304)]


def test_items_under_a_damaged_interior_page_are_read_from_the_file(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    path = locations.library_file()
    build(path, count=3, marks=1)
    with Library.open(path) as library:
        feed, _ = add_feed(library, site.url("/feed"), "Harbour")
        for n in range(60):
            record_item(library, feed.id, _long_guid(n), site.url(f"/x{n}"), None, "refused")
        library._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    truth = rows(path, f"SELECT {ITEM_COLUMNS} FROM feed_items")
    (root,) = pages(path, "feed_items", "internal")
    damage(path, root)
    assert readable(path, "feed_items", "id", set(truth)) == set()

    report = repair.repair(path)
    assert report.status == "repaired" and report.from_pages >= 60
    assert report.feed_items == 60 and report.feed_items_forgotten == 0
    assert rows(path, f"SELECT {ITEM_COLUMNS} FROM feed_items") == truth


def _page(article_title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{escape(article_title)}</title></head>"
        f"<body><article><h1>{escape(article_title)}</h1>{body}</article></body></html>"
    )


def test_an_item_whose_article_is_a_stand_in_is_taken_again_and_the_text_comes_back(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed article whose text is lost everywhere keeps its highlights in a stand-in;
    its item is forgotten, so the next sync fetches the page again, which replaces the
    stand-in (the same source) and puts the highlights back on the real text."""
    path = locations.library_file()
    build(path, count=3, marks=1)
    long = make_article(99, words=2000)
    url = site.url("/long")
    site.put(url.removeprefix(site.base), _page(long.title or "", [b.text for b in long.blocks]))
    site.put("/feed", rss([Entry("long", url, "Long")], title="Harbour"), etag='"v1"')
    with Library.open(path) as library:
        ident = library.add(long, url, find_similar=False).id
        quotes = [
            library.add_highlight(ident, *library.find_passage(ident, f"Sentence 99-{j} of"))
            for j in (5, 900, 1500)
        ]
        feed, _ = add_feed(library, site.url("/feed"), "Harbour")
        record_item(library, feed.id, "long", url, ident, "added")
        mark_ok(library, [FetchedOk(feed.id, '"v1"', None, kind="rss")])  # as a sync leaves it
        library._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(path, middle(pages(path, "article_bodies", "overflow")), seed=2)
    damage(path, middle(pages(path, "articles_fts_content", "overflow")), seed=3)

    status, out, _ = run(capsys, "library", "repair")
    assert status == 1
    assert f"article {ident}: text lost; its 3 highlight(s) are kept in a stand-in" in out
    assert "kept 1 feed(s) and 0 item(s) taken from them; 1 item(s) forgotten" in out
    with Library.open(path) as library:
        assert feeds(library)[0].etag is None

    status, out, _ = run(capsys, "feeds", "sync", "--json")
    assert status == 0, out
    (item,) = json.loads(out)["items"]
    assert (item["status"], item["article"]) == ("updated", ident)
    with Library.open(path) as library:
        back = library.get(ident)
        assert "Sentence 99-1500 of article 99" in back.article.text
        assert [h.text for h in back.highlights] == [q.text for q in quotes]
        assert not any(h.detached for h in back.highlights)
        assert feeds(library)[0].items == 1


def test_a_library_sqlite_cannot_open_gives_back_its_feeds(tmp_path: Path) -> None:
    """Page 1 overwritten: the feeds and items on the file's pages are read back by hand."""
    path = locations.library_file()
    articles = build(path, count=10, marks=1)
    with Library.open(path) as library:
        feed, _ = add_feed(library, "https://tides.example/feed", "Tides")
        for n, ident in enumerate(sorted(articles)):
            record_item(library, feed.id, f"g{n}", f"https://example.org/{n}", ident, "added")
        library._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    items_before = rows(path, f"SELECT {ITEM_COLUMNS} FROM feed_items")
    damage(path, 1)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT count(*) FROM feeds").fetchone()

    with Library.open(path) as library:
        assert library.recovered is not None and library.recovered.salvaged is not None
        assert library.recovered.salvaged.feeds == 1
        (back,) = feeds(library)
        assert (back.url, back.title, back.items) == ("https://tides.example/feed", "Tides", 10)
    assert rows(path, f"SELECT {ITEM_COLUMNS} FROM feed_items") == items_before
