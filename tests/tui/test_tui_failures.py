"""A worker that fails (opening a source, listening, exporting) is told once, as one
notification with its title, and the screen is put back: no loading screen that stays,
no "Listening" that never ends, no progress bar left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.config import Settings
from reader.tui.article_screen import ArticleScreen
from reader.tui.dialogs import AddScreen, ExportScreen
from reader.tui.library_screen import LibraryScreen
from reader.tui.store import MemoryStore
from tests.tui.test_tui_support import Notices, make_app, sync, until

pytestmark = pytest.mark.timeout(120)


def errors(notices: Notices) -> list[tuple[str, str]]:
    return [(n.title, n.message) for n in notices.shown if n.severity == "error"]


@sync
async def test_a_source_that_cannot_be_opened_is_told_and_the_library_comes_back(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-article.html"
    app = make_app(None, store=MemoryStore("a test"))
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, AddScreen))
        app.screen.query_one("#source").value = str(missing)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: bool(errors(notices)))
        await app.workers.wait_for_complete()
        await pilot.pause()
        ((title, message),) = errors(notices)
        assert title == "Cannot open"
        assert message.startswith(str(missing))
        assert isinstance(app.screen, LibraryScreen)


@sync
async def test_a_voice_that_cannot_speak_is_told_once_and_listening_stops() -> None:
    app = make_app(settings=Settings(theme="dark", rate=175, voice="no-such-voice-xyz"))
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        await pilot.press("space")
        await until(pilot, lambda: bool(errors(notices)))
        await app.workers.wait_for_complete()
        await pilot.pause()
        ((title, message),) = errors(notices)
        assert title == "Cannot speak"
        assert "no-such-voice-xyz" in message
        assert screen.state == "stopped"
        assert "Stopped" in str(screen.query_one("#status").render())


@sync
async def test_an_export_into_a_file_is_told_once_and_the_progress_bar_goes(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    app = make_app(settings=Settings(theme="dark", rate=175, export_dir=str(blocker / "out")))
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        await pilot.press("enter")
        await until(pilot, lambda: bool(errors(notices)))
        await app.workers.wait_for_complete()
        await pilot.pause()
        ((title, message),) = errors(notices)
        assert title == "Export failed"
        assert str(blocker) in message
        assert not screen.query("#export-progress")
        assert screen.exported == []


@sync
async def test_a_source_given_on_the_command_line_that_fails_ends_the_app_with_its_error() -> None:
    """`reader open URL` on a URL that cannot be fetched: the app ends and the command
    line prints the error (one line, exit status 2); nothing is shown in the app."""
    source = "http://127.0.0.1:9/unreachable"  # the discard port: nothing listens there
    app = make_app(None, source=source, store=MemoryStore("a test"))
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        await until(pilot, lambda: app.error is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.error is not None and str(app.error).startswith(source)
    assert app.return_value == app.error.exit_code == 2
    assert errors(notices) == []


def test_without_sqlite_the_session_keeps_highlights_in_memory_as_the_library_would() -> None:
    """A Python without sqlite3 cannot load reader.library; the TUI still opens an article
    and saves highlights for the session, as the library's own record type."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['sqlite3'] = None\n"  # as on a build without it
        "from reader.extract import extract_text\n"
        "from reader.tui.store import MemoryStore, Store\n"
        "store = Store.open()\n"
        "assert isinstance(store, MemoryStore), store\n"
        "article = extract_text('One sentence here. Another one there.', source='x')\n"
        "ident = store.add(article)\n"
        "later = article.sentences[1]\n"
        "store.add_highlight(ident, later.start, later.end, 'a note')\n"
        "store.add_highlight(ident, 0, 3)\n"
        "for h in store.highlights(ident):\n"
        "    print(type(h).__module__, type(h).__name__, repr(h.text), repr(h.note), sep='|')\n"
        "print(store.reason, 'reader.library' in sys.modules, sep='|')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "reader.text.highlight|Highlight|'One'|None",
        "reader.text.highlight|Highlight|'Another one there.'|'a note'",
        "the library is not available in this build|False",
    ]
