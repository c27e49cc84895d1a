"""Highlights the library could not place after the article changed, in the TUI.

On the real SQLite library (READER_HOME is a temp folder per test): an article gets a
highlight, a changed text of the same source detaches it, and the TUI must say so once,
list it in the highlights dialog, marked, with its quote and note, refuse to jump to it
or play it, and delete it from the library when asked.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reader.text.article import Article, Block
from reader.tui.article_screen import ArticleScreen
from reader.tui.dialogs import HighlightsScreen
from reader.tui.store import Store
from tests.tui.test_tui_support import Notices, make_app, screen_text, sync, until, workers_done

pytestmark = pytest.mark.timeout(60)

GONE = "The ferry [bold]timetable[/bold] was read aloud at the meeting."
KEPT = "Residents complained that the morning boat leaves too early."
NOTE = "ask about [@click=app.quit]winter[/] boats"

BEFORE = Article(
    blocks=(
        Block("paragraph", f"The harbour council met on Tuesday. {GONE}"),
        Block("paragraph", f"{KEPT} The council promised a revised timetable."),
    ),
    title="Harbour council",
    language="en",
    source="harbour.txt",
)
AFTER = replace(
    BEFORE,
    blocks=(
        Block("paragraph", "UPDATE: corrected on Wednesday. The harbour council met."),
        Block("paragraph", f"{KEPT} The council promised a revised timetable."),
    ),
)


def detach() -> tuple[Store, int, int, int]:
    """An article with two highlights; its new text keeps one passage, loses the other."""
    store = Store.open()
    article_id = store.add(BEFORE)
    text = BEFORE.text
    gone = store.add_highlight(article_id, text.index(GONE), text.index(GONE) + len(GONE), NOTE)
    kept = store.add_highlight(article_id, text.index(KEPT), text.index(KEPT) + len(KEPT), "")
    assert store.add(AFTER) == article_id  # same source: replaced, highlights re-anchored
    assert [h.id for h in store.detached_highlights(article_id)] == [gone]
    assert [h.id for h in store.highlights(article_id)] == [kept]
    return store, article_id, gone, kept


def told(notices: Notices) -> list[str]:
    return [m for m in notices.messages if "could not be placed" in m]


@sync
async def test_detached_highlights_are_listed_marked_not_jumpable_and_deletable() -> None:
    store, article_id, gone, kept = detach()
    app = make_app(None, store=store, article_id=article_id)
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen), 20)
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        await pilot.pause()
        # One notification: how many, and where to see them.
        (message,) = told(notices)
        assert message.startswith("1 saved highlight could not be placed")
        assert "press H" in message
        # Only the placed one is drawn in the text; the status line counts the other.
        assert [m.id for m in screen.view.highlights] == [kept]
        assert [(h.id, h.text, h.note) for h in screen.detached] == [(gone, GONE, NOTE)]
        assert "1 highlight · 1 not found in the text (H)" in screen_text(app)

        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HighlightsScreen), 20)
        shown = screen_text(app)
        assert "not found in the current text" in shown
        assert "✗" in shown
        # Quote and note as plain text: the markup in them is shown, not applied.
        assert "[bold]timetable[/bold]" in shown
        assert "ask about [@click=a" in shown
        assert "Residents complained" in shown  # the placed one is listed too

        # The detached row (after the placed one): enter neither jumps nor closes.
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HighlightsScreen)
        assert screen.view.selection is None
        await pilot.press("space")
        await pilot.pause()
        assert isinstance(app.screen, HighlightsScreen)
        assert screen.state == "stopped"
        assert any("nothing to jump to" in m for m in notices.messages)

        # d deletes it once confirmed, from the library too; the placed one stays.
        await pilot.press("d")
        await pilot.pause()
        assert screen.detached  # asked first: nothing deleted yet
        await pilot.press("y")
        await pilot.pause()
        assert screen.detached == []
        assert "not found in the current text" not in screen_text(app)
        assert Store.open().detached_highlights(article_id) == []
        assert [h.id for h in Store.open().highlights(article_id)] == [kept]
        await pilot.press("escape")
        await pilot.pause()
        assert "not found in the text" not in screen_text(app)
        assert len(told(notices)) == 1  # said once


@sync
async def test_reopening_a_changed_file_says_how_many_could_not_be_placed(
    tmp_path: Path,
) -> None:
    """The real path: `reader open FILE` on a file whose text changed since a highlight."""
    from reader.extract import extract

    path = tmp_path / "harbour.txt"
    first = "Harbour council\n\n" + "\n\n".join(
        [
            "The harbour council met on Tuesday evening to talk about the ferries.",
            f"{GONE} Nobody objected to the plan at first.",
            f"{KEPT} The council promised a revised timetable before summer.",
        ]
    )
    path.write_text(first + "\n", encoding="utf-8")
    store = Store.open()
    article = extract(str(path))
    article_id, _ = store.add_article(article)
    quote = "The ferry [bold]timetable[/bold] was read aloud"
    start = article.text.index(quote)
    store.add_highlight(article_id, start, start + len(quote), "first note")
    store.add_highlight(article_id, start, start + len("The ferry"), "second note")
    store.close()

    path.write_text(
        first.replace(f"{GONE} Nobody objected", "Everyone objected") + "\n", encoding="utf-8"
    )
    app = make_app(None, source=str(path))
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        await workers_done(app, pilot)  # extracted, stored, detached ones read
        assert getattr(app.screen, "article_id", None) == article_id
        assert told(notices)
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        (message,) = told(notices)
        assert message.startswith("2 saved highlights could not be placed")
        assert sorted(str(h.note) for h in screen.detached) == ["first note", "second note"]
        assert screen.highlights == []
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HighlightsScreen), 20)
        shown = screen_text(app)
        assert shown.count("not found in the current text") >= 2
        assert "first note" in shown and "second note" in shown
