"""The whole job, end to end, on the real parts: the speech engine, miniaudio (null
backend, which plays in real time), the SQLite library and the MP3 encoder.

Open an article, select two sentences by keyboard, listen (the chunks heard cover
exactly the selection, and follow-along moves sentence by sentence), save the
highlight, start a new app on the same library (the highlight is there, at the same
place), export (an MP3 with one chapter per highlight; two, since the exporter gives a
single highlight no chapter list).
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from textual.message import Message

from reader.config import Settings
from reader.listening.events import SentenceStarted
from reader.tui.article_column import MARK_HIGHLIGHT, MARK_NOTE
from reader.tui.article_screen import ArticleScreen
from reader.tui.messages import PlayerEvent
from reader.tui.store import Store
from tests.tui.test_tui_support import ARTICLE, make_app, screen_text, sync, until, workers_done

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _library() -> Store:
    store = Store.open()
    if not store.persistent:
        pytest.skip(f"the real library is needed here: {getattr(store, 'reason', '')}")
    return store


@sync
async def test_select_listen_highlight_reopen_and_export(tmp_path: Path) -> None:
    settings = Settings(rate=450, export_dir=str(tmp_path / "exports"))
    heard: list[tuple[int, int]] = []

    def hook(message: Message) -> None:
        if isinstance(message, PlayerEvent) and isinstance(message.event, SentenceStarted):
            heard.append((message.event.chunk.start, message.event.chunk.end))

    app = make_app(store=_library(), settings=settings, warm_up=True)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        article_id = screen.article_id
        assert article_id is not None
        await pilot.press("j", "J")
        first, second = ARTICLE.sentences[1], ARTICLE.sentences[2]
        selection = (first.start, second.end)
        assert screen.view.selection == selection
        await pilot.press("space")
        shown = screen
        await until(pilot, lambda: shown.state == "stopped", 60)  # listened to the end
        # The chunks heard cover exactly the selection, in order, nothing else.
        assert heard and heard[0][0] == selection[0] and heard[-1][1] == selection[1]
        for (_, end), (start, _) in itertools.pairwise(heard):
            assert ARTICLE.text[end:start].strip() == ""
        # Follow-along moved sentence by sentence.
        assert screen.spoken_log == heard, (screen.spoken_log, heard)
        assert [(s.start, s.end) for s in (first, second)] == heard
        assert screen.view.spoken is None  # cleared when done
        await pilot.press("h")
        await pilot.press(*"why it matters", "enter")
        await pilot.pause()
        assert [(h.start, h.end, h.note) for h in screen.highlights] == [
            (*selection, "why it matters")
        ]

    # A new app on the same library: the highlight is there, at the same place.
    app = make_app(store=_library(), settings=settings, article_id=article_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert [(h.start, h.end) for h in screen.highlights] == [selection]
        assert [(m.start, m.end) for m in screen.view.highlights] == [selection]
        rows = screen_text(app).splitlines()
        row = next(r for r in rows if "Ukrainian forces launched" in r)
        assert MARK_NOTE in row
        assert MARK_HIGHLIGHT in next(r for r in rows if "The move undermined" in r)
        # Listening stopped at the end of the selection: the cursor is back there.
        assert ARTICLE.sentences[screen.view.cursor].start >= second.start
        # A second highlight (the cursor sentence, no note), then export both.
        await pilot.press("right_curly_bracket", "right_curly_bracket", "h", "enter")
        await pilot.pause()
        third = ARTICLE.sentences[screen.view.cursor]
        assert [(h.start, h.end) for h in screen.highlights] == [
            selection,
            (third.start, third.end),
        ]
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await workers_done(app, pilot)  # the export
        await asyncio.sleep(0)

    (path,) = [Path(p) for p in screen.exported]
    assert path.suffix == ".mp3" and path.parent == tmp_path / "exports"
    from mutagen.id3 import ID3

    tags = ID3(path)
    chapters = tags.getall("CHAP")
    assert len(chapters) == 2, tags.pprint()  # one per highlight
    assert tags.getall("CTOC")


@sync
async def test_export_one_file_per_highlight_into_the_chosen_folder(tmp_path: Path) -> None:
    folder = tmp_path / "chosen"
    app = make_app(settings=Settings(rate=450, export_dir=str(tmp_path / "default")))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        for index in (1, 5):
            sentence = ARTICLE.sentences[index]
            screen.save_highlight(sentence.start, sentence.end)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("down", "tab")  # "one file each", then the folder field
        field = app.focused
        from textual.widgets import Input

        assert isinstance(field, Input)
        field.value = str(folder)
        await pilot.press("enter")
        await workers_done(app, pilot)  # the export
    names = sorted(Path(p).name for p in screen.exported)
    assert [Path(p).parent for p in screen.exported] == [folder, folder]
    assert names[0].endswith(" - 01.mp3") and names[1].endswith(" - 02.mp3")
    assert sorted(p.name for p in folder.iterdir()) == names  # no temporary file left
