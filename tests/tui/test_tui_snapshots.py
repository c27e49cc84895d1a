"""Snapshots of the reader's screens in the dark and the high-contrast theme.

Every app comes from :func:`tests.tui.test_tui_support.make_app` (the entry point's
factory) with fixed articles, a fixed export folder and a fresh library (READER_HOME
is per test), so nothing depends on the clock or the machine. Update after a deliberate change with
``pytest tests/tui/test_tui_snapshots.py --snapshot-update`` and look at the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.pilot import Pilot

from reader.config import Settings
from reader.text.article import Article, Block
from reader.tui.article_screen import ArticleScreen
from reader.tui.store import Store
from tests.tui.test_tui_support import ARTICLE, make_app

SNAPSHOTS = Path(__file__).parent / "snapshots"
SIZE = (100, 30)
THEMES = ["dark", "high-contrast"]

pytestmark = pytest.mark.timeout(120)


class _Snapshots(SVGImageExtension):
    """Keep the SVGs in tests/tui/snapshots/<test file>/ rather than __snapshots__."""

    @classmethod
    def dirname(cls, *, test_location: Any) -> str:
        return str(SNAPSHOTS / test_location.basename)


@pytest.fixture
def snapshot(snapshot: Any) -> Any:
    use_extension = snapshot.use_extension
    snapshot.use_extension = lambda extension_class=None: use_extension(_Snapshots)
    return snapshot


def _store() -> Store:
    store = Store.open()  # the real library, in this test's own READER_HOME
    assert store.persistent
    other = Article(
        blocks=(Block("paragraph", "Markets rallied on Friday. " * 40),),
        title="Markets rally as [b]inflation[/b] cools",
        date="2025-01-03",
        site="markets.example",
        source="markets.txt",
    )
    store.set_position(store.add(other), len(other.text) // 2)
    article_id = store.add(ARTICLE)
    text = ARTICLE.text
    first = ARTICLE.sentences[1]
    store.add_highlight(article_id, first.start, first.end, "the start of the offensive")
    start = text.index("The agency added")
    store.add_highlight(article_id, start, text.index("own.") + 4)
    return store


def _app(theme: str, *, article: bool = True) -> Any:
    settings = Settings(theme=theme, rate=175, export_dir="/home/reader/Music/reader")
    return make_app(ARTICLE if article else None, store=_store(), settings=settings)


@pytest.mark.parametrize("theme", THEMES)
def test_article_with_highlights_and_follow_along(snap_compare: Any, theme: str) -> None:
    async def follow_along(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        view = screen.view
        spoken = ARTICLE.sentences[5]  # the first sentence after the heading
        view.move_cursor(3)
        view.set_spoken((spoken.start, spoken.end))
        word = ARTICLE.text.index("casualties")
        view.set_word((word, word + len("casualties")))
        await pilot.pause()

    assert snap_compare(_app(theme), terminal_size=SIZE, run_before=follow_along)


@pytest.mark.parametrize("theme", THEMES)
def test_library(snap_compare: Any, theme: str) -> None:
    assert snap_compare(_app(theme, article=False), terminal_size=SIZE)


@pytest.mark.parametrize("theme", THEMES)
def test_help_screen(snap_compare: Any, theme: str) -> None:
    assert snap_compare(_app(theme), press=["question_mark"], terminal_size=(100, 50))


@pytest.mark.parametrize("theme", THEMES)
def test_export_dialog(snap_compare: Any, theme: str) -> None:
    assert snap_compare(_app(theme), press=["e"], terminal_size=SIZE)
