"""The command palette does what its entries say, once each; small terminals keep the
library's essential columns and every field of a dialog on screen (issue 19, 3.5-3.6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from reader.config import settings
from reader.tui.dialogs import ExportScreen
from reader.tui.library_screen import LibraryScreen
from reader.tui.store import Store
from tests.tui.test_tui_support import ARTICLE, Notices, make_app, screen_text, sync, until

pytestmark = pytest.mark.timeout(60)


@sync
async def test_every_palette_entry_has_its_own_name_on_every_screen() -> None:
    store = Store.open()
    store.add(ARTICLE)
    app = make_app(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        for screen_key in (None, "l", "u"):
            if screen_key:
                await pilot.press(screen_key)
                await pilot.pause()
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert len(titles) == len(set(titles)), titles
            assert "Theme" in titles and "Screenshot" in titles


@sync
async def test_the_theme_entry_picks_a_theme_and_it_is_remembered() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        (theme,) = [c for c in app.get_system_commands(app.screen) if c.title == "Theme"]
        theme.callback()  # the picker, with the reader's themes only
        await pilot.pause()
        await pilot.press(*"contrast")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: app.theme == "reader-high-contrast")
        await pilot.pause()
    assert settings().theme == "high-contrast"


@sync
async def test_a_screenshot_goes_to_a_folder_that_exists_and_says_where(
    reader_home: Path,
) -> None:
    notices = Notices()
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        (shot,) = [c for c in app.get_system_commands(app.screen) if c.title == "Screenshot"]
        assert "screenshots" in shot.help
        shot.callback()
        await until(pilot, lambda: any(m.startswith("Saved ") for m in notices.messages))
    (line,) = [m for m in notices.messages if m.startswith("Saved ")]
    path = Path(line.removeprefix("Saved "))
    assert path.is_file() and path.parent == reader_home / "data" / "screenshots"
    assert path.read_text(encoding="utf-8").startswith("<svg")


@sync
async def test_a_small_terminal_keeps_the_libraries_essential_columns() -> None:
    store = Store.open()
    store.add(ARTICLE)
    app = make_app(None, store=store)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await pilot.pause(0.3)
        table = screen.query_one(DataTable)
        assert [str(c.label) for c in table.columns.values()][:1] == ["Title"]
        header = screen_text(app).splitlines()[3]
        for label in ("Title", "Listen", "Heard"):
            assert label in header
        assert table.virtual_size.width <= 60  # nothing off-screen to the right
        await pilot.resize_terminal(140, 30)
        await pilot.pause(0.3)
        labels = [str(c.label) for c in table.columns.values()]
        assert {"Site", "Date", "Highl."} <= set(labels)


@sync
async def test_a_small_terminal_shows_every_field_of_the_export_dialog() -> None:
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        await pilot.pause(0.3)
        folder = app.screen.query_one("#folder", Input)
        assert app.screen.region.contains_region(folder.region)
        assert folder.region.height == 3  # the whole field, border and text
        row = screen_text(app).splitlines()[folder.region.y + 1]
        assert "/reader-home" in row  # the folder, on screen
