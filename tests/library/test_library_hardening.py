"""Issue 11, the library side: hostile ids, limits, queries, imported files and text.

Every command runs through the real entry point (``reader.cli.main``) on a real library
file under the test's ``READER_HOME``; bad input must give one line on stderr and a
non-zero status, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader.cli import main
from tests.conftest import ASSETS

SAMPLE = str(ASSETS / "sample-scrape.txt")
HUGE = "99999999999999999999999"  # beyond SQLite's 64-bit integers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line(err: str) -> str:
    """The single stderr line a bad input gives (no traceback, nothing else)."""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("reader: ")
    return err.strip()


# -- 8. big integers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ("show", HUGE),
        ("rm", HUGE),
        ("highlights", HUGE),
        ("highlight", HUGE, "--text", "flood"),
        ("open", HUGE),
    ],
    ids=["show", "rm", "highlights", "highlight", "open"],
)
def test_a_huge_id_is_not_in_the_library(capsys, argv: tuple[str, ...]) -> None:
    run(capsys, "add", SAMPLE)
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert one_line(err) == f"reader: article {HUGE}: not in the library"


@pytest.mark.parametrize("label", [HUGE, f"library:{HUGE}"])
def test_export_of_a_huge_library_id_fails_that_item_only(
    capsys, tmp_path: Path, label: str
) -> None:
    status, _, err = run(capsys, "export", label, "-o", str(tmp_path), "--quiet")
    assert status != 0 and "Traceback" not in err
    assert err.splitlines()[0] == f"reader: {label}: not in the library"
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("command", ["list", "search"])
def test_a_huge_limit_is_one_line(capsys, command: str) -> None:
    run(capsys, "add", SAMPLE)
    argv = [command, "--limit", HUGE] + (["flood"] if command == "search" else [])
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert one_line(err).startswith(f"reader: --limit {HUGE}: give a whole number from 1 to ")


def test_ids_that_are_not_numbers_are_one_line(capsys) -> None:
    status, _, err = run(capsys, "show", "²")  # str.isdigit says yes, int() says no
    assert status == 2 and one_line(err).startswith("reader: ²: not an article id")
    status, _, err = run(capsys, "show", "abc")
    assert status == 2 and one_line(err).startswith("reader: abc: not an article id")
    status, _, err = run(capsys, "list", "--limit", "0")
    assert status == 2 and one_line(err).startswith("reader: --limit 0:")


def test_rm_goes_on_after_a_bad_id(capsys) -> None:
    run(capsys, "add", SAMPLE)
    status, out, err = run(capsys, "rm", HUGE, "x", "1")
    assert status == 2 and out.startswith("removed 1:")
    assert err.splitlines() == [
        f"reader: article {HUGE}: not in the library",
        "reader: x: not an article id (a whole number, as `reader list` shows)",
    ]


def test_the_largest_id_sqlite_holds_is_simply_absent(capsys) -> None:
    status, _, err = run(capsys, "show", str(2**63 - 1))
    assert status == 2 and one_line(err) == f"reader: article {2**63 - 1}: not in the library"


# -- 21. "99: article 99: not in the library" ---------------------------------------------


def test_export_of_an_absent_id_says_it_once(capsys, tmp_path: Path) -> None:
    status, _, err = run(capsys, "export", "99", "-o", str(tmp_path), "--quiet")
    assert status != 0
    assert err.splitlines()[0] == "reader: 99: not in the library"


# -- 11. repeated search words ---------------------------------------------------------


@pytest.mark.timeout(20)
def test_five_thousand_repeats_of_a_word_return_promptly(capsys) -> None:
    run(capsys, "add", SAMPLE)
    status, out, _ = run(capsys, "search", *(["a"] * 5000))
    assert status == 0 and out.startswith("1: ")


@pytest.mark.timeout(20)
def test_repeats_differing_in_case_are_asked_once(capsys) -> None:
    run(capsys, "add", SAMPLE)
    status, out, _ = run(capsys, "search", "--json", *(["Flood", "flood", "FLOOD"] * 800))
    assert status == 0 and [hit["id"] for hit in json.loads(out)] == [1]


def test_too_many_words_or_too_long_a_query_is_one_line(capsys) -> None:
    run(capsys, "add", SAMPLE)
    status, _, err = run(capsys, "search", *(f"w{i}" for i in range(33)))
    assert status == 2 and one_line(err) == (
        "reader: search: too many different words (at most 32)"
    )
    status, _, err = run(capsys, "search", *(f"w{i}" for i in range(32)))
    assert status == 1 and not err  # 32 is allowed: nothing matches all of them
    status, _, err = run(capsys, "search", "x" * 300)
    assert status == 2 and "at most 256" in one_line(err)
    status, _, err = run(capsys, "search", *(["a"] * 17000))
    assert status == 2 and "too long" in one_line(err)


# -- 7. `reader library import` checks the whole document first --------------------------


@pytest.fixture
def export_doc(tmp_path: Path) -> dict:
    """A real export: the sample article with a highlight and an export record, and a
    feed it came from."""
    from reader.extract import extract
    from reader.library import Library
    from reader.library.feeds import add_feed, record_item

    with Library.open(tmp_path / "source.sqlite3") as library:
        ident = library.add(extract(SAMPLE)).id
        library.add_highlight(ident, 10, 40, note="a note")
        library.record_export(ident, "/music/x.mp3", {"voice": "en"})
        feed, _ = add_feed(library, "https://example.test/feed.xml", "Example")
        record_item(library, feed.id, "guid-1", "https://example.test/1", ident, "added")
        library.export_json(tmp_path / "good.json")
    return json.loads((tmp_path / "good.json").read_text(encoding="utf-8"))


def _set(doc: dict, path: str, value: object) -> dict:
    """``doc`` with the value at a dotted path (``articles.0.article.title``) replaced."""
    *parents, last = path.split(".")
    node: object = doc
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value  # type: ignore[index]
    return doc


MALFORMED = [
    ("articles.0.id", 2**63, "$.articles[0].id: 9223372036854775808 is out of range"),
    ("articles.0.position", "abc", "$.articles[0].position: expected an integer, got a string"),
    (
        "articles.0.article.authors",
        [{}],
        "$.articles[0].article.authors[0]: expected a string, got an object",
    ),
    (
        "articles.0.article.blocks",
        "abc",
        "$.articles[0].article.blocks: expected a list, got a string",
    ),
    (
        "articles.0.article.language",
        {},
        "$.articles[0].article.language: expected a string, got an object",
    ),
    ("articles.0.source", 5, "$.articles[0].source: expected a string, got an integer"),
    (
        "articles.0.article.title",
        ["a", "list"],
        "$.articles[0].article.title: expected a string, got a list",
    ),
    ("articles.0.added", {"a": 1}, "$.articles[0].added: expected a string, got an object"),
    (
        "articles.0.article.date",
        20240101,
        "$.articles[0].article.date: expected a string, got an integer",
    ),
    (
        "articles.0.article.title",
        12345,
        "$.articles[0].article.title: expected a string, got an integer",
    ),
    (
        "articles.0.highlights.0.start",
        2**64,
        "$.articles[0].highlights[0].start: 18446744073709551616 is out of range",
    ),
    ("exports.0.id", -1, "$.exports[0].id: -1 is out of range"),
    ("exports.0.settings", [], "$.exports[0].settings: expected an object, got a list"),
    ("version", True, "$.version: export version True is not supported"),
    ("articles.0.article.language", "../../x", "$.articles[0].article.language: '../../x' is not"),
    ("articles.0.highlights.0.color", "red;x", "$.articles[0].highlights[0].color: use one of"),
    ("feeds", "x", "$.feeds: expected a list, got a string"),
    (
        "feeds.0.url",
        "file:///etc/passwd",
        "$.feeds[0].url: 'file:///etc/passwd' is not an http(s) address",
    ),
    ("feeds.0.url", None, "$.feeds[0].url: expected a string, got null"),
    ("feeds.0.failures", -1, "$.feeds[0].failures: -1 is out of range"),
    ("feeds.0.kind", "gopher", "$.feeds[0].kind: 'gopher' is not one of rss, atom, json"),
    ("feeds.0.added", 7, "$.feeds[0].added: expected a string, got an integer"),
    ("feeds.0.items", {}, "$.feeds[0].items: expected a list, got an object"),
    ("feeds.0.items.0.guid", ["x"], "$.feeds[0].items[0].guid: expected a string, got a list"),
    (
        "feeds.0.items.0.article_id",
        "1",
        "$.feeds[0].items[0].article_id: expected an integer, got a string",
    ),
    ("feeds.0.items.0.status", "stolen", "$.feeds[0].items[0].status: 'stolen' is not one of"),
]


@pytest.mark.parametrize(
    ("where", "value", "reason"), MALFORMED, ids=[f"{w}={v!r}"[:60] for w, v, _ in MALFORMED]
)
def test_a_malformed_import_is_one_line_and_writes_nothing(
    capsys, tmp_path: Path, export_doc: dict, where: str, value: object, reason: str
) -> None:
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps(_set(export_doc, where, value)), encoding="utf-8")
    status, out, err = run(capsys, "library", "import", str(bad))
    assert status == 2 and not out
    line = one_line(err)
    assert line.startswith(f"reader: {bad}: {reason}"), line
    assert "damaged" not in line and "repair" not in line
    assert run(capsys, "list", "--json")[1] == "[\n\n]\n"  # nothing written
    assert run(capsys, "feeds", "list", "--json")[1] == "[]\n"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # A lone surrogate is valid JSON but not text: SQLite would refuse it half-way.
        ('"title": "x\\ud800y"', "$.articles[0].article.title: a lone surrogate (\\ud800)"),
        (None, "cannot be read as JSON (nested too deeply)"),
    ],
    ids=["lone surrogate", "200,000 nested ["],
)
def test_an_import_that_python_would_choke_on_is_one_line(
    capsys, tmp_path: Path, export_doc: dict, text: str | None, reason: str
) -> None:
    bad = tmp_path / "x.json"
    if text is None:
        bad.write_text("[" * 200_000, encoding="utf-8")
    else:
        raw = json.dumps(export_doc, ensure_ascii=False)
        raw = raw.replace('"title": ', '"untitled": ', 1).replace(
            '"untitled": ', text + ', "was": ', 1
        )
        bad.write_text(raw, encoding="utf-8")
    status, _, err = run(capsys, "library", "import", str(bad))
    assert status == 2
    line = one_line(err)
    assert line.startswith(f"reader: {bad}: {reason}"), line
    assert run(capsys, "list", "--json")[1] == "[\n\n]\n"


@pytest.mark.timeout(20)
def test_import_refuses_what_is_not_a_regular_file(capsys, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    status, _, err = run(capsys, "library", "import", str(fifo))  # must not block
    assert status == 2 and one_line(err) == f"reader: {fifo}: not a regular file (a named pipe)"


# -- 4. terminal escapes and bidi overrides from an imported file -------------------------

OSC = "\x1b]0;PWNED\x07"
RLO = "\u202e"


def test_imported_escapes_never_reach_the_terminal(
    capsys, tmp_path: Path, export_doc: dict
) -> None:
    article = export_doc["articles"][0]["article"]
    article["title"] = f"Evil {OSC}title {RLO}gnp.exe"
    article["site"] = f"site{OSC}"
    article["authors"] = [f"A{RLO}uthor"]
    article["blocks"][0]["text"] = "Flood " + OSC + article["blocks"][0]["text"]
    mark = export_doc["articles"][0]["highlights"][0]
    mark["note"] = f"note {OSC}with {RLO}override"
    mark["detached"] = True  # its offsets point into the text as the file has it
    doc = tmp_path / "evil.json"
    doc.write_text(json.dumps(export_doc), encoding="utf-8")
    status, _, err = run(capsys, "library", "import", str(doc))
    assert status == 0, err
    outputs = [
        run(capsys, "list")[1],
        run(capsys, "show", "1")[1],
        run(capsys, "show", "1", "--json")[1],
        run(capsys, "search", "evil")[1],
        run(capsys, "highlights")[1],
        run(capsys, "highlights", "1", "--json")[1],
        run(capsys, "list", "--json")[1],
    ]
    for printed in outputs:
        assert "\x1b" not in printed and "\x07" not in printed and RLO not in printed
        assert "\\u001b" not in printed and "\\u202e" not in printed  # nor in JSON
    assert "Evil 0;PWNEDtitle gnp.exe" not in outputs[0]  # the whole sequence went
    assert "Evil title gnp.exe" in outputs[0] and "note with override" in outputs[4]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_an_imported_title_reaches_the_playlist_sanitized(
    capsys, tmp_path: Path, export_doc: dict
) -> None:
    article = export_doc["articles"][0]["article"]
    article["title"] = f"Evil {OSC}title {RLO}gnp.exe"
    article["blocks"] = article["blocks"][:1]  # short: one paragraph to speak
    export_doc["articles"][0]["highlights"] = []
    doc = tmp_path / "evil.json"
    doc.write_text(json.dumps(export_doc), encoding="utf-8")
    assert run(capsys, "library", "import", str(doc))[0] == 0
    out = tmp_path / "out"
    status, _, err = run(capsys, "export", "1", "-o", str(out), "--feed", "--quiet")
    assert status == 0, err
    playlist = (out / "playlist.m3u").read_text(encoding="utf-8")
    assert "Evil title gnp.exe" in playlist
    assert "\x1b" not in playlist and "\x07" not in playlist and RLO not in playlist
    assert [p.name for p in out.glob("*.mp3")] == ["Evil title gnp.exe.mp3"]


# -- 21. `reader list`: a header row, and the article's date ------------------------------


def test_list_has_a_header_and_shows_the_articles_date(capsys) -> None:
    from reader.library import Library
    from reader.text.article import Article, Block

    body = (Block("paragraph", "Words enough to be an article of some kind. " * 5),)
    with Library.open() as library:
        library.add(Article(body, title="Dated", date="2024-01-31T08:00:00", source="d"))
        library.add(Article(body[::-1], title=f"Undated {OSC}{RLO}x", source="u"))
        added = library.summary(2).added[:10]
    status, out, _ = run(capsys, "list")
    header, second, first = out.splitlines()
    assert status == 0
    assert header.split()[:6] == ["ID", "DATE", "WORDS", "HEARD", "✎", "TITLE"]
    assert "published" in header and "added" in header  # it says which date is shown
    assert first.split()[1] == "2024-01-31" and "Dated" in first
    assert second.split()[1] == f"{added}*" and second.endswith("Undated x")
    status, out, _ = run(capsys, "list", "--json")
    assert [row["date"] for row in json.loads(out)] == [None, "2024-01-31T08:00:00"]
    assert "\\u001b" not in out and "\\u202e" not in out  # columns were sanitized on add


def test_one_lines_shortcut_for_clean_text_changes_nothing_it_should_not() -> None:
    """`reader list` prints thousands of titles: one_line returns a clean one as it is,
    and must give exactly what the full cleaning gives for every other string."""
    import random

    from reader.text import sanitize

    def slow(text: str) -> str:
        return sanitize._SPACE.sub(" ", sanitize.strip_bidi(sanitize.strip_controls(text))).strip()

    alphabet = [chr(i) for i in range(0x3100)] + [" ", " ", "a", "\x1b", "]", "[", "\x07"]
    rng = random.Random(11)
    samples = [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(8))) for _ in range(50_000)
    ]
    samples += [f"Evil {OSC}title", f"x{RLO}y", "a  b", " a", "a ", "a\u3000b", "a\u2028b"]
    for text in samples:
        assert sanitize.one_line(text) == slow(text), repr(text)
