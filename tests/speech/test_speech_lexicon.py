"""The pronunciation lexicon: parsing, errors naming the entry, applying with offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.errors import ConfigError
from reader.speech.lexicon import load_lexicon, parse_lexicon
from reader.speech.normalize import normalize

GOOD = b"""
[en]
Nguyen = "Win"
gif = "jif"
"/\\\\b(\\\\d+)\\\\s?BCE\\\\b/" = "\\\\1 before the common era"

["*"]
"Wi-Fi" = "why fye"
"""


def test_entries_apply_per_language_with_offsets() -> None:
    lexicon = parse_lexicon(GOOD, "lexicon.toml")
    text = "Nguyen sent a GIF over Wi-Fi in 300 BCE."
    spoken = normalize(text, "en", lexicon.rules("en"))
    assert spoken.text == "Win sent a jif over why fye in 300 before the common era."
    i = spoken.text.index("jif")
    a, b = spoken.span(i, i + 3)
    assert text[a:b] == "GIF"
    # French gets only the "*" entries
    assert normalize("Nguyen Wi-Fi", "fr", lexicon.rules("fr")).text == "Nguyen why fye"


def test_uppercase_keys_match_exact_case() -> None:
    lexicon = parse_lexicon(b'[en]\nUS = "U S"\n', "x.toml")
    assert normalize("US and us", "en", lexicon.rules("en")).text.startswith("U S and us")


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b'[en]\n"/(/" = "x"\n', "'/(/': bad regular expression"),
        (b"[en]\nword = 3\n", "'word': the spoken form must be a string"),
        (b'[en]\n"/(a)/" = "\\\\2"\n', "'/(a)/': bad spoken form"),
        (b'[en]\n"/a*/" = "x"\n', "matches empty text"),
        (b'[en]\nx = "[[h@l]]"\n', "may not hold '[['"),
        (b'[english]\nx = "y"\n', "[english]: not a language code"),
        (b"[en\n", "cannot be read"),
    ],
)
def test_bad_entries_name_the_file_and_entry(raw: bytes, needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_lexicon(raw, "/home/u/lexicon.toml")
    message = str(caught.value)
    assert message.startswith("/home/u/lexicon.toml: ")
    assert needle in message


def test_missing_file_is_an_empty_lexicon_and_version_follows_content(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.toml"
    assert load_lexicon(path).rules("en") == ()
    path.write_bytes(b'[en]\na = "b"\n')
    first = load_lexicon(path).version
    path.write_bytes(b'[en]\na = "c"\n')
    assert load_lexicon(path).version != first
