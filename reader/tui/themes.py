"""The reader's three themes: dark, light and high-contrast (WCAG AA).

Each layer the article view draws (highlight, selection, cursor, spoken sentence,
spoken word) sets both its foreground and its background, so its contrast can be
checked pair by pair (``tests/tui/test_tui_themes.py`` does, against WCAG's 4.5:1 for
text). The colours reach ``reader.tcss`` as theme variables (``$reader-*``).
"""

from __future__ import annotations

from textual.theme import Theme

# The variables every theme defines (names without the "$").
LAYERS = ("highlight", "selection", "cursor", "spoken", "word")


def _theme(
    name: str,
    *,
    dark: bool,
    foreground: str,
    background: str,
    surface: str,
    panel: str,
    primary: str,
    accent: str,
    heading: str,
    meta: str,
    mark: str,
    layers: dict[str, tuple[str, str]],
) -> Theme:
    variables = {
        "reader-heading": heading,
        "reader-meta": meta,
        "reader-mark": mark,
    }
    for layer, (fg, bg) in layers.items():
        variables[f"reader-{layer}-fg"] = fg
        variables[f"reader-{layer}-bg"] = bg
    assert set(layers) == set(LAYERS)
    return Theme(
        name=f"reader-{name}",
        primary=primary,
        secondary=accent,
        accent=accent,
        foreground=foreground,
        background=background,
        surface=surface,
        panel=panel,
        warning="#d7a000" if dark else "#8a5a00",
        error="#ff6b6b" if dark else "#b00020",
        success="#5fd75f" if dark else "#1e7b1e",
        dark=dark,
        variables=variables,
    )


THEMES: dict[str, Theme] = {
    "dark": _theme(
        "dark",
        dark=True,
        foreground="#e4e4e4",
        background="#1c1c1c",
        surface="#262626",
        panel="#303030",
        primary="#5f87d7",
        accent="#87afff",
        heading="#87afff",
        meta="#b2b2b2",
        mark="#d7af5f",
        layers={
            "highlight": ("#1c1c1c", "#d7af5f"),
            "selection": ("#ffffff", "#3a5f9f"),
            "cursor": ("#ffffff", "#3a3a3a"),
            "spoken": ("#000000", "#87d787"),
            "word": ("#000000", "#d7ffaf"),
        },
    ),
    "light": _theme(
        "light",
        dark=False,
        foreground="#1c1c1c",
        background="#fafaf5",
        surface="#efefe8",
        panel="#e4e4dc",
        primary="#1f5fbf",
        accent="#1f5fbf",
        heading="#1f4f9f",
        meta="#505050",
        mark="#8a5a00",
        layers={
            "highlight": ("#1c1c1c", "#ffe58a"),
            "selection": ("#000000", "#b8d4ff"),
            "cursor": ("#000000", "#e6e6de"),
            "spoken": ("#000000", "#aee5ae"),
            "word": ("#000000", "#7fd27f"),
        },
    ),
    "high-contrast": _theme(
        "high-contrast",
        dark=True,
        foreground="#ffffff",
        background="#000000",
        surface="#000000",
        panel="#1a1a1a",
        primary="#ffff00",
        accent="#00ffff",
        heading="#00ffff",
        meta="#ffffff",
        mark="#ffff00",
        layers={
            "highlight": ("#000000", "#ffff00"),
            "selection": ("#000000", "#00ffff"),
            "cursor": ("#000000", "#ffffff"),
            "spoken": ("#000000", "#00ff00"),
            "word": ("#ffffff", "#0000c0"),
        },
    ),
}


def theme_name(setting: str) -> str:
    """The Textual theme name for a settings value ("dark" -> "reader-dark")."""
    return THEMES.get(setting, THEMES["dark"]).name


def setting_name(theme: str) -> str:
    """The settings value for a Textual theme name ("reader-dark" -> "dark")."""
    return theme.removeprefix("reader-")


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two "#rrggbb" colours."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
