"""reader.text.sanitize: text from outside, safe to print, tag and use as a name."""

from __future__ import annotations

import re

import pytest

from reader.text.sanitize import one_line, safe_text, strip_bidi, strip_controls


def test_osc_title_sequence_and_bell_are_removed() -> None:
    assert one_line("\x1b]0;PWNED\x07Title") == "Title"


def test_csi_colour_and_c1_controls_are_removed() -> None:
    assert strip_controls("\x1b[31mred\x1b[0m\x9b2Jx\x00\x7f") == "redx"


def test_bidi_override_cannot_disguise_a_name() -> None:
    assert one_line("Evil \u202egnp.exe\u202c") == "Evil gnp.exe"
    assert strip_bidi("a\u2066b\u2069c\u061cd\u200fe") == "abcde"


def test_one_line_folds_line_breaks_and_tabs() -> None:
    assert one_line("  a\n\tb\r\nc  ") == "a b c"


def test_safe_text_keeps_lines_and_rtl_marks_but_not_overrides() -> None:
    assert safe_text("שלום\u200f\nb\u202ec") == "שלום\u200f\nbc"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("unit", ["\x1b]", "\x1b[", "\x9b", "\x1b[0;" * 3])
def test_patterns_stay_linear_on_unterminated_sequences(unit: str) -> None:
    # An unterminated escape repeated many times: a backtracking pattern would take
    # quadratic time or worse and hit the timeout; a linear one finishes at once.
    out = one_line(unit * 50_000)
    assert "\x1b" not in out and "\x9b" not in out
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", out)
