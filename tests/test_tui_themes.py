"""Themes: the high-contrast theme meets WCAG AA; every theme is readable."""

from __future__ import annotations

import pytest

from reader.config import THEMES as THEME_SETTINGS
from reader.tui.themes import LAYERS, THEMES, contrast, setting_name, theme_name


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
