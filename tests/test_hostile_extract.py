"""Hostile inputs on the extraction side (issue 11): each test here failed before its fix.

The real ``reader extract`` command runs in a subprocess with a deadline where the
failure was a hang; servers run on 127.0.0.1 with bounded loops.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.config import Settings, read_settings, save_setting
from reader.errors import ConfigError, InputError
from reader.extract.sources import opens_like_html, sniff
from reader.files import read_user_file
from reader.speech.lexicon import MAX_BYTES as LEXICON_MAX
from reader.speech.lexicon import load_lexicon
from tests.test_cli_extract import reader

PROSE = (
    "The harbour master published the new tide tables on Monday, and the fishing crews "
    "began to plan their trips around the two daily high waters. "
) * 6

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


# -- 5. inputs that are not regular files, and size caps ------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    path = tmp_path / "f.txt"
    os.mkfifo(path)
    return path


@pytest.mark.timeout(60)
def test_a_named_pipe_as_input_is_refused_at_once(fifo: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(PROSE)
    result = reader(str(fifo), str(good))
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"reader: {fifo}: not a regular file (a named pipe)"
    ]
    assert result.stdout.decode().startswith("The harbour")


@pytest.mark.timeout(60)
def test_say_refuses_a_named_pipe_as_its_file(fifo: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reader", "say", "-f", str(fifo), "-o", str(fifo) + ".wav"],
        capture_output=True,
        timeout=50,
    )
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"reader: {fifo}: not a regular file (a named pipe)"
    ]


@pytest.mark.timeout(10)
def test_read_user_file_refuses_devices_folders_and_what_is_over_the_cap(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^/dev/zero: not a regular file \(a device\)$"):
        read_user_file("/dev/zero", 1024)
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_user_file(tmp_path, 1024)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(ConfigError, match=r"too large \(0.0 MB; the limit is 1024 bytes\)"):
        read_user_file(big, 1024, error=ConfigError)
    assert read_user_file(big, 2048) == b"x" * 2048


@pytest.mark.timeout(30)
def test_config_refuses_a_device_or_a_pipe_as_the_lexicon(fifo: Path) -> None:
    for path in ("/dev/zero", str(fifo)):
        with pytest.raises(ConfigError, match=r"lexicon .* is not allowed"):
            save_setting("lexicon", path)
    save_setting("lexicon", str(fifo) + ".toml")  # not there yet: made later, fine


@pytest.mark.timeout(30)
def test_a_pipe_or_an_oversized_lexicon_is_refused_when_read(fifo: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        load_lexicon(fifo)
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * LEXICON_MAX + b"\n")
    with pytest.raises(ConfigError, match="too large"):
        load_lexicon(big)


@pytest.mark.timeout(30)
def test_a_pipe_as_the_settings_file_is_a_warning_not_a_hang(fifo: Path) -> None:
    settings, problems = read_settings(fifo)
    assert settings == Settings()
    assert [str(p) for p in problems] == [
        f"{fifo}: not a regular file (a named pipe); using the defaults"
    ]
