"""The session player in the app: the voice outlives the screen, the player's keys work
on every screen, the queue advances by itself, the library shows what was heard, the
place survives quitting, and the terminal's cursor follows the voice. Real engine
(eSpeak), miniaudio's null backend (real time), a real library file."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import DataTable

from reader.config import Settings
from reader.library import Library
from reader.text.article import Article, Block
from reader.tui.article_screen import ArticleScreen
from reader.tui.dialogs import HighlightsScreen
from reader.tui.library_screen import LibraryScreen
from reader.tui.now_playing import NowPlaying
from reader.tui.queue_screen import QueueScreen
from reader.tui.store import Store
from tests.tui.test_tui_support import ARTICLE, Notices, make_app, screen_text, sync, until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

FAST = Settings(rate=450)
# Short articles for what plays whole (real time: the null backend takes audio as a card).
RIVERS = Article(
    blocks=(
        Block(
            "paragraph",
            "The rivers rise in spring. Snow melts in the hills above the valley. "
            "The water reaches the towns within a week.",
        ),
    ),
    title="Rivers in spring",
    site="rivers.example",
    language="en",
    source="rivers.txt",
)
SECOND = Article(
    blocks=(Block("paragraph", "Bridges carry the roads north. They were built long ago."),),
    title="Bridges of the north",
    site="bridges.example",
    language="en",
    source="bridges.txt",
)


def _store() -> Store:
    store = Store.open()
    if not store.persistent:
        pytest.skip(f"the real library is needed here: {getattr(store, 'reason', '')}")
    return store


def now_playing(app) -> str:
    return "\n".join(line.line for line in app.screen.query(NowPlaying))


@sync
async def test_the_voice_goes_on_over_the_library_and_its_keys_work_there() -> None:
    app = make_app(settings=FAST, store=_store())
    async with app.run_test(size=(120, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        player = app.session.player
        await pilot.press("space")  # read on from the cursor (the title)
        await until(pilot, lambda: len(screen.spoken_log) >= 2)
        await pilot.press("l")  # the library: the voice goes on
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        heard = len(screen.spoken_log)
        await until(pilot, lambda: len(screen.spoken_log) > heard)
        assert player.status == "playing"
        await pilot.pause(0.6)
        line = now_playing(app)
        assert line.startswith("▶ Playing 0:") and " left · " in line and "wpm" in line
        assert line.endswith(
            "Ukraine claims North Korean units suffering heavy losses (example.news)"
        )
        await pilot.press("space")  # pause, from the library
        assert str(player.status) == "paused"
        await pilot.pause(0.6)
        assert now_playing(app).startswith("⏸ Paused ")
        await pilot.press("space")
        assert player.status == "playing"
        await pilot.press("minus")  # slower, from the library: shown as a multiple too
        assert app.session.rate == 425
        await pilot.pause(0.6)
        assert "2.43x 425 wpm" in now_playing(app)
        await pilot.press("f")  # go to what is playing
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("s")  # stop keeps the place; the cursor is there
        assert str(player.status) == "stopped"
        assert screen.view.cursor == screen.view.sentence_at(player.place)


@sync
async def test_a_dialog_over_the_article_keeps_the_voice_going() -> None:
    app = make_app(settings=FAST, store=_store())
    async with app.run_test(size=(120, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        screen.save_highlight(ARTICLE.sentences[3].start, ARTICLE.sentences[3].end)
        await pilot.press("space")
        await until(pilot, lambda: len(screen.spoken_log) >= 1)
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HighlightsScreen))
        heard = len(screen.spoken_log)
        await until(pilot, lambda: len(screen.spoken_log) > heard)
        await pilot.press("escape")
        await pilot.press("s")


@sync
async def test_h_while_listening_saves_the_sentence_being_heard() -> None:
    app = make_app(settings=FAST, store=_store())
    async with app.run_test(size=(120, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        await pilot.press("space")
        await until(pilot, lambda: len(screen.spoken_log) >= 3)
        await pilot.press("space")  # paused on a sentence: h saves that one
        spoken = screen.spoken_log[-1]
        assert screen.view.cursor == 0  # the cursor stayed at the top
        await pilot.press("h")
        await pilot.press("enter")
        await pilot.pause()
        sentence = ARTICLE.sentences[screen.view.sentence_at(spoken[0])]
        assert [(h.start, h.end) for h in screen.highlights] == [(sentence.start, sentence.end)]


@sync
async def test_the_queue_advances_by_itself_and_says_what_comes_next() -> None:
    store = _store()
    first = store.add(RIVERS)
    second = store.add(SECOND)
    notices = Notices()
    app = make_app(None, settings=FAST, store=store)
    async with app.run_test(size=(120, 32), message_hook=notices.hook) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        table = library.query_one(DataTable)
        for ident in (first, second):  # a queues the article under the cursor
            table.move_cursor(row=[r.id for r in library.rows].index(ident))
            await pilot.press("a")
        assert store.queue() == [first, second]
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        queue = app.screen
        assert "Bridges of the north" in screen_text(app)
        await pilot.press("J")  # move the first down: the bridges play first
        assert store.queue() == [second, first]
        await pilot.press("K")
        assert store.queue() == [first, second]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is library)
        await pilot.press("space")  # nothing playing: the queue plays
        await until(
            pilot, lambda: any("Next: Bridges of the north" in m for m in notices.messages), 60
        )
        await until(pilot, lambda: app.session.player.program is None, 60)
        assert any(m.startswith("Finished: Rivers in spring") for m in notices.messages)
        assert any(m.startswith("Finished: Bridges of the north") for m in notices.messages)
        assert store.queue() == []
        library.refresh_rows()
        await pilot.pause()
        heard = {row.id: row.listened for row in library.rows}
        assert heard[first] and heard[second]
        assert "✓ all" in screen_text(app)  # a mark, not colour alone
        del queue


@sync
async def test_the_place_survives_quitting_and_the_next_run_offers_to_continue() -> None:
    store = _store()
    ident = store.add(replace(ARTICLE, source="continue.txt"))
    app = make_app(None, settings=FAST, store=store)
    async with app.run_test(size=(120, 32)) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await pilot.press("a")
        await pilot.press("space")
        player = app.session.player
        await until(pilot, lambda: player.place > ARTICLE.sentences[3].start)
        place = player.place
    with Library.open() as library_file:
        saved = library_file.get(ident).position
        assert saved == place and library_file.queue() == [ident]
    notices = Notices()
    app = make_app(None, settings=FAST, store=Store.open())
    async with app.run_test(size=(120, 32), message_hook=notices.hook) as pilot:
        await until(pilot, lambda: any(m.startswith("Continue: ") for m in notices.messages))
        (offer,) = [m for m in notices.messages if m.startswith("Continue: ")]
        assert "Ukraine claims North Korean units" in offer and " left" in offer
        await pilot.pause(0.6)
        assert now_playing(app).startswith("Continue: Ukraine claims")
        await pilot.press("space")
        player = app.session.player
        await until(pilot, lambda: player.sounding is not None)
        sounding = player.sounding
        assert sounding is not None and sounding.start == saved  # on from where it stopped


@sync
async def test_the_library_shows_progress_and_marks_both_ways() -> None:
    store = _store()
    ident = store.add(ARTICLE)
    store.set_position(ident, len(ARTICLE.text) // 2)
    app = make_app(None, settings=FAST, store=store)
    async with app.run_test(size=(120, 32)) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        assert "50%" in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert library.rows[0].listened and "✓ all" in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert not library.rows[0].listened and "✓ all" not in screen_text(app)


@sync
async def test_the_terminal_cursor_sits_on_the_sentence_being_spoken() -> None:
    app = make_app(settings=FAST, store=_store())
    async with app.run_test(size=(120, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        await pilot.pause(0.2)
        view = screen.view
        top = app.cursor_position
        await pilot.press("space")
        await until(pilot, lambda: len(screen.spoken_log) >= 3)
        await pilot.press("space")  # paused: the voice holds its sentence
        await pilot.pause(0.2)
        spoken = view.spoken
        assert spoken is not None
        caret = view.caret_at(spoken[0])
        assert caret is not None
        x, y = caret
        region = view.content_region
        assert (app.cursor_position.x, app.cursor_position.y) == (region.x + x, region.y + y)
        assert app.cursor_position != top
        row = screen_text(app).splitlines()[app.cursor_position.y]
        assert ARTICLE.text[spoken[0] : spoken[0] + 8] in row


@sync
async def test_the_app_is_a_media_player_on_the_session_bus(tmp_path, monkeypatch) -> None:
    import sys

    from reader.listening.bus import HAVE_JEEPNEY
    from tests.listening.test_listening_mpris import BUSCTL, DBUS_DAEMON, Daemon, call, prop

    if DBUS_DAEMON is None or BUSCTL is None or not HAVE_JEEPNEY or sys.platform != "linux":
        pytest.skip("needs dbus-daemon and busctl (systemd) and jeepney, on Linux")
    daemon = Daemon(tmp_path)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", daemon.address)
    try:
        app = make_app(settings=FAST, store=_store())
        async with app.run_test(size=(120, 32)) as pilot:
            screen = app.screen
            assert isinstance(screen, ArticleScreen)
            await pilot.press("space")
            await until(pilot, lambda: len(screen.spoken_log) >= 1)
            await until(pilot, lambda: app.session._remote is not None, 10)
            assert prop(daemon.address, "PlaybackStatus") == "Playing"
            title = prop(daemon.address, "Metadata")["xesam:title"]["data"]
            assert title == ARTICLE.title
            call(daemon.address, "Pause")  # a media key, from outside
            await until(pilot, lambda: screen.state == "paused", 10)
            call(daemon.address, "PlayPause")
            await until(pilot, lambda: screen.state == "listening", 10)
            await pilot.press("s")
    finally:
        daemon.stop()


@sync
async def test_the_highlights_dialog_listens_without_closing_and_asks_before_deleting() -> None:
    store = _store()
    app = make_app(settings=FAST, store=store)
    async with app.run_test(size=(120, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        screen.save_highlight(ARTICLE.sentences[5].start, ARTICLE.sentences[5].end, "why")
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HighlightsScreen))
        dialog = app.screen
        await pilot.press("space")  # listens; the dialog stays, so keys typed next stay here
        await until(pilot, lambda: bool(screen.spoken_log))
        assert app.screen is dialog
        assert screen.spoken_log[0] == (ARTICLE.sentences[5].start, ARTICLE.sentences[5].end)
        await pilot.press("d")  # asks first
        await pilot.pause()
        assert len(screen.highlights) == 1 and app.screen is not dialog
        await pilot.press("n")  # no: nothing deleted
        await pilot.pause()
        assert app.screen is dialog and len(store.highlights(screen.article_id or 0)) == 1
        await pilot.press("d", "y")
        await pilot.pause()
        assert store.highlights(screen.article_id or 0) == []
        await pilot.press("escape")


@sync
async def test_the_faster_key_reaches_the_fastest_rate_and_stops_there() -> None:
    from reader.config import RATE_MAX

    notices = Notices()
    app = make_app(settings=Settings(rate=RATE_MAX - 2 * 25))
    async with app.run_test(size=(120, 32), message_hook=notices.hook) as pilot:
        for _ in range(3):
            await pilot.press("plus")
        assert app.session.rate == app.session.player.rate == RATE_MAX
        assert app.session.player.now_playing().multiple == pytest.approx(3.0)
        assert any(f"{RATE_MAX} wpm (3.00x)" in n.message for n in notices.shown)
