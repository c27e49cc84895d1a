"""The library screen with articles from feeds: a Feed column, new ones marked, `l`
showing one feed's articles after another's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reader.library.feeds import add_feed, record_item
from reader.tui.library_screen import LibraryScreen
from reader.tui.store import Store
from tests.test_tui_support import ARTICLE, make_app, screen_text, sync

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
        assert text.count("● ") == 2 and "2 new from feeds" in text
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
