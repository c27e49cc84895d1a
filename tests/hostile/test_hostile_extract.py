"""Hostile inputs on the extraction side (issue 11): each test here failed before its fix.

The real ``reader extract`` command runs in a subprocess with a deadline where the
failure was a hang; servers run on 127.0.0.1 with bounded loops.
"""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.cli import main
from reader.config import Settings, read_settings, save_setting
from reader.errors import ConfigError, FetchError, InputError
from reader.extract import fetch
from reader.extract.sources import opens_like_html, sniff, url_hint
from reader.files import read_user_file
from reader.speech.lexicon import MAX_BYTES as LEXICON_MAX
from reader.speech.lexicon import load_lexicon
from tests.cli.test_cli_extract import reader

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


# -- 3. the fetch deadline bounds headers and body -------------------------------------------------

SLOW_BODY = b"<html><body><p>" + b"slow " * 40 + b"</p></body></html>"
SLOW_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
    + b"X-Padding: "
    + b"p" * 60
    + b"\r\n"
    + f"Content-Length: {len(SLOW_BODY)}\r\n\r\n".encode()
)
GZIP_BODY = gzip.compress(SLOW_BODY)


class HostileServer:
    """A raw HTTP server on 127.0.0.1: one thread per connection, bounded loops.

    ``/trickle-head`` sends its status line and headers one byte per 0.1 s;
    ``/trickle-body`` its headers at once and the body one byte per 0.1 s (each would take
    15 s or more in full); ``/escape`` answers 500 with a reason phrase holding an ANSI
    colour; ``/bad-gzip`` claims gzip and sends plain bytes. ``sent[path]`` counts the
    bytes each trickle got out before the client hung up.
    """

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.sent: dict[str, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        for _ in range(600):  # at most 2 minutes of accepting
            if self.stop.is_set():
                return
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            request = conn.recv(65536).decode("latin-1")
            path = request.split(" ")[1] if " " in request else "/"
            if path == "/escape":
                conn.sendall(
                    b"HTTP/1.1 500 \x1b[31mRed\x1b]0;PWNED\x07\r\nContent-Length: 0\r\n\r\n"
                )
                return
            if path == "/bad-gzip":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
                    + f"Content-Length: {len(SLOW_BODY)}\r\n\r\n".encode()
                    + SLOW_BODY
                )
                return
            if path == "/trickle-head":
                head, tail = b"", SLOW_HEAD + SLOW_BODY
            else:
                head, tail = SLOW_HEAD, SLOW_BODY * 4
            self.sent[path] = 0
            try:
                conn.sendall(head)
                for byte in tail:  # bounded: len(tail) steps of 0.1 s
                    if self.stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    self.sent[path] += 1
                    time.sleep(0.1)
            except OSError:  # the client hung up: what we wanted
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def _reader_lines(err: str) -> list[str]:
    """Our lines of stderr (another test's server thread may log there meanwhile)."""
    return [line for line in err.splitlines() if line.startswith("reader:")]


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer()
    try:
        yield server
    finally:
        server.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", ["/trickle-head", "/trickle-body"])
def test_the_deadline_bounds_a_trickling_fetch_headers_included(
    hostile: HostileServer,
    path: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(fetch, "DEADLINE", 1.5)
    url = hostile.url + path
    assert main(["extract", url]) == 2
    assert _reader_lines(capsys.readouterr().err) == [
        f"reader: {url}: the download took longer than 1.5 s (the limit for a whole fetch)"
    ]
    # The fetch hung up long before the server was done (15 s a byte at a time).
    time.sleep(0.3)
    total = len(SLOW_HEAD + SLOW_BODY) if path == "/trickle-head" else len(SLOW_BODY) * 4
    assert 0 < hostile.sent[path] < total / 2


@pytest.mark.timeout(30)
def test_a_reason_phrase_with_escapes_is_printed_clean(
    hostile: HostileServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = hostile.url + "/escape"
    assert main(["extract", url]) == 2
    assert _reader_lines(capsys.readouterr().err) == [f"reader: {url}: HTTP 500 Red"]


@pytest.mark.timeout(30)
def test_a_gzip_decoding_failure_is_one_clean_reason(hostile: HostileServer) -> None:
    url = hostile.url + "/bad-gzip"
    with pytest.raises(FetchError) as info:
        fetch.fetch(url)
    assert info.value.reason == (
        "the compressed content could not be decoded (damaged Content-Encoding data)"
    )


# -- 4. escapes and bidi controls from outside ---------------------------------------------------

PARAGRAPHS = "".join(
    f"<p>Paragraph {i}: the harbour master publishes the tide tables every week, and the "
    "fishing crews plan their trips around the two daily high waters.</p>"
    for i in range(5)
)
HOSTILE_PAGE = (
    "<html><head><title>&#27;]0;PWNED&#7;Title &#x202E;gnp.exe&#x202C;</title>"
    '<meta name="author" content="Jo&#27;[31m Doe&#8238;"></head><body><article>'
    "<p>The &#27;[31mharbour&#27;[0m opened &#x9b;2J at dawn, as every week in the season "
    "when the tides allow the crews to leave before six.</p>"
    + PARAGRAPHS
    + "</article></body></html>"
)
UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c")


def _assert_clean(*texts: str) -> None:
    for text in texts:
        assert not any(ch in text for ch in UNSAFE), repr(text)


@pytest.mark.timeout(60)
def test_control_references_in_a_page_leave_no_escape_in_the_article() -> None:
    from reader.extract import extract_html

    article = extract_html(HOSTILE_PAGE)
    assert article.title == "Title gnp.exe"
    assert article.authors == ("Jo Doe",)
    assert article.blocks[0].text.startswith("The harbour opened at dawn,")
    assert len(article.blocks) == 6  # the paragraph holding the escapes is kept
    _assert_clean(article.text, article.to_markdown(), article.to_json(), *article.authors)


@pytest.mark.timeout(60)
def test_reader_extract_prints_no_escape_in_any_format(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(HOSTILE_PAGE)
    for fmt in ("text", "markdown", "json"):
        result = reader(str(page), "--format", fmt)
        assert result.returncode == 0, result.stderr
        _assert_clean(result.stdout.decode())
        assert "Title gnp.exe" in result.stdout.decode() or fmt == "text"


def test_an_article_made_from_outside_data_is_cleaned_where_it_is_made() -> None:
    from reader.text.article import Article, Block

    article = Article.from_dict(
        {
            "title": "Evil \u202egnp.exe\u202c\x1b]0;x\x07",
            "authors": ["A\x1b[31mB", "\x07"],
            "site": "Site\u2066\n",
            "blocks": [
                {"kind": "paragraph", "text": "Right\u202eto left \x1b[2Jtext\u200f."},
                {"kind": "paragraph", "text": "\x1b[0m"},
            ],
        }
    )
    assert article.title == "Evil gnp.exe"
    assert article.authors == ("AB",)
    assert article.site == "Site"
    # Body text keeps its right-to-left mark but not the override.
    assert article.blocks == (Block("paragraph", "Rightto left text\u200f."),)


# -- 10, 21. extract -o: a symbolic link in the way, file modes --------------------------------


@pytest.mark.timeout(60)
def test_a_symlink_at_an_output_name_fails_that_input_only(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    first, second = folder / "first.txt", folder / "second.txt"
    first.write_text(PROSE)
    second.write_text(PROSE.replace("harbour", "river"))
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "elsewhere.txt"
    (out / "first.txt").symlink_to(outside)
    result = reader(str(first), str(second), "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"reader: {first}: cannot write {out / 'first.txt'} (a symbolic link is there; "
        "not replaced)"
    ]
    assert not outside.exists()
    assert (out / "second.txt").read_text().startswith("The river")
    assert sorted(p.name for p in out.iterdir()) == ["first.txt", "second.txt"]  # no temp left


@pytest.mark.timeout(60)
def test_extract_output_files_get_the_umask_mode(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text(PROSE)
    old = os.umask(0o022)
    try:
        result = reader(str(source), "-o", str(tmp_path / "out"))
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "a.txt").stat().st_mode & 0o777 == 0o644


# -- 22. a wall of text is an article ------------------------------------------------------------

WALL_SENTENCES = [
    "The council met on Tuesday evening to discuss the harbour budget for the coming year.",
    "Several members argued that the plan would cost far more than the town could afford.",
    "Others said that the repairs to the old sea wall had been delayed for far too long.",
    "A fisherman who spoke at the meeting thanked the crews for their support in the storm.",
    "The treasurer promised new figures before the next session, which is set for spring.",
    "Residents who subscribe to the local paper had read about the plan in the autumn.",
    "In the end the vote was postponed, and the chair closed the meeting just after nine.",
]


def _wall(words: int) -> str:
    out: list[str] = []
    i = 0
    while sum(len(s.split()) for s in out) < words:
        out.append(WALL_SENTENCES[i % len(WALL_SENTENCES)].replace("the ", f"the {i} ", 1))
        i += 1
    return " ".join(out)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("words", [1500, 2500, 6000])
def test_a_wall_of_text_is_kept_and_split_into_paragraphs(words: int) -> None:
    from reader.extract import extract_text

    wall = _wall(words)
    article = extract_text(wall)
    assert " ".join(b.text for b in article.blocks) == wall  # every sentence kept, in order
    assert len(article.blocks) >= words // 150
    assert all(b.text.endswith(".") for b in article.blocks)  # cut at sentence ends
    assert all(len(b.text) <= 1500 for b in article.blocks)


@pytest.mark.timeout(60)
def test_reader_extract_reads_a_pasted_wall_of_text(tmp_path: Path) -> None:
    paste = tmp_path / "paste.txt"
    paste.write_text(_wall(2500) + "\n")
    result = reader(str(paste))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().count("\n\n") >= 15


# -- 21. smaller things ----------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_a_host_name_without_a_scheme_suggests_the_url(tmp_path: Path) -> None:
    result = reader("example.com", "notes.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "reader: example.com: no such file (for the web page, give https://example.com)",
        "reader: notes.txt: no such file",
    ]
    assert url_hint("www.example.org/story?id=3") == "https://www.example.org/story?id=3"
    assert url_hint("report.pdf") is None
    assert url_hint("a" * 5000 + ".") is None


def test_a_title_made_from_the_body_has_no_ellipsis_and_names_files_cleanly() -> None:
    from reader.export.names import safe_stem
    from reader.extract import extract_text

    article = extract_text(_wall(300))
    assert article.title_from_body
    assert (
        article.title
        == "The council met on Tuesday evening to discuss the 0 harbour budget for the coming year"
    )
    assert article.name == article.title
    assert not safe_stem(article.name).endswith("…")


@pytest.mark.timeout(30)
def test_reader_open_refuses_a_named_pipe_before_the_screen(fifo: Path) -> None:
    from reader.cli.tui import _check_file

    with pytest.raises(InputError) as info:
        _check_file(str(fifo))
    assert str(info.value) == f"{fifo}: not a regular file (a named pipe)"


def test_the_sentence_splitter_gets_bounded_windows_of_a_huge_paragraph(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """sentencex is quadratic on runs such as "<!--" (80,000 of them: 43 s in one
    paragraph of a pasted file): it only ever sees windows of segment.WINDOW."""
    import sentencex

    from reader.text import segment

    segment.split_sentences("The language check runs once.")
    seen: list[int] = []
    real = sentencex.segment

    def spy(language: str, text: str):
        seen.append(len(text))
        return real(language, text)

    monkeypatch.setattr(sentencex, "segment", spy)
    text = "<!---->" * 30_000 + "x"
    spans = segment.split_sentences(text)
    assert seen and max(seen) <= segment.WINDOW
    assert sum(seen) == len(text)
    assert all(0 <= a < b <= len(text) for a, b in spans)


def test_windows_leave_ordinary_prose_split_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.text import segment
    from tests.conftest import ROOT

    pages = sorted((ROOT / "docs").glob("*.md"))  # long ordinary prose: the manual
    text = " ".join(" ".join(page.read_text("utf-8") for page in pages).split())
    assert len(text) > 3 * segment.WINDOW
    windowed = segment.split_sentences(text)
    monkeypatch.setattr(segment, "WINDOW", len(text) + 1)
    assert windowed == segment.split_sentences(text)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("unit", ["!-", "<!---->", "a. 1. "])
def test_sentence_splitting_stays_linear_on_megabytes(unit: str) -> None:
    """Before: sentencex on the whole paragraph (hours for 3 MB of "!-") and a repair
    pass that searched each growing merged span again (quadratic). The timeout is the
    only bound; nothing is timed."""
    from reader.text.segment import split_sentences

    text = unit * (3_000_000 // len(unit))
    spans = split_sentences(text)
    assert spans and spans[0][0] >= 0 and spans[-1][1] <= len(text)
