"""The library against a hostile tester (issue 19, section 4: points 4, 6 and 11's
impossible imported dates): a rescue keeps where articles came from (absolute) and when
they were added, whatever folder the next command runs in, and re-adding a source
re-anchors; a file of random bytes is said to be no library; an imported document's
times must be times. Real library files, damaged for real."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reader import locations
from reader.cli import main
from reader.library import Library
from tests.conftest import ROOT
from tests.feedsite import story
from tests.library.test_library_repair import damage, pages, readable

OLD = "2021-03-04T05:06:07.000000+00:00"


def _sources(folder: Path, count: int) -> list[str]:
    names = []
    for n in range(count):
        name = f"a{n:03d}.txt"
        (folder / name).write_text(f"Story {n} of the harbour\n\n" + "\n\n".join(story(n, 3)))
        names.append(name)
    return names


def _added(folder: Path, count: int, capsys: pytest.CaptureFixture[str]) -> list[str]:
    names = _sources(folder, count)
    assert main(["add", *names]) == 0
    capsys.readouterr()
    return names


def _as_an_older_version_kept_them(path: Path) -> None:
    """Dates from long ago; stored models naming the source as typed (relative), as
    libraries made before the stored model kept the absolute path have them."""
    with sqlite3.connect(path) as c:
        c.execute("UPDATE articles SET added = ?", (OLD,))
        for ident, body in c.execute("SELECT article_id, article FROM article_bodies").fetchall():
            data = json.loads(body)
            data["source"] = Path(data["source"]).name
            c.execute(
                "UPDATE article_bodies SET article = ? WHERE article_id = ?",
                (json.dumps(data), ident),
            )
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()


def test_rescue_keeps_sources_absolute_and_dates_then_re_adding_re_anchors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src, elsewhere = tmp_path / "src", tmp_path / "elsewhere"
    src.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(src)
    names = _added(src, 40, capsys)
    path = locations.library_file()
    with Library.open(path) as library:
        by_source = {a.source: a.id for a in library.list()}
        target = by_source[str(src / "a010.txt")]
        text = library.get(target).article.text
        start = text.index("harbour")
        library.add_highlight(target, start, start + len("harbour"), note="kept")
    _as_an_older_version_kept_them(path)
    damage(path, pages(path, "articles")[0])  # the rows of the first articles are lost
    lost = set(by_source.values()) - readable(path, "articles", "id", set(by_source.values()))
    assert target in lost, "the test must lose the row of the article it re-adds"

    monkeypatch.chdir(elsewhere)  # the next command runs in another folder
    assert main(["library", "repair"]) == 1
    report = capsys.readouterr().out
    assert str(elsewhere) not in report
    assert "their date added" not in report  # the index kept every date
    with Library.open(path) as library:
        kept = {a.source: a for a in library.list()}
        assert set(kept) == {str(src / name) for name in names}
        assert {a.added for a in kept.values()} == {OLD}
    assert main(["show", str(target)]) == 0
    assert f"source: {src / 'a010.txt'}" in capsys.readouterr().out

    monkeypatch.chdir(src)  # re-adding the source from its folder re-anchors
    title, rest = (src / "a010.txt").read_text().split("\n\n", 1)
    note = "The harbour office added this paragraph a week after the story first ran."
    (src / "a010.txt").write_text(f"{title}\n\n{note}\n\n{rest}")
    assert main(["add", "a010.txt"]) == 0
    assert capsys.readouterr().out.startswith(f"updated {target}:")
    with Library.open(path) as library:
        assert library.count() == 40
        (mark,) = library.get(target).highlights
        assert mark.text == "harbour" and not mark.detached and mark.note == "kept"


def test_rescue_of_a_library_cut_in_half_keeps_sources_from_any_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    monkeypatch.chdir(src)
    _added(src, 30, capsys)
    path = locations.library_file()
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = subprocess.run(
        [sys.executable, "-m", "reader", "list", "--json"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed, result.stderr
    assert all(Path(row["source"]).parent == src for row in listed), listed


# -- 6. a file of random bytes ----------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 100, 4096, 100_000])
def test_check_and_repair_of_random_bytes_say_it_is_no_library(
    size: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = locations.library_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    noise = random.Random(size).randbytes(size)
    path.write_bytes(noise)
    assert main(["library", "check"]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"{path}: not a reader library (not an SQLite database)"), out
    assert "no library yet" not in out
    assert "`reader library repair` moves it aside" in out
    assert path.read_bytes() == noise  # check changes nothing
    assert main(["library", "repair"]) == 1
    out = capsys.readouterr().out
    assert "nothing could be read (not an SQLite database); moved it to" in out
    moved = [p for p in path.parent.iterdir() if p.name.startswith("library.sqlite3.broken-")]
    assert len(moved) == 1 and moved[0].read_bytes() == noise
    assert main(["library", "check"]) == 0  # a new, empty library now


def test_check_of_random_bytes_after_an_sqlite_header_is_damage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = locations.library_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"SQLite format 3\x00" + random.Random(3).randbytes(8000))
    assert main(["library", "check"]) == 1
    out = capsys.readouterr().out
    assert "no library yet" not in out and "reader library repair" in out


# -- 11. impossible imported dates --------------------------------------------------------


@pytest.mark.parametrize(
    "when", ["9999-99-99T99:99:99", "yesterday", "2024-02-30T10:00:00", "", "2024-01-01T25:00"]
)
def test_import_refuses_impossible_dates(
    when: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = {
        "format": "reader-library",
        "version": 1,
        "articles": [
            {
                "source": "https://example.org/a",
                "added": when,
                "article": {"blocks": [{"kind": "paragraph", "text": "Hello there."}]},
            }
        ],
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(document))
    assert main(["library", "import", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"reader: {path}: $.articles[0].added: "), err
    assert "not a date and time" in err
    assert main(["list"]) == 0
    assert "Hello" not in capsys.readouterr().out
