"""The library screen with articles from feeds: a Feed column, the articles brought
since the previous visit marked and counted in the header, `l` showing one feed's
articles after another's. Real library files, the real app through Textual's pilot."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reader.library import Library
from reader.library.feeds import add_feed, record_item
from reader.library.visits import previous_visit
from reader.tui.article_screen import ArticleScreen
from reader.tui.library_screen import LibraryScreen
from reader.tui.store import Store
from tests.tui.test_tui_support import ARTICLE, make_app, screen_text, sync, until

pytestmark = pytest.mark.timeout(60)


def _article(title: str, words: str):  # an article with its own text and title
    from reader.extract import extract_text

    return replace(extract_text(f"{title}\n\n{words} " * 3), source=None)


@sync
async def test_library_shows_feeds_marks_new_articles_and_filters_by_feed() -> None:
    store = Store.open()
    own = store.add(ARTICLE)  # added by hand: no feed, never marked new
    library = store.library
    tides, _ = add_feed(library, "http://tides.test/feed", "Tide Tables")
    birds, _ = add_feed(library, "http://birds.test/feed", "Bird Notes")
    ids = {}
    for feed, title, words in (
        (tides, "Spring tides", "The harbour master posts the spring tide tables weekly."),
        (tides, "Neap tides", "Neap tides leave the mudflats of the estuary uncovered."),
        (birds, "Herons nest", "Grey herons return to the alder grove every February."),
    ):
        ident = store.add(_article(title, words))
        record_item(library, feed.id, title, f"http://x.test/{ident}", ident, "added")
        ids[title] = ident
    store.get(ids["Neap tides"])  # opened once: no longer new
    app = make_app(None, store=store)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert screen.feed_column
        text = screen_text(app)
        assert "Feed" in text and "Tide Tables" in text and "Bird Notes" in text
        new = {row.id for row in screen.rows if row.new}
        assert new == {ids["Spring tides"], ids["Herons nest"]}
        assert text.count("● ") == 2 and "2 new (●)" in text
        # No visit before this one: every feed article not opened yet is new.
        assert "Library · 2 new from your feeds (first visit)" in text
        assert "● Ukraine" not in text and own not in new
        await pilot.press("l")
        await pilot.pause()
        assert [row.id for row in screen.rows] == [ids["Herons nest"]]
        assert "from Bird Notes" in screen_text(app)
        await pilot.press("l")
        await pilot.pause()
        assert {row.id for row in screen.rows} == {ids["Neap tides"], ids["Spring tides"]}
        await pilot.press("l")
        await pilot.pause()
        assert len(screen.rows) == 4 and screen.feed_filter is None


def _synced(library: Library, feed_id: int, title: str, words: str) -> int:
    """An article as a sync leaves it: added, then its item recorded (now)."""
    ident = library.add(_article(title, words)).id
    record_item(library, feed_id, title, f"http://tides.test/{ident}", ident, "added")
    return ident


def _item_added(library: Library, article_id: int) -> str:
    row = library._connection().execute(
        "SELECT added FROM feed_items WHERE article_id = ?", (article_id,)
    )
    return str(row.fetchone()[0])


def _marked(screen: LibraryScreen) -> set[int]:
    return {row.id for row in screen.rows if row.new}


async def _open(pilot, screen: LibraryScreen, article_id: int) -> None:
    """Open an article from the list with enter, as the user does."""
    from textual.widgets import DataTable

    screen.query_one(DataTable).move_cursor(row=[r.id for r in screen.rows].index(article_id))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ArticleScreen))


@sync
async def test_new_stays_new_until_opened_or_heard_and_the_header_counts_the_visit() -> None:
    """Three runs of the app, each a visit: an article a feed brought is new until it
    is opened or heard to the end, however many visits pass; the header also counts
    what arrived since the previous visit (recorded when the list is left)."""
    with Library.open() as library:
        tides, _ = add_feed(library, "http://tides.test/feed", "Tide Tables")
        old = _synced(library, tides.id, "Spring tides", "The harbour posts spring tables.")

    # Visit 1 (none before it): the feed's article is new; quitting records the visit.
    app = make_app(None, store=Store.open())
    async with app.run_test(size=(140, 30)):
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert _marked(screen) == {old}
        assert "Library · 1 new from your feeds (first visit)" in screen_text(app)
    with Library.open() as library:
        first_visit = previous_visit(library)
        assert first_visit is not None and first_visit > _item_added(library, old)
        # A sync after the visit brings two articles.
        one = _synced(library, tides.id, "Neap tides", "Neap tides leave the mudflats bare.")
        two = _synced(library, tides.id, "King tides", "King tides flood the harbour road.")

    # Visit 2: "Spring tides", never opened nor heard, is still new; two arrived since.
    app = make_app(None, store=Store.open())
    async with app.run_test(size=(140, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert _marked(screen) == {old, one, two}
        text = screen_text(app)
        assert text.count("● ") == 3
        assert "Library · 3 new from your feeds, 2 since your last visit (" in text
        # Opening one ends its newness; hearing one to the end does too.
        await _open(pilot, screen, one)
        await pilot.press("l")
        await until(pilot, lambda: app.screen is screen)
        with Library.open() as other:
            other.mark_listened(old)
        screen.refresh_rows()
        assert _marked(screen) == {two}
        # The feed filter keeps the marks.
        await pilot.press("l")
        await pilot.pause()
        assert screen.feed_filter == "Tide Tables" and _marked(screen) == {two}

    # Visit 3: "King tides" is still new (never opened nor heard); nothing arrived since.
    app = make_app(None, store=Store.open())
    async with app.run_test(size=(140, 30)):
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert _marked(screen) == {two}
        assert "Library · 1 new from your feeds, 0 since your last visit (" in screen_text(app)


@sync
async def test_a_library_without_feed_articles_has_no_header() -> None:
    store = Store.open()
    store.add(ARTICLE)
    app = make_app(None, store=store)
    async with app.run_test(size=(140, 30)):
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert not screen.feed_column and "Library ·" not in screen_text(app)
