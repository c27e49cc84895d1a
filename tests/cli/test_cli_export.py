"""`reader export` end to end: saved pages in, MP3 files out, real engine and ffmpeg.

Bad input gets a test each: an input that fails in the middle of a batch, the same
input twice, an unwritable folder, a full disk (RLIMIT_FSIZE in a child process),
hostile titles. In every case the other items complete and nothing half-written
is left (no temporary file, nothing under a final name).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from reader.cli import main
from reader.export.tags import read_stamp
from reader.text.article import Block
from tests.audio.test_audio import decode, voiced_spans
from tests.conftest import ROOT, default_signals

SENTENCE = "The river ran past the old mill and the town slept quietly under the stars."


def page(folder: Path, name: str, title: str, paragraphs: int = 2) -> str:
    """A saved page holding an article with ``title`` and two sentences a paragraph."""
    body = "".join(
        f"<p>This is paragraph number {n + 1} of the story. {SENTENCE}</p>"
        for n in range(paragraphs)
    )
    html = (
        f'<html lang="en"><head><title>{title}</title></head><body><article>'
        f"<h1>{title}</h1>{body}</article></body></html>"
    )
    path = folder / name
    path.write_text(html, encoding="utf-8")
    return str(path)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    status = main(["export", *argv, "--json"])
    out, err = capsys.readouterr()
    return status, json.loads(out), err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_export_resume_and_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    a = page(tmp_path, "a.html", "A quiet town")
    b = page(tmp_path, "b.html", "Another town", paragraphs=3)
    status, summary, err = run_json(capsys, a, b, "-o", str(out))
    assert status == 0, err
    assert (summary["exported"], summary["skipped"], summary["failed"]) == (2, 0, 0)
    assert [item["files"] for item in summary["items"]] == [
        ["A quiet town.mp3"],
        ["Another town.mp3"],
    ]
    # the audio: title + 2 sentences per paragraph, each a stretch of sound
    spans = voiced_spans(decode(out / "Another town.mp3"), min_gap=0.2)
    assert len(spans) >= 4  # the default 250 ms sentence pause is short: no exact count here
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    umask = os.umask(0)
    os.umask(umask)
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o666 & ~umask}

    status, summary, _ = run_json(capsys, a, b, "-o", str(out))
    assert status == 0 and (summary["exported"], summary["skipped"]) == (0, 2)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == mtimes

    status, summary, _ = run_json(capsys, a, b, "-o", str(out), "--force")
    assert status == 0 and summary["exported"] == 2
    assert sorted(os.listdir(out)) == ["A quiet town.mp3", "Another town.mp3"]

    # the article changed: redone; another bitrate: redone
    page(tmp_path, "a.html", "A quiet town", paragraphs=3)
    status, summary, _ = run_json(capsys, a, b, "-o", str(out))
    assert [item["status"] for item in summary["items"]] == ["exported", "skipped"]
    status, summary, _ = run_json(capsys, a, b, "-o", str(out), "--bitrate", "32k")
    assert summary["exported"] == 2
    assert sorted(os.listdir(out)) == ["A quiet town.mp3", "Another town.mp3"]


def test_a_failing_input_in_the_middle_of_a_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    good = page(tmp_path, "good.html", "Good one")
    empty = tmp_path / "picture.html"
    empty.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2000))  # not a page at all
    other = page(tmp_path, "other.html", "Good two")
    inputs = [good, str(tmp_path / "missing.html"), str(empty), other]
    status, summary, err = run_json(capsys, *inputs, "-o", str(out))
    assert status == 1
    assert [i["status"] for i in summary["items"]] == ["exported", "failed", "failed", "exported"]
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"reader: {tmp_path / 'missing.html'}: ")
    assert lines[1].startswith(f"reader: {empty}: ")
    assert sorted(os.listdir(out)) == ["Good one.mp3", "Good two.mp3"]


def test_the_same_input_twice_is_exported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    a = page(tmp_path, "a.html", "Twice")
    status, summary, err = run_json(capsys, a, str(tmp_path / "." / "a.html"), "-o", str(out))
    assert status == 0
    assert [i["status"] for i in summary["items"]] == ["exported", "skipped"]
    assert "same input as item 1" in err
    assert os.listdir(out) == ["Twice.mp3"]


def test_two_articles_with_one_title_are_numbered_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    a = page(tmp_path, "a.html", "Same title")
    b = page(tmp_path, "b.html", "Same title", paragraphs=3)
    _, summary, _ = run_json(capsys, a, b, "-o", str(out))
    assert [i["files"] for i in summary["items"]] == [["Same title.mp3"], ["Same title (2).mp3"]]
    # a rerun in the other order keeps each input's file
    _, summary, _ = run_json(capsys, b, a, "-o", str(out), "--force")
    assert [i["files"] for i in summary["items"]] == [["Same title (2).mp3"], ["Same title.mp3"]]


def test_hostile_titles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    long_title = ("word " * 80).strip()
    inputs = [
        page(tmp_path, "1.html", "../../etc/passwd"),
        page(tmp_path, "2.html", "CON"),
        page(tmp_path, "3.html", long_title),
        page(tmp_path, "4.html", ""),
    ]
    status, summary, err = run_json(capsys, *inputs, "-o", str(out))
    assert status == 0, err
    names = [item["files"][0] for item in summary["items"]]
    assert names[0] == "etc passwd.mp3"
    assert names[1] == "CON_.mp3"
    assert names[2].startswith("word word") and len(names[2].encode()) <= 160
    assert names[3] == "This is paragraph number 1 of the story.mp3"  # its first sentence
    assert sorted(os.listdir(out)) == sorted(names)
    assert sorted(os.listdir(tmp_path)) == ["1.html", "2.html", "3.html", "4.html", "out"]


def test_an_unwritable_folder_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = page(tmp_path, "a.html", "Anything")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    status = main(["export", a, "-o", str(blocker / "out")])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.strip().splitlines() == [err.strip()]
    assert err.startswith(f"reader: {blocker / 'out'}: cannot write there")
    assert blocker.read_text() == "x"


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_a_read_only_folder_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """chmod 555; as root (who may write anywhere) the folder is made immutable."""
    folder = tmp_path / "ro"
    folder.mkdir()
    a = page(tmp_path, "a.html", "Anything")
    root = os.geteuid() == 0
    if root:
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if made.returncode != 0:
            pytest.skip("running as root without chattr +i")
    else:
        folder.chmod(0o555)
    try:
        status = main(["export", a, "-o", str(folder)])
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)
    out, err = capsys.readouterr()
    reason = "Operation not permitted" if root else "Permission denied"
    assert status == 2 and out == ""
    assert err == f"reader: {folder}: cannot write there ({reason})\n"
    assert os.listdir(folder) == []


@pytest.mark.timeout(120)
def test_a_full_disk_fails_that_item_and_the_rest_completes(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in the child process: no file may grow past 200 kB."""
    out = tmp_path / "out"
    long = page(tmp_path, "long.html", "Long story", paragraphs=20)  # about 1 MB of MP3
    short = page(tmp_path, "short.html", "Short", paragraphs=1)  # about 80 kB

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    result = subprocess.run(
        [sys.executable, "-m", "reader", "export", long, short, "-o", str(out), "--json"],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        cwd=ROOT,
        # No bytecode writes under the limit: CPython renames a short-written .pyc
        # into place, and every later import of that module would fail.
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=100,
    )
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert [i["status"] for i in summary["items"]] == ["failed", "exported"]
    assert summary["items"][0]["error"] == f"{long}: cannot write to {out} (File too large)"
    assert result.stderr.strip() == f"reader: {long}: cannot write to {out} (File too large)"
    assert os.listdir(out) == ["Short.mp3"]


def test_feed_and_playlist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    a = page(tmp_path, "a.html", "First & best")
    b = page(tmp_path, "b.html", "Second")
    status, summary, _ = run_json(
        capsys, a, b, "-o", str(out), "--feed", "--base-url", "http://phone.lan:8000/pod/"
    )
    assert status == 0 and summary["feed"] == str(out / "feed.xml")
    items = ET.parse(out / "feed.xml").getroot().findall("channel/item")
    urls = sorted(str(i.find("enclosure").get("url")) for i in items)  # type: ignore[union-attr]
    assert urls == [
        "http://phone.lan:8000/pod/First%20%26%20best.mp3",
        "http://phone.lan:8000/pod/Second.mp3",
    ]
    playlist = (out / "playlist.m3u").read_text(encoding="utf-8")
    assert "First & best.mp3" in playlist and "Second.mp3" in playlist
    assert sorted(os.listdir(out)) == ["First & best.mp3", "Second.mp3", "feed.xml", "playlist.m3u"]


def test_stdin_and_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    out = tmp_path / "out"
    text = "Pasted title\n\nThis is what the user pasted into the terminal. " + SENTENCE + "\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["export", "-", "-o", str(out), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    (name,) = os.listdir(out)
    stamp = read_stamp(out / name)
    assert stamp is not None and stamp.key.startswith("stdin:")


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_jobs_2_gives_the_same_files_as_jobs_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = [page(tmp_path, f"{n}.html", "Same" if n < 2 else f"Page {n}") for n in range(4)]
    one, two = tmp_path / "one", tmp_path / "two"
    status, summary1, _ = run_json(capsys, *inputs, "-o", str(one))
    status2, summary2, _ = run_json(capsys, *inputs, "-o", str(two), "--jobs", "2")
    assert status == status2 == 0
    assert [i["files"] for i in summary1["items"]] == [i["files"] for i in summary2["items"]]
    assert (
        sorted(os.listdir(one))
        == sorted(os.listdir(two))
        == [
            "Page 2.mp3",
            "Page 3.mp3",
            "Same (2).mp3",
            "Same.mp3",
        ]
    )


def _piper_thread_bounds() -> tuple[int, bool]:
    from reader.speech import piper

    return piper._threads, piper._spinning


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_dask_cluster_runs_the_same_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    distributed = pytest.importorskip("distributed")
    inputs = [page(tmp_path, "a.html", "On the cluster"), str(tmp_path / "missing.html")]
    out = tmp_path / "out"
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        processes=True,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        status, summary, _ = run_json(capsys, *inputs, "-o", str(out), "--cluster", address)
        with distributed.Client(address, timeout="10s") as client:
            # The worker bounded onnxruntime to its one thread, without spinning.
            bounds = client.run(_piper_thread_bounds)
    assert list(bounds.values()) == [(1, False)]
    assert status == 1
    assert [i["status"] for i in summary["items"]] == ["exported", "failed"]
    assert os.listdir(out) == ["On the cluster.mp3"]
    assert len(voiced_spans(decode(out / "On the cluster.mp3"), min_gap=0.2)) >= 3


def test_library_articles_by_id_and_their_highlights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader.extract import extract
    from reader.library import Library

    source = page(tmp_path, "saved.html", "Saved story", paragraphs=3)
    library = Library.open()
    try:
        ident = library.add(extract(source), source).id
        text = library.get(ident).article.text
        second = text.index("This is paragraph number 3")
        first = text.index("This is paragraph number 1")
        library.add_highlight(
            ident, second, second + len("This is paragraph number 3 of the story.")
        )
        library.add_highlight(ident, first, text.index(SENTENCE, first) + len(SENTENCE))
    finally:
        library.close()
    out = tmp_path / "out"
    status, summary, err = run_json(capsys, f"library:{ident}", "-o", str(out))
    assert status == 0, err
    assert summary["items"][0]["files"] == ["Saved story.mp3"]

    # highlights only: one file, a chapter per highlight in reading order; the file
    # input finds its library article by source
    status, summary, err = run_json(capsys, source, "-o", str(out), "--highlights-only")
    assert status == 0, err
    (name,) = summary["items"][0]["files"]
    from mutagen.id3 import ID3

    id3 = ID3(out / name)
    (toc,) = id3.getall("CTOC")
    titles = [str(id3[f"CHAP:{e}"].sub_frames["TIT2"]) for e in toc.child_element_ids]
    assert titles[0].startswith("This is paragraph number 1")
    assert titles[1] == "This is paragraph number 3 of the story."
    # and split: one file each
    status, summary, _ = run_json(
        capsys, str(ident), "-o", str(out), "--highlights-only", "--split"
    )
    assert summary["items"][0]["files"] == ["Saved story - 01.mp3", "Saved story - 02.mp3"]
    library = Library.open()
    try:
        recorded = [Path(r.file).name for r in library.exports(ident)]
    finally:
        library.close()
    assert recorded == [
        "Saved story.mp3",
        name,
        "Saved story - 01.mp3",
        "Saved story - 02.mp3",
    ]
    # no highlights saved: a clear error for that item
    other = page(tmp_path, "other.html", "Not saved")
    status, summary, err = run_json(capsys, other, "-o", str(out), "--highlights-only")
    assert status == 1
    assert err == f"reader: {other}: not in the library, so it has no saved highlights\n"
    status, summary, err = run_json(capsys, "library:999", "-o", str(out))
    assert status == 1 and err.startswith("reader: library:999: not in the library")


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_ctrl_c_stops_workers_and_leaves_nothing(tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "out"
    inputs = [page(tmp_path, f"{n}.html", f"Long {n}", paragraphs=150) for n in range(3)]
    process = subprocess.Popen(
        [sys.executable, "-m", "reader", "export", *inputs, "-o", str(out), "--jobs", "2"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=default_signals,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(out.glob(".reader-*.part")):
        time.sleep(0.05)  # wait until a worker is writing
    assert any(out.glob(".reader-*.part")), "no export started"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "reader: interrupted"
    assert os.listdir(out) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split"], "reader: --split: only applies with --highlights-only"),
        (["--jobs", "0"], "reader: --jobs: 0 is not allowed: use 1 or more"),
        (["--bitrate", "1000k"], "reader: --bitrate: bitrate = '1000k' is not allowed"),
        (["--rate", "5"], "reader: --rate: rate = 5 is not allowed"),
        pytest.param(
            ["--cluster", "tcp://127.0.0.1:9"],
            "reader: tcp://127.0.0.1:9: cannot reach the Dask scheduler",
            marks=pytest.mark.slow,  # Dask retries for its connect timeout (1 s here)
        ),
    ],
)
@pytest.mark.timeout(60)
def test_bad_options_are_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.setattr("reader.workers.CLUSTER_CONNECT_SECONDS", 1.0)  # Dask retries
    a = page(tmp_path, "a.html", "Anything")
    status = main(["export", a, "-o", str(tmp_path / "out"), *args])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []


def test_highlights_and_the_whole_article_are_named_and_tagged_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a podcast app both files of one article must be told apart: by file name, by
    TIT2 and by the feed item's title."""
    from mutagen.id3 import ID3

    from reader.extract import extract
    from reader.library import Library

    source = page(tmp_path, "saved.html", "Saved story", paragraphs=2)
    library = Library.open()
    try:
        ident = library.add(extract(source), source).id
        text = library.get(ident).article.text
        start = text.index("This is paragraph number 2")
        library.add_highlight(ident, start, start + len("This is paragraph number 2 of the story."))
    finally:
        library.close()
    out = tmp_path / "out"
    status, _, err = run_json(capsys, str(ident), "-o", str(out), "--highlights-only")
    assert status == 0, err
    status, _, err = run_json(capsys, str(ident), "-o", str(out), "--feed")
    assert status == 0, err
    assert sorted(os.listdir(out)) == [
        "Saved story — highlights.mp3",
        "Saved story.mp3",
        "feed.xml",
        "playlist.m3u",
    ]
    assert str(ID3(out / "Saved story — highlights.mp3")["TIT2"]) == "Saved story — highlights"
    assert str(ID3(out / "Saved story.mp3")["TIT2"]) == "Saved story"
    items = ET.parse(out / "feed.xml").getroot().findall("./channel/item")
    assert sorted(item.findtext("title") for item in items) == [  # type: ignore[type-var]
        "Saved story",
        "Saved story — highlights",
    ]
    assert "#EXTINF:" in (out / "playlist.m3u").read_text()
    assert ",Saved story — highlights\n" in (out / "playlist.m3u").read_text()


def test_an_items_error_line_is_printed_without_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = page(tmp_path, "good.html", "Good")
    bad = str(tmp_path / "no\x1b]0;PWNED\x07such\u202e.html")
    status, summary, err = run_json(capsys, good, bad, "-o", str(tmp_path / "out"))
    assert status == 1 and summary["failed"] == 1 and summary["exported"] == 1
    (line,) = err.splitlines()
    assert line.startswith(f"reader: {tmp_path}/nosuch.html: ")
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err


def test_o_naming_a_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = page(tmp_path, "a.html", "Anything")
    existing = tmp_path / "existing"
    existing.write_text("mine")
    assert main(["export", a, "-o", str(existing)]) == 2
    assert capsys.readouterr().err == f"reader: {existing}: is a file, not a folder\n"
    assert existing.read_text() == "mine"


def test_an_article_with_nothing_speakable_fails_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Emoji only: one line for that item, no silent file, the others complete."""
    from dataclasses import replace

    from reader.extract import extract
    from reader.library import Library

    good = page(tmp_path, "good.html", "Good")
    library = Library.open()
    try:
        emoji = replace(extract(good), blocks=(Block("paragraph", "🎉🎉🎉 🚀🚀"),), title=None)
        ident = library.add(emoji, "emoji").id
    finally:
        library.close()
    out = tmp_path / "out"
    status, summary, err = run_json(capsys, f"library:{ident}", good, "-o", str(out))
    assert status == 1
    assert [i["status"] for i in summary["items"]] == ["failed", "exported"]
    assert err == (f"reader: library:{ident}: nothing to speak (the text has no speakable words)\n")
    assert os.listdir(out) == ["Good.mp3"]
