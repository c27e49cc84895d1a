"""Dialogs at the sizes people use: everything reachable, buttons on the screen, and
the page never touching a dialog's border (110x32, a common window, and 60x20)."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from reader.tui.app import ReaderApp
from reader.tui.dialogs import ConfirmScreen, Dialog, ExportScreen, HelpScreen
from reader.tui.library_screen import LibraryScreen
from reader.tui.store import Store
from tests.tui.test_tui_support import ARTICLE, make_app, screen_text, sync

pytestmark = pytest.mark.timeout(60)

SIZES = [(110, 32), (60, 20)]


def shown(app: ReaderApp) -> str:
    return screen_text(app)


def assert_clear_of_the_page(app: ReaderApp) -> None:
    """No character of the page right beside the dialog's border (it read as `█k`)."""
    screen = app.screen
    assert isinstance(screen, Dialog)
    box = screen.query_one("#box").region
    rows = screen_text(app).splitlines()
    for y in range(box.y, box.bottom):
        row = rows[y].ljust(app.size.width)
        beside = row[box.x - 1 : box.x] + row[box.right : box.right + 1]
        assert beside.strip() == "", (y, rows[y])


def assert_buttons_on_screen(app: ReaderApp) -> None:
    buttons = list(app.screen.query(Button))
    assert buttons
    for button in buttons:
        assert app.screen.region.contains_region(button.region), (button.id, button.region)
        assert str(button.label) in shown(app)


@pytest.mark.parametrize("size", SIZES)
@sync
async def test_every_key_in_help_can_be_scrolled_to(size: tuple[int, int]) -> None:
    # At 32 rows the "Everywhere" section and the library's d, / and esc were cut off.
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert_clear_of_the_page(app)
        last = ("Command palette", "Mark listened / not", "Quit")
        if size[1] < 40:
            assert "Command palette" not in shown(app)  # below the fold at first
        await pilot.press("end")
        await pilot.pause()
        for description in last:
            assert description in shown(app)
        await pilot.press("g")  # back to the top
        await pilot.pause()
        assert "Next sentence" in shown(app) and "Command palette" not in shown(app)
        for _ in range(80):  # j scrolls a row at a time, to the end
            await pilot.press("j")
        await pilot.pause()
        assert "Command palette" in shown(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", SIZES)
@sync
async def test_the_export_dialog_fits_with_its_buttons(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert_buttons_on_screen(app)
        assert_clear_of_the_page(app)
        assert "↑↓ choose" in shown(app)  # the hint, docked below the buttons
        await pilot.press("tab")  # to the folder field: scrolled into view
        await pilot.pause()
        folder = app.screen.query_one("#folder")
        assert app.screen.region.contains_region(folder.region)
        assert app.focused is folder


@pytest.mark.parametrize("size", SIZES)
@sync
async def test_the_delete_question_fits_with_its_buttons(size: tuple[int, int]) -> None:
    store = Store.open()
    store.add(ARTICLE)
    app = make_app(None, store=store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert_buttons_on_screen(app)
        assert_clear_of_the_page(app)
        await pilot.press("n")


@pytest.mark.parametrize("key", ["h", "H", "v"])
@sync
async def test_other_dialogs_are_clear_of_the_page(key: str) -> None:
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, Dialog)
        assert_clear_of_the_page(app)
        assert app.screen.query_one("#box-foot").region.bottom <= app.size.height
        if key == "h":  # the note field has the focus: typing goes straight into it
            assert app.focused is app.screen.query_one("#note")
