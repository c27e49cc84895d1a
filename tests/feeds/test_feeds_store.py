"""Feeds in the library file: the schema migration, OPML in and out, resuming a sync."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.cli import main
from reader.library import Library, schema
from tests.feedsite import Entry, Site, rss, running

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def site() -> Iterator[Site]:
    with running() as s:
        yield s


def test_a_version_5_library_migrates_to_feeds(tmp_path: Path) -> None:
    from reader.extract import extract_text
    from reader.library.feeds import add_feed, feeds, record_item

    path = tmp_path / "library.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    schema.migrate(connection, target=5)
    connection.close()
    with Library.open(path) as library:
        old = library.add(extract_text("An article kept from before feeds.\n\nIt stays."), "x")
    # Back to 5 as an older reader left it: the feed tables are not there.
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("DROP TABLE queue")
    connection.execute("DROP TABLE listened")
    connection.execute("DROP TABLE meta")
    connection.execute("DROP TABLE feed_items")
    connection.execute("DROP TABLE feeds")
    connection.execute("PRAGMA user_version = 5")
    connection.close()
    with Library.open(path) as library:
        assert schema.version(library._connection()) == schema.LATEST >= 6
        assert [a.id for a in library.list()] == [old.id]
        feed, new = add_feed(library, "http://example.test/feed", "Example")
        assert new and feeds(library)[0].title == "Example"
        record_item(library, feed.id, "g", "http://example.test/a", old.id, "added")
        library.remove(old.id)  # the item stays known; its article link is cleared
        assert feeds(library)[0].items == 1


def test_a_version_6_library_gets_its_visits_and_keeps_its_feeds(tmp_path: Path) -> None:
    """A library an older reader (schema 6) left, with a feed and an item: opened now,
    it gains the table of its visits, keeps its feeds, and has no visit yet, so the
    TUI's first visit marks every feed article not opened as new."""
    from reader.extract import extract_text
    from reader.library.feeds import add_feed, feeds, record_item
    from reader.library.visits import arrived_since, previous_visit, record_visit

    path = tmp_path / "library.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    schema.migrate(connection, target=6)
    connection.close()
    with Library.open(path) as library:
        read = library.add(extract_text("An article read before.\n\nIt was opened."), "a").id
        unread = library.add(extract_text("An article never opened.\n\nStill there."), "b").id
        feed, _ = add_feed(library, "http://example.test/feed", "Example")
        record_item(library, feed.id, "g1", "http://example.test/1", read, "added")
        record_item(library, feed.id, "g2", "http://example.test/2", unread, "added")
        library.mark_opened(read)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("DROP TABLE queue")
    connection.execute("DROP TABLE listened")
    connection.execute("DROP TABLE meta")
    connection.execute("PRAGMA user_version = 6")
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert "meta" not in tables
    with Library.open(path) as library:
        assert schema.version(library._connection()) == schema.LATEST >= 7
        assert [f.items for f in feeds(library)] == [2]
        assert previous_visit(library) is None
        assert arrived_since(library, None) == {unread}
        record_visit(library, "2030-01-01T00:00:00.000000+00:00")
        record_visit(library, "2029-01-01T00:00:00.000000+00:00")  # never moves back
        assert previous_visit(library) == "2030-01-01T00:00:00.000000+00:00"
        assert arrived_since(library, previous_visit(library)) == set()


def test_opml_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reader.library.feeds import add_feed

    with Library.open() as library:
        add_feed(library, "http://example.test/a.xml", "Alpha & Co", "http://example.test/")
        add_feed(library, "https://example.test/b.json", None)
    path = tmp_path / "feeds.opml"
    assert main(["feeds", "export", str(path)]) == 0
    text = path.read_text()
    assert 'xmlUrl="http://example.test/a.xml"' in text and "Alpha &amp; Co" in text
    assert main(["feeds", "rm", "1", "2"]) == 0
    capsys.readouterr()
    assert main(["feeds", "import", str(path)]) == 0
    assert "imported 2 new feed(s), 0 already followed" in capsys.readouterr().out
    assert main(["feeds", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(f["url"], f["title"], f["site"]) for f in listed] == [
        ("http://example.test/a.xml", "Alpha & Co", "http://example.test/"),
        ("https://example.test/b.json", None, None),
    ]
    # Importing again adds nothing.
    assert main(["feeds", "import", str(path)]) == 0
    assert "imported 0 new feed(s), 2 already followed" in capsys.readouterr().out


def test_opml_with_entities_or_bad_links_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    bomb = tmp_path / "bomb.opml"
    bomb.write_text(
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file://{secret}">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<opml version="2.0"><body><outline text="&x;&b;" xmlUrl="http://e.test/f"/>'
        "</body></opml>"
    )
    assert main(["feeds", "import", str(bomb)]) == 2
    err = capsys.readouterr().err
    assert err == f"reader: {bomb}: declares a DTD or entities (refused: not expanded, not read)\n"
    mixed = tmp_path / "mixed.opml"
    mixed.write_text(
        '<opml version="2.0"><body><outline text="folder">'
        '<outline text="ok" xmlUrl="http://e.test/ok"/>'
        '<outline text="local" xmlUrl="file:///etc/passwd"/>'
        '<outline text="js" xmlUrl="javascript:alert(1)"/></outline></body></opml>'
    )
    assert main(["feeds", "import", str(mixed)]) == 1
    out, err = capsys.readouterr()
    assert "imported 1 new feed(s)" in out and err.count("not an http(s) address") == 2
    (tmp_path / "not.opml").write_text("<html><body>hi</body></html>")
    assert main(["feeds", "import", str(tmp_path / "not.opml")]) == 2
    assert "not an OPML file" in capsys.readouterr().err


def test_an_interrupted_sync_resumes_where_it_stopped(
    site: Site, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.feeds.sync as syncing
    from reader.feeds.parse import Item

    entries = [Entry(f"g{n}", site.page(f"/p{n}", 90 + n, f"Story {n}"), f"S{n}") for n in range(5)]
    site.put("/feed", rss(entries), etag='"v1"')
    assert main(["feeds", "add", site.url("/feed")]) == 0
    real = syncing.item_article
    calls: list[str] = []

    def dying(item: Item, hosts: object, *rest: object) -> object:
        calls.append(item.guid)
        if item.guid == "g3":
            raise KeyboardInterrupt  # as Ctrl-C would, in the middle of the items
        return real(item, hosts, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(syncing, "item_article", dying)
    monkeypatch.setattr(syncing, "WORKERS", 1)  # items in order: g0..g2 done, then g3 dies
    with pytest.raises(KeyboardInterrupt):
        syncing.sync(Library.open(), _feeds())
    with Library.open() as library:
        done = sorted(a.title or "" for a in library.list())
    assert done == ["Story 0", "Story 1", "Story 2"]
    monkeypatch.setattr(syncing, "item_article", real)
    site.reset_counts()
    capsys.readouterr()
    assert main(["feeds", "sync", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    # The feed is fetched whole again (its validators were not stored), and only the
    # two items not finished are fetched and added.
    assert ("/feed", 200) in site.answers
    assert sorted(i["title"] for i in summary["items"]) == ["Story 3", "Story 4"]
    assert site.hits["/p0"] == 0 and site.hits["/p3"] == 1
    with Library.open() as library:
        assert len(library.list()) == 5
    site.reset_counts()
    assert main(["feeds", "sync", "--json"]) == 0
    assert site.answers == [("/feed", 304)]


def _feeds() -> list:
    from reader.library.feeds import feeds

    with Library.open() as library:
        return feeds(library)


def test_export_then_import_into_a_new_library_keeps_what_the_feeds_gave(
    site: Site,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`reader library export`, then `import` into another library: the feeds, their
    items' GUIDs and links and the articles they became come along, so a sync there
    adds only what is really new."""
    from reader.library.feeds import article_feeds, feeds

    entries = [Entry(f"g{n}", site.page(f"/p{n}", 70 + n, f"Story {n}"), f"S{n}") for n in range(3)]
    site.put("/feed", rss(entries, title="Harbour news"), etag='"v1"')
    assert main(["feeds", "add", site.url("/feed")]) == 0
    assert main(["feeds", "sync", "--json"]) == 0
    dump = tmp_path / "library.json"
    assert main(["library", "export", str(dump)]) == 0

    monkeypatch.setenv("READER_HOME", str(tmp_path / "elsewhere"))  # a new, empty library
    capsys.readouterr()
    assert main(["library", "import", str(dump)]) == 0
    assert "1 feed(s) and 3 item(s) taken from feeds" in capsys.readouterr().out
    with Library.open() as library:
        (feed,) = feeds(library)
        assert (feed.url, feed.title, feed.items) == (site.url("/feed"), "Harbour news", 3)
        by_title = {a.title: a.id for a in library.list()}
        assert article_feeds(library) == {by_title[f"Story {n}"]: "Harbour news" for n in range(3)}
    # The feed has not changed: one conditional request, nothing added.
    site.reset_counts()
    assert main(["feeds", "sync", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 0
    assert site.answers == [("/feed", 304)]
    # A new item (and new validators): the feed is read whole; only the new item is taken.
    entries.append(Entry("g3", site.page("/p3", 73, "Story 3"), "S3"))
    site.put("/feed", rss(entries, title="Harbour news"), etag='"v2"')
    site.reset_counts()
    assert main(["feeds", "sync", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["added"] == 1 and [i["title"] for i in summary["items"]] == ["Story 3"]
    assert ("/feed", 200) in site.answers
    assert all(site.hits[f"/p{n}"] == 0 for n in range(3)) and site.hits["/p3"] == 1
    with Library.open() as library:
        assert sorted(a.title or "" for a in library.list()) == [f"Story {n}" for n in range(4)]
