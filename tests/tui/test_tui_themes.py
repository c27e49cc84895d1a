"""Themes: the high-contrast theme meets WCAG AA; every theme is readable."""

from __future__ import annotations

from typing import Any

import pytest

from reader.config import THEMES as THEME_SETTINGS
from reader.tui.app import ReaderApp
from reader.tui.themes import LAYERS, THEMES, contrast, setting_name, theme_name
from tests.tui.test_tui_support import ARTICLE, SETTINGS, make_app, screen_text, sync


def _pairs(name: str) -> list[tuple[str, str, str]]:
    theme = THEMES[name]
    variables = theme.variables
    background = str(theme.background)
    pairs = [
        ("text", str(theme.foreground), background),
        ("headings", variables["reader-heading"], background),
        ("byline", variables["reader-meta"], background),
        ("margin marks", variables["reader-mark"], background),
    ]
    for layer in LAYERS:
        pairs.append((layer, variables[f"reader-{layer}-fg"], variables[f"reader-{layer}-bg"]))
    return pairs


def test_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("name", list(THEMES))
def test_every_text_colour_meets_wcag_aa(name: str) -> None:
    # AA for normal text is 4.5:1; the high-contrast theme must reach AAA's 7:1.
    minimum = 7.0 if name == "high-contrast" else 4.5
    failures = [
        f"{what}: {fg} on {bg} = {contrast(fg, bg):.2f}"
        for what, fg, bg in _pairs(name)
        if contrast(fg, bg) < minimum
    ]
    assert failures == []


def test_every_setting_has_a_theme_and_back() -> None:
    for setting in THEME_SETTINGS:
        assert setting in THEMES
        assert setting_name(theme_name(setting)) == setting


TITLE = ARTICLE.title or ""

# -- the themes the app offers (t, the command palette) --------------------------------


@sync
async def test_every_theme_the_app_offers_renders_the_article_and_its_dialogs() -> None:
    # ctrl+p -> "Change the current theme" -> dracula used to kill the app: Textual's
    # own themes do not define the $reader-* variables reader.tcss uses.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        offered = sorted(app.available_themes)
        assert offered == sorted(theme.name for theme in THEMES.values())
        for name in offered:
            app.theme = name
            await pilot.pause()
            await pilot.press("question_mark")
            await pilot.pause()
            assert "Keys" in screen_text(app)
            await pilot.press("escape")
            await pilot.pause()
            assert TITLE in screen_text(app)
        assert app.is_running and app.return_code is None


@sync
async def test_the_palette_offers_one_theme_entry_and_it_works() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Theme", "Keys", "Quit"):
            assert titles.count(title) == 1, titles
        before = app.theme
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"theme", "enter")  # "Theme": the picker of the reader's themes
        await pilot.pause(0.3)
        await pilot.press(*"light", "enter")
        await pilot.pause(0.3)
        assert app.theme != before and app.theme == "reader-light"
        assert app.is_running and TITLE in screen_text(app)


def test_an_app_that_dies_of_an_exception_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Textual prints the traceback and sets return_code = 1, but App.run returns None:
    # `reader open` exited 0 after a crash.
    import reader.tui.app as tui_app
    from reader.cli import tui as cli_tui

    class Crashing(ReaderApp):
        def on_mount(self) -> None:
            raise RuntimeError("boom")

        def run(self, *args: Any, **kwargs: Any) -> int | None:
            return super().run(headless=True, size=(80, 24))

    def crashing(source: str | None = None, **options: Any) -> ReaderApp:
        return Crashing(source, settings=SETTINGS, null_audio=True, warm_up=False)

    monkeypatch.setattr(tui_app, "create_app", crashing)
    assert cli_tui._run(None) == 1
