"""Listening in the app with the neural voice (Piper), the product's default for English.

The voice loads in a worker after the first paint; a `space` pressed before it has
loaded waits for it, with "Loading the voice" in the status line, then the passage is
heard and followed sentence by sentence as with eSpeak.
"""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Static

from reader.speech.engine import engine_thread
from reader.tui.article_screen import ArticleScreen
from tests.tui.test_tui_support import ARTICLE, make_app, sync

pytestmark = [pytest.mark.piper, pytest.mark.slow, pytest.mark.timeout(180)]


def status(screen: ArticleScreen) -> str:
    return str(screen.query_one("#status", Static).render())


@sync
async def test_space_before_the_voice_has_loaded_waits_then_follows_along() -> None:
    # The engine thread is held busy until the keypress, so the voice cannot have
    # loaded by then, whatever the speed of this machine (a model loads in 0.3-2 s).
    gate = threading.Event()
    engine_thread().submit(lambda engine: gate.wait(60))
    app = make_app(warm_up=True)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        await pilot.press("J", "space")
        await pilot.pause(0.2)
        assert not app.voice_ready and "Loading the voice" in status(screen)
        gate.set()
        for _ in range(3000):  # at most 60 s
            if screen.spoken_log:
                break
            await pilot.pause(0.02)
        assert screen.spoken_log, "nothing was heard"
        assert screen.spoken_log[0][0] == ARTICLE.sentences[0].start  # the selection
        await pilot.pause(0.1)
        assert app.voice_ready and "Loading the voice" not in status(screen)
        assert "Listening" in status(screen)


@sync
async def test_the_voice_picker_shows_the_neural_voice_first() -> None:
    from textual.widgets import OptionList

    from reader.tui.voice_picker import VoiceScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        for _ in range(1500):
            if isinstance(app.screen, VoiceScreen):
                options = app.screen.query_one(OptionList)
                if options.option_count > 2:
                    break
            await pilot.pause(0.02)
        options = app.screen.query_one(OptionList)
        first = options.get_option_at_index(2)  # after "Automatic" and "English: ..."
        assert first.id == "piper/en_US-joe-medium"
        assert "neural" in str(first.prompt)
