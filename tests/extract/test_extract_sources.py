"""Reading inputs: sizes, binary content, decoding, control characters, HTML or text."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest

from reader.errors import InputError
from reader.extract import sources
from reader.extract.sources import (
    decode,
    load,
    load_bytes,
    repair_mojibake,
    sniff,
    strip_invisible,
)
from reader.text.sanitize import strip_controls

GERMAN = "Die Bürger von Köln grüßen „die Gäste“ – Straße, Öl, Äpfel; 5 € pro Stück.\n"
FRENCH = "Le café où l’on mange une crème brûlée: « très bon », dit Zoë.\n"


@pytest.mark.parametrize("text", [GERMAN, FRENCH])
def test_cp1252_without_declaration_decodes(text: str) -> None:
    assert decode(text.encode("cp1252"))[0] == text


def test_latin1_without_declaration_decodes() -> None:
    text = "Le garçon de Genève a payé 12 francs pour un déjeuner à la française, ça va.\n"
    assert decode(text.encode("latin-1"))[0] == text


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_byte_order_marks(codec: str) -> None:
    data = GERMAN.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    assert decode(data)[0] == GERMAN


def test_utf16_file_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "scrape.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + (GERMAN * 3).encode("utf-16-le"))
    loaded = load(str(path))
    assert loaded.text == GERMAN * 3
    assert loaded.kind == "text"


def test_declared_charset_and_meta_charset() -> None:
    assert decode(GERMAN.encode("cp1252"), "iso-8859-1")[0] == GERMAN  # WHATWG: latin-1 = cp1252
    page = f'<html><head><meta charset="windows-1252"></head><body>{GERMAN}</body></html>'
    assert GERMAN in decode(page.encode("cp1252"))[0]


def test_valid_utf8_wins_over_a_wrong_latin1_label() -> None:
    page = f'<meta charset="iso-8859-1"><p>{GERMAN}</p>'
    assert GERMAN in decode(page.encode("utf-8"))[0]


def test_one_stray_byte_does_not_turn_a_utf8_page_into_mojibake() -> None:
    data = ("Zażółć gęślą jaźń. " * 50).encode() + b"\x93oops\x94 " + ("Łódź. " * 50).encode()
    text, codec = decode(data)
    assert codec == "utf-8"
    assert "Zażółć gęślą jaźń." in text and "Łódź." in text


def test_ansi_escapes_and_control_characters_are_stripped() -> None:
    raw = "\x1b[1;31mBreaking\x1b[0m news\x07 from the\x00 quay\r\n"
    raw += "\x1b]0;title\x07Second\x0c line\x7f"
    assert strip_controls(raw) == "Breaking news from the quay\nSecond\n line"
    loaded = load_bytes(raw.encode() + b" " + GERMAN.encode(), "-")
    assert (
        "\x1b" not in loaded.text and "\x00" not in loaded.text and "Breaking news" in loaded.text
    )


def test_mojibake_is_repaired() -> None:
    original = "Die Österreichische Plattform für Alleinerziehende – „zitiert“ – kostet 5 €."
    broken = original.encode("utf-8").decode("cp1252", errors="replace")
    assert broken != original
    assert repair_mojibake(broken) == original
    latin1 = original.replace("–", "-").replace("„", '"').replace("“", '"').replace("€", "EUR")
    assert repair_mojibake(latin1.encode("utf-8").decode("latin-1")) == latin1


def test_real_latin_text_is_not_touched_by_the_mojibake_repair() -> None:
    # "Ã¼" would decode, but the line also holds text no single-byte decoder produced.
    assert repair_mojibake("Ça va, à bientôt ≠ Ã¼ber") == "Ça va, à bientôt ≠ Ã¼ber"
    assert repair_mojibake("São Paulo e Brasília") == "São Paulo e Brasília"


def test_mojibake_with_c1_bytes_is_repaired_before_controls_are_stripped() -> None:
    # A file that is valid UTF-8 of text once read as Latin-1: the curly quotes became
    # "â" + two C1 control characters. Stripping controls first would leave "â" alone.
    original = "Sie sagte: „Wir bleiben“ – und “we stay”, für immer.\n"
    broken = original.encode("utf-8").decode("latin-1")
    assert "\x80" in broken or "\x9c" in broken
    loaded = load_bytes(broken.encode("utf-8"), "-")
    assert loaded.text == original
    assert strip_controls(broken) != original  # the order matters


def test_invisible_characters_have_one_set() -> None:
    text = "soft\u00adhyphen zero\u200bwidth word\u2060joiner \ufeffbom \u200emark\u200f"
    assert strip_invisible(text) == "softhyphen zerowidth wordjoiner bom mark"
    # Zero-width (non-)joiners shape Persian and emoji sequences and stay.
    assert strip_invisible(
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001f469\u200d\U0001f4bb"
    ) == ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001f469\u200d\U0001f4bb")


def test_empty_inputs(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.txt: empty file$"):
        load(str(empty))
    blank = tmp_path / "blank.html"
    blank.write_bytes(b"  \n\t\n")
    with pytest.raises(InputError, match="empty file"):
        load(str(blank))
    with pytest.raises(InputError, match=r"^-: empty input$"):
        load_bytes(sources.read_stdin(io.BytesIO(b"")), "-")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive (or an office document)"),
        (bytes(range(256)) * 40, "binary data"),
    ],
)
def test_binary_files_are_refused(tmp_path: Path, data: bytes, what: str) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        load(str(path))
    assert str(info.value) == f"{path}: not an HTML page or text ({what})"


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written
    with pytest.raises(InputError) as info:
        load(str(path))
    assert str(info.value) == f"{path}: too large (50.0 MB; the limit is 20 MB)"


def test_stdin_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_BYTES", 1000)
    with pytest.raises(InputError, match=r"^-: too large"):
        sources.read_stdin(io.BytesIO(b"x" * 1001))


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="is a folder, not a file"):
        load(str(tmp_path))


def test_sniff_decides_from_content_not_name() -> None:
    page = "<!doctype html><html><body><p>Hi</p></body></html>"
    assert sniff(page, "saved.txt") == "html"
    assert sniff("  <!-- saved -->\n<html lang=en><p>x</p></html>") == "html"
    prose = "A story about the <p> tag and why it matters.\n" * 5
    assert sniff(prose, "notes.txt") == "text"
    assert sniff("Just a copied page.\nWith lines.\n", "copied.html") == "text"
    fragment = "<div><p>one</p><p>two</p><p>three</p></div>"
    assert sniff(fragment, "fragment.html") == "html"
    assert sniff(fragment) == "html"
