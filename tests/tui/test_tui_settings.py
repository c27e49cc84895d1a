"""Changing the rate or the voice in the TUI is saved as the default, and says so."""

from __future__ import annotations

from reader.config import settings
from reader.tui.article_screen import ArticleScreen
from tests.tui.test_tui_support import Notices, make_app, sync


@sync
async def test_a_rate_change_is_remembered_as_the_default_and_says_so() -> None:
    notices = Notices()
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        await pilot.press("plus")
        await pilot.pause()
        assert app.rate == 200
    assert settings().rate == 200  # the next session starts at it
    assert "200 wpm (1.14x): remembered as the default" in notices.messages


@sync
async def test_a_voice_change_is_remembered_as_the_default_and_says_so() -> None:
    notices = Notices()
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        screen.use_voice("en")
        await pilot.pause()
    assert settings().voice == "en"
    assert "voice en: remembered as the default" in notices.messages
