"""The pure parts of export: safe names, tags and chapters, the playlist and feed.

The audio files here come from reader.audio.encode fed with tones (a unit test of tags
and feed needs a real MP3, not real speech); tests/export/test_export.py runs the speech
engine end to end.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from reader.audio import encode as audio
from reader.audio.encode import Mark, Rendered
from reader.export import ExportOptions, chapters, plan
from reader.export.batch import Names
from reader.export.names import MAX_STEM_BYTES, inside, safe_stem
from reader.export.tags import Chapter, Tags, read_stamp, write
from reader.podcast.feed import ITUNES, duration_text, scan, write_feed
from reader.text.article import Article, Block
from tests.audio.test_audio import chunks

# -- names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("../../etc/passwd", "etc passwd"),
        ("..", "untitled"),
        ("", "untitled"),
        (None, "untitled"),
        ("   ", "untitled"),
        ("CON", "CON_"),
        ("con.txt", "con_.txt"),  # Windows reserves the name before the first dot
        ("CON.txt", "CON_.txt"),
        ("com1.tar.gz", "com1_.tar.gz"),
        ("AUX .md", "AUX_.md"),
        ("Evil \u202egnp.exe\u202c", "Evil gnp.exe"),  # no spoofing bidi override
        ("\u2067Title\u2069 \u200fx", "Title x"),
        ("\x1b]0;PWNED\x07Title \x1b[31mred\x9b0m", "Title red"),
        ("Words that open the body…", "Words that open the body"),
        ("Wait, what…?", "Wait, what"),
        ("lpt1", "lpt1_"),
        ("Console wars", "Console wars"),
        ('What? A "title": <yes>|no*', "What A title yes no"),
        (".hidden", "hidden"),
        ("-rf /", "rf"),
        ("a\x00b\nc\\d\x85e", "ab c d e"),
        ("Wait...what", "Wait.what"),
        ("zero\u200bwidth Zeitungs\u00adartikel\ufeff", "zerowidth Zeitungsartikel"),
        ("Family \U0001f468\u200d\U0001f467", "Family \U0001f468\u200d\U0001f467"),
    ],
)
def test_safe_stem(title: str | None, expected: str) -> None:
    assert safe_stem(title) == expected


def test_long_titles_are_capped_in_bytes_at_a_character_boundary() -> None:
    for title in ("x" * 400, "é" * 400, "word " * 80, "日本語" * 100):
        stem = safe_stem(title)
        assert 0 < len(stem.encode("utf-8")) <= MAX_STEM_BYTES
        stem.encode("utf-8").decode("utf-8")
        assert stem == stem.strip()


def test_inside_refuses_escapes(tmp_path: Path) -> None:
    assert inside(tmp_path, "a.mp3") == tmp_path.resolve() / "a.mp3"
    for bad in ("../a.mp3", "..", "", "sub/a.mp3", "/etc/passwd"):
        with pytest.raises(ValueError):
            inside(tmp_path, bad)


def test_collisions_are_numbered_and_foreign_files_kept(tmp_path: Path) -> None:
    (tmp_path / "Title.mp3").write_bytes(b"not ours")
    names = Names(tmp_path)
    assert names.pick("Title", "mp3", "file:/a") == "Title (2).mp3"
    temp = tmp_path / ".reader-x.part"
    temp.write_bytes(b"a")
    assert names.commit(str(temp), "Title", "mp3", "file:/a") == "Title (2).mp3"
    assert names.pick("Title", "mp3", "file:/a") == "Title (2).mp3"  # its own name again
    assert names.pick("Title", "mp3", "file:/b") == "Title (3).mp3"
    assert (tmp_path / "Title.mp3").read_bytes() == b"not ours"


# -- plan and chapters -----------------------------------------------------------------


def article() -> Article:
    return Article(
        blocks=(
            Block("paragraph", "Intro sentence."),
            Block("heading", "First part"),
            Block("paragraph", "One. Two."),
            Block("heading", "Second part"),
            Block("paragraph", "Three."),
        ),
        title="A title",
    )


def test_chapters_per_heading_section() -> None:
    art = article()
    marks = tuple(
        Mark(s.start, s.end, float(n), 0.8) for n, s in enumerate(art.sentences)
    )  # one sentence a second
    rendered = Rendered(len(marks) - 0.2, 22050, marks)
    (part,) = plan(art, "k", ExportOptions(), None)
    got = chapters(art, part, rendered)
    # sentences: title, intro, heading 1, One, Two, heading 2, Three
    assert [(c.title, c.start, c.end) for c in got] == [
        ("A title", 0.0, 2.0),
        ("First part", 2.0, 5.0),
        ("Second part", 5.0, 6.8),
    ]


def test_highlights_plan_as_one_file_or_split() -> None:
    art = article()
    spans = [
        (art.text.index("Three"), art.text.index("Three") + 6),
        (art.text.index("One"), art.text.index("Two")),
    ]
    (one,) = plan(art, "k", ExportOptions(highlights_only=True), spans)
    assert one.ranges == tuple(sorted(spans)) and one.chapters == "ranges"
    assert (one.title, one.stem) == ("A title — highlights", "A title — highlights")
    (long,) = plan(
        replace(art, title="word " * 100), "k", ExportOptions(highlights_only=True), spans
    )
    assert long.stem.endswith("word — highlights") and len(long.stem.encode()) <= 150
    split = plan(art, "k", ExportOptions(highlights_only=True, split=True), spans)
    assert [p.stem for p in split] == ["A title - 01", "A title - 02"]
    assert len({p.key for p in split}) == 2
    with pytest.raises(Exception, match="no saved highlights"):
        plan(art, "k", ExportOptions(highlights_only=True), [])


def test_a_single_highlight_is_one_chapter() -> None:
    art = article()
    start = art.text.index("One")
    (part,) = plan(art, "k", ExportOptions(highlights_only=True), [(start, start + 4)])
    marks = (Mark(start, start + 4, 0.0, 0.8),)
    got = chapters(art, part, Rendered(0.8, 22050, marks))
    assert [(c.title, c.start, c.end) for c in got] == [("One.", 0.0, 0.8)]


def test_an_article_without_a_title_is_named_by_the_one_rule() -> None:
    """Its first sentence (up to a phrase boundary), the rule extraction names an
    untitled article by: the same name in the plan, the tags and the chapters."""
    art = Article(blocks=(Block("paragraph", "Words that open the article go here."),))
    assert art.name == "Words that open the article go here"
    (part,) = plan(art, "k", ExportOptions(), None)
    assert part.title == art.name
    assert Article(blocks=()).name == "Untitled"
    long = "The council met on Tuesday evening to discuss the harbour budget, and it voted"
    assert Article(blocks=(Block("paragraph", long + " for it."),)).name == (
        "The council met on Tuesday evening to discuss the harbour budget"
    )


# -- tags ------------------------------------------------------------------------------


def tagged_file(folder: Path, name: str, fmt: str = "mp3", **extra: object) -> Path:
    path = folder / name
    with path.open("wb") as handle:
        rendered = audio.render(chunks(3), handle, fmt=fmt)
    fields: dict[str, object] = {
        "title": "Ünïcode title",
        "key": f"file:/{name}",
        "digest": "d" * 64,
        "duration": rendered.duration,
        "artist": "Ada Author",
        "album": "Example Site",
        "date": "2024-03-05",
        "url": "https://example.org/a?b=1&c=2",
        "lyrics": "The spoken text.",
        "language": "en",
        "chapters": (Chapter("One", 0.0, 1.1), Chapter("Two", 1.1, rendered.duration)),
    }
    fields.update(extra)
    write(path, Tags(**fields), fmt)  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_tags_are_id3v24_with_chapters_under_a_toc(tmp_path: Path, fmt: str) -> None:
    path = tagged_file(tmp_path, f"a.{fmt}", fmt)
    from mutagen.id3 import ID3
    from mutagen.wave import WAVE

    id3 = ID3(path) if fmt == "mp3" else WAVE(path).tags
    assert id3 is not None
    assert id3.version[:2] == (2, 4)
    assert str(id3["TIT2"]) == "Ünïcode title"
    assert str(id3["TPE1"]) == "Ada Author"
    assert str(id3["TALB"]) == "Example Site"
    assert str(id3["TDRC"]) == "2024-03-05"
    assert id3["WOAS"].url == "https://example.org/a?b=1&c=2"
    assert id3.getall("USLT")[0].text == "The spoken text."
    assert id3.getall("USLT")[0].lang == "eng"
    (toc,) = id3.getall("CTOC")
    assert toc.child_element_ids == ["ch0", "ch1"]
    chaps = {c.element_id: c for c in id3.getall("CHAP")}
    assert (chaps["ch1"].start_time, chaps["ch1"].end_time) == (1100, 2800)
    assert str(chaps["ch1"].sub_frames["TIT2"]) == "Two"
    stamp = read_stamp(path)
    assert stamp is not None and stamp.key == f"file:/a.{fmt}" and stamp.duration == 2.8
    # the audio still decodes after tagging
    from tests.audio.test_audio import decode

    assert len(decode(path)) / 22050 == pytest.approx(2.8, rel=0.1)


def test_files_reader_did_not_write_have_no_stamp(tmp_path: Path) -> None:
    (tmp_path / "x.mp3").write_bytes(b"junk")
    assert read_stamp(tmp_path / "x.mp3") is None
    assert read_stamp(tmp_path / "missing.mp3") is None


# -- feed ------------------------------------------------------------------------------


def test_feed_and_playlist_list_the_folders_exports(tmp_path: Path) -> None:
    tagged_file(tmp_path, "First & <one>.mp3", date="2024-01-02")
    tagged_file(tmp_path, "Second.mp3", key="file:/second", date="2024-05-06T07:08:09")
    (tmp_path / "not ours.mp3").write_bytes(b"junk")
    assert write_feed(tmp_path, base_url="https://host/pod") == 2
    playlist = (tmp_path / "playlist.m3u").read_text(encoding="utf-8").splitlines()
    assert playlist[0] == "#EXTM3U"
    assert playlist[3] == "Second.mp3" and playlist[5] == "First & <one>.mp3"  # newest first
    root = ET.parse(tmp_path / "feed.xml").getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None and channel.findtext("title") == tmp_path.name
    items = channel.findall("item")
    assert len(items) == 2
    enclosure = items[1].find("enclosure")
    assert enclosure is not None
    assert enclosure.get("url") == "https://host/pod/First%20%26%20%3Cone%3E.mp3"
    assert enclosure.get("type") == "audio/mpeg"
    assert enclosure.get("length") == str((tmp_path / "First & <one>.mp3").stat().st_size)
    assert items[0].findtext(f"{{{ITUNES}}}duration") == "00:00:03"
    assert items[0].findtext("pubDate") == "Mon, 06 May 2024 07:08:09 +0000"
    guids = [item.findtext("guid") for item in items]
    assert len(set(guids)) == 2
    # GUIDs are stable: re-exporting (another digest) keeps them
    tagged_file(tmp_path, "Second.mp3", key="file:/second", digest="e" * 64)
    write_feed(tmp_path, base_url="https://host/pod")
    again = ET.parse(tmp_path / "feed.xml").getroot().findall("channel/item")
    assert [item.findtext("guid") for item in again] == guids
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_duration_text() -> None:
    assert duration_text(3725.4) == "01:02:05"
    assert [e.path.name for e in scan(Path(__file__).parent)] == []


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    import os
    import time

    old, fresh = tmp_path / ".reader-old.part", tmp_path / ".reader-new.part"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    Names(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".reader-new.part"]


def test_temporary_files_of_live_owners_stay_and_of_dead_ones_go(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import time

    from reader import files as names

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(gone.stdout)
    host = names._host()
    token = "0123456789abcdef"
    live = tmp_path / f".reader-{token}.{host}.{os.getppid()}.part"  # pytest's parent: alive
    dead = tmp_path / f".reader-{token}.{host}.{dead_pid}.part"
    other_host = tmp_path / f".reader-{token}.elsewhere.{dead_pid}.part"  # cannot check
    old_other_host = tmp_path / f".reader-{token}.elsewhere.1.part"
    foreign = tmp_path / f".notours-{token}.{host}.{dead_pid}.part"
    for path in (live, dead, other_host, old_other_host, foreign):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old_other_host, (two_hours_ago, two_hours_ago))
    assert names.remove_stale_temps(tmp_path, (".reader-",), ".part") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live.name, other_host.name, foreign.name]
    )
    assert names._owner(Path(names.temp_name(".x.mp3.", ".part")).name, ".part") == (
        host,
        os.getpid(),
    )


def ffmpeg_chapters(path: Path) -> list[tuple[float, str]]:
    """The chapters as ffmpeg lists them (``ffmpeg -i``): (start seconds, title)."""
    import re
    import subprocess

    report = subprocess.run(
        [audio.ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    ).stderr
    found: list[tuple[float, str]] = []
    for line in report.splitlines():
        if match := re.match(r"\s*Chapter #\d+:\d+: start (\d+\.\d+),", line):
            found.append((float(match[1]), ""))
        elif found and not found[-1][1] and (match := re.match(r"\s*title\s*: (.*)", line)):
            found[-1] = (found[-1][0], match[1])
    return found


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_chapters_are_written_in_time_order(tmp_path: Path, fmt: str) -> None:
    """Twelve chapters whose titles get shorter: mutagen alone wrote them by size."""
    from mutagen.id3 import ID3
    from mutagen.wave import WAVE

    titles = [f"Chapter {n} " + "x" * (30 - 2 * n) for n in range(12)]
    marks = [Chapter(title, n * 0.2, (n + 1) * 0.2) for n, title in enumerate(titles)]
    path = tagged_file(tmp_path, f"a.{fmt}", fmt, chapters=tuple(marks))
    id3 = ID3(path) if fmt == "mp3" else WAVE(path).tags
    assert id3 is not None
    frames = id3.getall("CHAP")  # in file order
    assert [f.element_id for f in frames] == [f"ch{n}" for n in range(12)]
    assert [f.start_time for f in frames] == [n * 200 for n in range(12)]
    if fmt == "mp3":  # ffmpeg reads chapters from MP3's ID3 tag, not from WAV's
        assert ffmpeg_chapters(path) == [(round(n * 0.2, 3), t) for n, t in enumerate(titles)]


def test_an_mp3_starts_with_an_info_frame_counting_its_frames(tmp_path: Path) -> None:
    """The first frame (after the ID3 tag) is a Xing/Info frame: frame count and size,
    so players know the exact length instead of estimating it from the bitrate."""
    from mutagen.id3 import ID3

    path = tagged_file(tmp_path, "a.mp3")
    data = path.read_bytes()
    start = ID3(path).size  # the tag's length, header included
    header = data[start : start + 4]
    assert header[0] == 0xFF and header[1] & 0xE0 == 0xE0
    length = audio._frame_length(header)
    assert length is not None
    first = data[start : start + length]
    assert b"Info" in first or b"Xing" in first
    at = first.find(b"Info") + 4
    flags, frames, size = (
        int.from_bytes(first[at + 4 * i : at + 4 * i + 4], "big") for i in range(3)
    )
    assert flags & 3 == 3
    assert size == len(data) - start
    # MPEG-2 Layer III: 576 samples a frame; the 2.8 s written and the encoder's padding
    assert frames * 576 / 22050 == pytest.approx(2.8, abs=0.1)
    from mutagen.mp3 import MP3

    info = MP3(path).info
    assert info is not None and info.length == pytest.approx(frames * 576 / 22050)


# -- the pool ---------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_pool_workers_bound_onnxruntime_threads_to_their_share_of_the_cores() -> None:
    """With --jobs N each worker's Piper sessions get cores // N intra-op threads, so
    N workers do not each start one onnxruntime thread per core and fight."""
    import os

    from reader.export.batch import executor

    with executor(2, None) as pool:
        assert pool is not None
        # eval: a builtin pickles by name, so the spawned worker runs it as it is.
        probe = "__import__('reader.speech.piper', fromlist=['_threads'])._threads"
        threads = pool.submit(eval, probe).result(timeout=100)
    assert threads == max(1, (os.cpu_count() or 1) // 2)
