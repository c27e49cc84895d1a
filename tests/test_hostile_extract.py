"""Hostile inputs on the extraction side (issue 11): each test here failed before its fix.

The real ``reader extract`` command runs in a subprocess with a deadline where the
failure was a hang; servers run on 127.0.0.1 with bounded loops.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.extract.sources import opens_like_html, sniff
from tests.test_cli_extract import reader

# -- 1. exponential regular expression in the sniffer ---------------------------------------------


@pytest.mark.timeout(60)
def test_a_run_of_empty_comments_does_not_hang_reader_extract(tmp_path: Path) -> None:
    page = tmp_path / "r.txt"
    page.write_text("<!---->" * 40 + "x")  # took ~4**20 steps in the old _HTML_START
    result = reader(str(page))
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [f"reader: {page}: no article text found"]


@pytest.mark.timeout(10)
def test_sniff_skips_comments_and_an_xml_declaration_before_the_html() -> None:
    assert opens_like_html("<!-- a -->\n<?xml version='1.0'?><!--b--> <!DOCTYPE html><p>x")
    assert opens_like_html("  <html lang='en'>")
    assert not opens_like_html("<!-- never closed <html>")
    assert not opens_like_html("<!---->" * 5000 + "x")
    assert sniff("<!---->" * 1000 + "<body>x</body>") == "html"
