"""Listening in the app, on the real engine and miniaudio's null backend (real time).

Pause and resume, stop, skip with n/p, click to move playback, a rate change heard
from the next sentence, all highlights in order, and a keypress answered at once
while a long passage is being synthesized.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.message import Message

from reader.config import Settings
from reader.listening.events import SentenceStarted
from reader.speech import synthesize_article
from reader.text.article import Article, Block
from reader.tui.article_screen import ArticleScreen
from reader.tui.article_view import ArticleView
from reader.tui.messages import PlayerEvent
from tests.tui.test_tui_support import ARTICLE, make_app, screen_text, sync, until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

FAST = Settings(rate=450)
S = ARTICLE.sentences


def span(index: int) -> tuple[int, int]:
    return S[index].start, S[index].end


def screen_of(app: Any) -> ArticleScreen:
    screen = app.screen
    assert isinstance(screen, ArticleScreen)
    return screen


@sync
async def test_read_on_skip_next_and_previous_then_stop() -> None:
    app = make_app(settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = screen_of(app)
        await pilot.press("j", "space")  # nothing selected: read on from the cursor
        await until(pilot, lambda: screen.spoken_log[:1] == [span(1)])
        await pilot.press("n")
        await until(pilot, lambda: len(screen.spoken_log) >= 2)
        await pilot.press("n")
        await until(pilot, lambda: len(screen.spoken_log) >= 3)
        await pilot.press("p")
        await until(pilot, lambda: len(screen.spoken_log) >= 4)
        assert screen.spoken_log[:4] == [span(1), span(2), span(3), span(2)]
        await pilot.press("s")
        assert screen.state == "stopped" and screen.view.spoken is None
        heard = len(screen.spoken_log)
        await pilot.pause(0.5)
        assert len(screen.spoken_log) == heard  # nothing more after stop


@sync
async def test_pause_holds_the_position_and_resume_finishes() -> None:
    app = make_app(settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = screen_of(app)
        screen.view.select(*span(5))
        await pilot.press("space")
        await until(pilot, lambda: app.speaker.position() is not None)
        await pilot.pause(0.2)
        await pilot.press("space")
        assert screen.state == "paused"
        assert "⏸ Paused" in screen_text(app)
        first = app.speaker.position()
        await pilot.pause(0.4)
        assert app.speaker.position() == first  # not a frame played while paused
        await pilot.press("space")
        assert screen.state == "listening"
        await until(pilot, lambda: screen.state == "stopped")
        assert screen.spoken_log == [span(5)]


@sync
async def test_clicking_a_sentence_moves_playback_there() -> None:
    app = make_app(settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = screen_of(app)
        await pilot.press("j", "space")
        await until(pilot, lambda: bool(screen.spoken_log))
        rows = screen_text(app).splitlines()
        y = next(i for i, row in enumerate(rows) if "Analysts expect" in row)
        await pilot.click(ArticleView, offset=(rows[y].index("Analysts") + 3, y))
        target = (ARTICLE.text.index("Analysts expect"), S[-2].end)
        await until(pilot, lambda: screen.spoken_log[-1] == target)
        await pilot.press("s")


@sync
async def test_a_faster_rate_is_heard_from_the_next_sentence() -> None:
    heard: list[Any] = []

    def hook(message: Message) -> None:
        if isinstance(message, PlayerEvent) and isinstance(message.event, SentenceStarted):
            heard.append(message.event.chunk)

    app = make_app(settings=Settings(rate=300))
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        screen = screen_of(app)
        screen.view.select(S[5].start, S[6].end)
        await pilot.press("space")
        await until(pilot, lambda: len(screen.spoken_log) >= 1)
        await pilot.press("plus", "plus", "plus", "plus")  # 300 -> 400 wpm
        assert app.rate == 400
        await until(pilot, lambda: screen.state == "stopped", 60)
        assert screen.spoken_log == [span(5), span(6)]
        # The first sentence kept its rate; the others were made at the new one.
        slow = [c.duration for c in synthesize_article(ARTICLE, *span(5), rate=300)]
        fast = [c.duration for c in synthesize_article(ARTICLE, *span(6), rate=400)]
        assert screen.spoken_log[0] == span(5)
        assert heard[0].duration == pytest.approx(slow[0], rel=0.02)
        assert heard[1].duration == pytest.approx(fast[0], rel=0.02)
        assert "400 wpm" in screen_text(app)


@sync
async def test_listen_to_all_highlights_in_order() -> None:
    app = make_app(settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = screen_of(app)
        screen.save_highlight(*span(8))
        screen.save_highlight(*span(2))
        await pilot.press("a")
        await until(pilot, lambda: screen.state == "stopped")
        assert screen.spoken_log == [span(2), span(8)]


@sync
async def test_keys_answer_at_once_while_a_long_passage_is_synthesized() -> None:
    blocks = tuple(
        Block("paragraph", f"Sentence {n} of a long article about rivers and their towns. " * 5)
        for n in range(200)
    )
    article = Article(blocks=blocks, title="Long", language="en")
    app = make_app(article, settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = screen_of(app)
        screen.view.select(0, len(article.text))  # about 10,000 words
        await pilot.press("space", "escape", "g", "j", "j", "j")
        # Answered while listening: the cursor moved and the screen shows it (the
        # status line says where the voice is, the margin where the cursor is).
        assert screen.state == "listening"
        view = screen.view
        assert view.cursor == 3
        row = view._index.row_of(article.sentences[3].start) or 0
        line = screen_text(app).splitlines()[row - int(view.scroll_y)]
        assert line.lstrip().startswith("›")
        await pilot.press("s")


@sync
async def test_the_status_line_counts_the_spoken_sentence_not_the_cursor() -> None:
    # After `a` the voice was on the last paragraph while the status said "sentence 1/16".
    app = make_app(settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = screen_of(app)
        screen.save_highlight(S[5].start, S[-1].end)  # several seconds of speech
        assert screen.view.cursor == 0
        await pilot.press("a")
        await until(pilot, lambda: bool(screen.spoken_log))
        assert screen.spoken_log[0] == span(5)
        await pilot.press("space")  # paused on sentence 6: the status stays there
        assert screen.state == "paused"
        await pilot.pause()
        spoken = screen.view.sentence_at(screen.spoken_log[-1][0]) + 1
        assert spoken >= 6
        assert f"sentence {spoken}/{len(S)}" in screen_text(app)
        assert screen.view.cursor == 0
        await pilot.press("s")
        await pilot.pause()
        # Stopped: the place is kept, and the cursor is there (space goes on from it).
        assert screen.view.cursor == spoken - 1
        assert f"sentence {spoken}/{len(S)}" in screen_text(app)


@sync
async def test_voice_picker_lists_the_engine_voices_and_sets_one() -> None:
    from reader.speech import voices
    from reader.tui.dialogs import ConfirmScreen
    from reader.tui.voice_picker import VoiceScreen

    german = next(v for v in voices() if any(lang.startswith("de") for lang in v.languages))
    app = make_app(settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, VoiceScreen))
        picker = app.screen
        from textual.widgets import OptionList

        options = picker.query_one(OptionList)
        await until(pilot, lambda: options.option_count > 1)
        index = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == german.id
        )
        options.highlighted = index
        await pilot.press("enter")  # German for an English article: asked first
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.voice == german.id
        assert f"voice {german.id}" in screen_text(app)


@sync
async def test_skipping_stays_inside_the_selection() -> None:
    # With sentences 3-4 selected, `space n n` read on into the rest of the article.
    app = make_app(settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = screen_of(app)
        screen.view.select(S[2].start, S[3].end)
        await pilot.press("space")
        await until(pilot, lambda: screen.spoken_log[:1] == [span(2)])
        await pilot.press("p")  # before the first sentence asked for: it again
        await until(pilot, lambda: len(screen.spoken_log) >= 2)
        await pilot.press("n")
        await until(pilot, lambda: len(screen.spoken_log) >= 3)
        await pilot.press("n")  # on the last sentence asked for: it goes on to its end
        await until(pilot, lambda: screen.state == "stopped")
        assert screen.spoken_log == [span(2), span(2), span(3)]


@sync
async def test_skipping_through_highlights_goes_from_one_to_the_next() -> None:
    app = make_app(settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = screen_of(app)
        screen.save_highlight(*span(8))
        screen.save_highlight(*span(2))
        await pilot.press("a")
        await until(pilot, lambda: screen.spoken_log[:1] == [span(2)])
        await pilot.press("n")  # the next sentence asked for is the next highlight's
        await until(pilot, lambda: len(screen.spoken_log) >= 2)
        await pilot.press("p")  # and back
        await until(pilot, lambda: len(screen.spoken_log) >= 3)
        await pilot.press("n", "n")  # the second press, at once: already on the last
        await until(pilot, lambda: screen.state == "stopped")
        assert screen.spoken_log == [span(2), span(8), span(2), span(8)]


@sync
async def test_a_rate_change_on_the_last_sentence_asked_for_does_not_read_on() -> None:
    app = make_app(settings=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = screen_of(app)
        screen.view.select(*span(5))
        await pilot.press("space")
        await until(pilot, lambda: bool(screen.spoken_log))
        await pilot.press("plus")
        await until(pilot, lambda: screen.state == "stopped")
        assert screen.spoken_log == [span(5)]
