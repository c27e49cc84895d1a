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
