"""The library screen on the real library: add by path, search, open, delete, reopen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reader.tui.article_screen import ArticleScreen
from reader.tui.library_screen import LibraryScreen
from reader.tui.store import Store
from tests.conftest import ASSETS
from tests.tui.test_tui_support import (
    ARTICLE,
    Notices,
    make_app,
    screen_text,
    sync,
    until,
    workers_done,
)

pytestmark = pytest.mark.timeout(60)


async def type_in(pilot: Any, text: str) -> None:
    """Fill the focused input at once (pressing each key costs ~70 ms) and press enter."""
    from textual.widgets import Input

    field = pilot.app.focused
    assert isinstance(field, Input)
    field.value = text
    await pilot.press("enter")


@sync
async def test_add_by_path_search_open_and_delete() -> None:
    store = Store.open()
    assert store.persistent
    store.add(ARTICLE)
    sample = ASSETS / "sample-scrape.txt"
    app = make_app(None, store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, LibraryScreen)
        assert "Ukraine claims North Korean units" in screen_text(app)
        # o: add by path; the article opens.
        await pilot.press("o")
        await type_in(pilot, str(sample))
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        title = screen.article.title or ""
        assert title and title in screen_text(app)
        # l: back to the library, which now lists both.
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        library = app.screen
        assert isinstance(library, LibraryScreen)
        assert len(library.rows) == 2
        # /: search narrows the list to the matching article.
        await pilot.press("slash", *"Kursk", "enter")
        await pilot.pause()
        assert [row.title for row in library.rows] == [ARTICLE.title]
        # enter opens it.
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.screen.article.title == ARTICLE.title  # type: ignore[attr-defined]
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        # escape clears the search; d then y deletes the article under the cursor.
        await pilot.press("escape")
        await pilot.pause()
        assert len(library.rows) == 2
        doomed = library.rows[0].title
        await pilot.press("d", "y")
        await pilot.pause()
        assert [row.title for row in library.rows] != [] and doomed not in [
            row.title for row in library.rows
        ]
    assert len(Store.open().articles()) == 1


@sync
async def test_a_bad_path_says_why_and_the_library_stays(tmp_path: Path) -> None:
    app = make_app(None)
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        await pilot.press("o")
        await type_in(pilot, str(tmp_path / "nothing-here.txt"))

        # A notification names the input and the reason (read from the app: a toast
        # wraps a long path across lines); the library is back.
        def told() -> list[str]:
            return [m for m in notices.messages if "nothing-here.txt" in m]

        await workers_done(app, pilot)  # the extraction failed
        (message,) = told()
        assert message.startswith(f"{tmp_path / 'nothing-here.txt'}: ")  # "subject: reason"
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))


@sync
async def test_an_article_reopens_where_listening_stopped() -> None:
    store = Store.open()
    article_id = store.add(ARTICLE)
    sentence = ARTICLE.sentences[6]
    store.set_position(article_id, sentence.start)
    app = make_app(None, store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.view.cursor == 6
        assert "sentence 7/" in screen_text(app)


@sync
async def test_highlights_list_jump_edit_note_delete_and_theme_cycle() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        first, later = ARTICLE.sentences[1], ARTICLE.sentences[6]
        screen.save_highlight(first.start, first.end, "")
        screen.save_highlight(later.start, later.end, "old note")
        await pilot.press("H")
        await pilot.pause()
        assert "old note" in screen_text(app)
        # The second row: edit its note.
        await pilot.press("down", "n")
        await pilot.pause()
        await pilot.press(*[("backspace") for _ in "old note"], *"new note", "enter")
        await pilot.pause()
        assert [h.note for h in screen.highlights] == [None, "new note"]  # the library's record
        # enter jumps there (the passage is selected).
        await pilot.press("enter")
        await pilot.pause()
        assert screen.view.selection == (later.start, later.end)
        # d deletes the first one.
        await pilot.press("H", "d", "y", "escape")  # d asks first; y deletes
        await pilot.pause()
        assert [(h.start, h.end) for h in screen.highlights] == [(later.start, later.end)]
        assert [h.note for h in Store.open().highlights(screen.article_id or 0)] == ["new note"]
        # t cycles the theme and saves the choice.
        assert app.theme == "reader-dark"
        await pilot.press("t")
        assert app.theme == "reader-light"
        await pilot.press("t")
        assert app.theme == "reader-high-contrast"
        from reader.config import settings

        assert settings().theme == "high-contrast"


@sync
async def test_reader_open_on_a_known_file_reopens_where_listening_stopped() -> None:
    from reader.extract import extract

    sample = str(ASSETS / "sample-scrape.txt")
    store = Store.open()
    article = extract(sample)
    article_id = store.add(article)
    target = article.sentences[5]
    store.set_position(article_id, target.start)
    highlight = article.sentences[2]
    store.add_highlight(article_id, highlight.start, highlight.end, "kept")
    app = make_app(None, source=sample)  # what `reader open FILE` builds
    async with app.run_test(size=(100, 30)) as pilot:
        await workers_done(app, pilot)  # extracted and stored
        assert getattr(app.screen, "article_id", None) == article_id
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.view.cursor == 5
        assert [(m.start, m.end, m.note) for m in screen.view.highlights] == [
            (highlight.start, highlight.end, "kept")
        ]
    assert len(Store.open().articles()) == 1  # not added twice


def test_two_articles_from_stdin_are_two_library_entries() -> None:
    from dataclasses import replace

    store = Store.open()
    first = replace(ARTICLE, source="-")
    second = replace(ARTICLE, source="-", title="Another story entirely")
    a, _ = store.add_article(first)
    b, _ = store.add_article(second)
    assert a != b
    assert store.add_article(first)[0] == a  # the same text again is the same entry


def test_a_highlight_saved_while_the_worker_adds_the_article_is_kept() -> None:
    """The screen shows an article before the extract worker has stored it; a highlight
    saved in that moment adds the article from the UI thread at the same time. Both adds
    must give one row and the highlight must stay."""
    import threading
    from dataclasses import replace

    def race(attempt: int) -> None:
        store = Store.open()
        article = replace(ARTICLE, source=f"race-{attempt}")
        ids: list[int] = []
        start = threading.Barrier(2)

        def add() -> None:
            start.wait()
            ids.append(store.add(article))

        worker = threading.Thread(target=add)
        worker.start()
        start.wait()
        own = store.add(article)
        store.add_highlight(own, 0, 10, "")
        worker.join()
        assert ids == [own]
        assert [(h.start, h.end) for h in store.highlights(own)] == [(0, 10)]
        store.close()

    for attempt in range(10):
        race(attempt)


@sync
async def test_a_bad_value_in_the_settings_file_is_shown_once() -> None:
    from reader import locations
    from reader.tui.app import create_app

    path = locations.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "neon"\n', encoding="utf-8")
    app = create_app(article=ARTICLE, null_audio=True, warm_up=False)
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        await pilot.pause()
        messages = notices.messages
        assert sum("theme = 'neon' is not allowed" in m for m in messages) == 1
        assert app.theme  # the default theme stands in


@sync
async def test_saving_the_same_passage_again_offers_its_note_instead_of_a_copy() -> None:
    # The same passage could be saved as a highlight three times.
    notices = Notices()
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        first, second = ARTICLE.sentences[1], ARTICLE.sentences[2]
        await pilot.press("j", "J", "h")
        await pilot.press(*"first", "enter")
        await pilot.pause()
        await pilot.press("g", "j", "J", "h")  # the same two sentences again
        await pilot.pause()
        assert "Already a highlight" in screen_text(app)
        assert any("already a highlight" in m for m in notices.messages)
        field = app.focused
        from textual.widgets import Input

        assert isinstance(field, Input) and field.value == "first"  # its note, to edit
        field.value = "first, edited"
        await pilot.press("enter")
        await pilot.pause()
        assert [(h.start, h.end, h.note) for h in screen.highlights] == [
            (first.start, second.end, "first, edited")
        ]
        # The cursor sentence (nothing selected) twice, and a direct second save: one each.
        await pilot.press("g", "j", "h", "enter")
        await pilot.pause()
        await pilot.press("h", "escape")
        await pilot.pause()
        screen.save_highlight(first.start, second.end, "")
        assert len(screen.highlights) == 2
        stored = Store.open().highlights(screen.article_id or 0)
        assert sorted((h.start, h.end, h.note) for h in stored) == [
            (first.start, first.end, None),
            (first.start, second.end, "first, edited"),
        ]
