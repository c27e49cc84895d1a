"""Export end to end on the real speech engine and the real ffmpeg.

The audio itself is checked: the MP3 is decoded, its length compared with the
chunks the engine produced (plus their pauses), and its stretches of sound counted
against the article's sentences. Pauses are set long (700 ms and more) and the
sentences have no commas, so a gap of 450 ms only occurs between sentences and a
missing sentence changes the count.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader.export import ExportOptions, ItemResult, Job, export_item
from reader.export.batch import Names, commit
from reader.export.tags import read_stamp
from reader.speech import synthesize_article
from reader.text.article import Article, Block
from tests.audio.test_audio import decode, voiced_spans

GAP = 0.45


@pytest.fixture(autouse=True)
def long_pauses(reader_home: Path) -> None:
    config = reader_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        "pause_sentence_ms = 700\npause_paragraph_ms = 900\npause_heading_ms = 900\n",
        encoding="utf-8",
    )


def make_article(title: str | None = "A walk in the park", paragraphs: int = 2) -> Article:
    blocks = [
        Block("paragraph", "The morning was cold and bright. We walked to the old bridge."),
        Block("heading", "The river"),
        Block("paragraph", "Ducks swam under the stone arch. A heron stood very still."),
    ]
    for n in range(paragraphs - 2):
        blocks.append(Block("paragraph", f"This is extra paragraph number {n + 3}. It ends here."))
    return Article(
        blocks=tuple(blocks),
        title=title,
        authors=("Ann Example",),
        site="Example Site",
        date="2024-04-01",
        url="https://example.org/walk",
        language="en",
    )


def export(
    article: Article, folder: Path, options: ExportOptions | None = None, **job: object
) -> ItemResult:
    options = (options or ExportOptions()).resolved()
    result = export_item(Job(0, "walk", "file:/walk", str(folder), options, article=article, **job))  # type: ignore[arg-type]
    commit(result, Names(folder))
    return result


def expected_seconds(article: Article, start: int = 0, end: int | None = None) -> float:
    chunks = list(synthesize_article(article, start, end))
    return sum(c.duration + c.pause_after for c in chunks) - chunks[-1].pause_after


def test_the_mp3_holds_every_sentence_and_lasts_as_long_as_its_chunks(tmp_path: Path) -> None:
    article = make_article(paragraphs=4)
    result = export(article, tmp_path)
    assert result.status == "exported", result.error
    (name,) = result.files
    assert name == "A walk in the park.mp3"
    samples = decode(tmp_path / name)
    duration = len(samples) / 22050
    assert duration == pytest.approx(expected_seconds(article), rel=0.1)
    spans = voiced_spans(samples, min_gap=GAP)
    assert len(spans) == len(article.sentences) == 10  # title, heading, 8 sentences
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_tags_and_chapters_per_heading_section(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    article = make_article()
    (name,) = export(article, tmp_path).files
    id3 = ID3(tmp_path / name)
    assert id3.version[:2] == (2, 4)
    assert str(id3["TIT2"]) == "A walk in the park"
    assert str(id3["TPE1"]) == "Ann Example"
    assert str(id3["TALB"]) == "Example Site"
    assert str(id3["TDRC"]) == "2024-04-01"
    assert id3["WOAS"].url == "https://example.org/walk"
    assert id3.getall("USLT")[0].text == article.text
    (toc,) = id3.getall("CTOC")
    chaps = [id3[f"CHAP:{element}"] for element in toc.child_element_ids]
    assert [str(c.sub_frames["TIT2"]) for c in chaps] == ["A walk in the park", "The river"]
    # "The river" starts where the fourth stretch of sound (the heading) starts
    spans = voiced_spans(decode(tmp_path / name), min_gap=GAP)
    assert chaps[1].start_time / 1000 == pytest.approx(spans[3][0], abs=0.15)
    assert chaps[0].end_time == chaps[1].start_time
    assert chaps[1].end_time == int(str(id3["TLEN"]))


def test_highlights_only_one_file_with_a_chapter_each(tmp_path: Path) -> None:
    article = make_article()
    text = article.text
    first = (text.index("We walked"), text.index("bridge.") + len("bridge."))
    second = (text.index("A heron"), len(text))
    options = ExportOptions(highlights_only=True)
    result = export(article, tmp_path, options, highlights=(second, first))
    (name,) = result.files
    from mutagen.id3 import ID3

    id3 = ID3(tmp_path / name)
    (toc,) = id3.getall("CTOC")
    chaps = [id3[f"CHAP:{element}"] for element in toc.child_element_ids]
    assert [str(c.sub_frames["TIT2"]) for c in chaps] == [
        "We walked to the old bridge.",
        "A heron stood very still.",
    ]
    assert id3.getall("USLT")[0].text == "We walked to the old bridge.\n\nA heron stood very still."
    spans = voiced_spans(decode(tmp_path / name), min_gap=GAP)
    assert len(spans) == 2
    speech = expected_seconds(article, *first) + expected_seconds(article, *second)
    assert result.audio_seconds == pytest.approx(speech + 1.5, rel=0.1)  # + the gap between


def test_split_highlights_one_file_each(tmp_path: Path) -> None:
    article = make_article()
    text = article.text
    spans = ((0, text.index(".") + 1), (text.index("Ducks"), text.index("arch.") + 5))
    options = ExportOptions(highlights_only=True, split=True)
    result = export(article, tmp_path, options, highlights=spans)
    assert result.files == ["A walk in the park - 01.mp3", "A walk in the park - 02.mp3"]
    for name in result.files:
        assert len(voiced_spans(decode(tmp_path / name), min_gap=GAP)) in (1, 2)
    stamps = [read_stamp(tmp_path / name) for name in result.files]
    assert [s.key for s in stamps if s] == ["file:/walk#highlight-1", "file:/walk#highlight-2"]


def test_wav_with_loudness_normalization(tmp_path: Path) -> None:
    article = make_article()
    result = export(article, tmp_path, ExportOptions(fmt="wav", normalize=True))
    (name,) = result.files
    assert name.endswith(".wav")
    samples = decode(tmp_path / name)
    assert len(voiced_spans(samples, min_gap=GAP)) == len(article.sentences)
    assert read_stamp(tmp_path / name) is not None


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("../../etc/passwd", "etc passwd.mp3"),
        ("CON", "CON_.mp3"),
        ("", "The morning was cold and bright.mp3"),  # untitled: named by its first sentence
        ("T" * 400, "T" * 150 + ".mp3"),
    ],
)
def test_hostile_titles_stay_inside_the_folder(tmp_path: Path, title: str, name: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = export(make_article(title=title), folder)
    assert result.status == "exported", result.error
    assert result.files == [name]
    assert sorted(os.listdir(folder)) == [name]
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_a_rerun_skips_what_is_up_to_date(tmp_path: Path) -> None:
    article = make_article()
    first = export(article, tmp_path)
    mtime = (tmp_path / first.files[0]).stat().st_mtime_ns
    previous = {k: d for k, d in Names(tmp_path).digests.items()}
    again = export(article, tmp_path, previous=previous)
    assert again.status == "skipped" and again.files == first.files
    assert (tmp_path / first.files[0]).stat().st_mtime_ns == mtime
    # other settings: redone under the same name
    faster = export(article, tmp_path, ExportOptions(rate=300), previous=previous)
    assert faster.status == "exported" and faster.files == first.files
    # forced: redone
    forced = export(article, tmp_path, ExportOptions(force=True), previous=previous)
    assert forced.status == "exported"


def test_an_engine_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    result = export(make_article(), tmp_path, ExportOptions(voice="zzqx"))
    assert result.status == "failed"
    assert result.error is not None and "zzqx" in result.error
    assert "\n" not in result.error
    assert os.listdir(tmp_path) == []


UNSAFE = set(map(chr, [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]))
UNSAFE |= set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_text_from_outside_reaches_no_tag_playlist_feed_or_name_with_controls(
    tmp_path: Path,
) -> None:
    """A hostile page's title, authors, site, date, URL and headings: every ID3 text
    frame, the M3U, the feed and the file name come out without escapes, controls or
    bidi controls (and so the name cannot spoof its extension)."""
    from dataclasses import replace

    from mutagen.id3 import ID3

    from reader.podcast.feed import write_feed

    evil = "\x1b]0;PWNED\x07Evil \u202egnp.exe\u202c"
    article = replace(
        make_article(title=evil),
        authors=("Ann \x1b[31mRed\x1b[0m\u2066", "Bob\x9b2J"),
        site="Site\x07\u202d",
        url="https://example.org/\x1b]8;;x\x07walk",
        date="2024-04-01\x00",
    )
    blocks = list(article.blocks)
    blocks[1] = Block("heading", "The \u202eriver\x1b[2J")
    article = replace(article, blocks=tuple(blocks))
    result = export(article, tmp_path, source="file:/walk\x1b[31m\u202e")
    assert result.status == "exported", result.error
    assert result.files == ["Evil gnp.exe.mp3"]
    id3 = ID3(tmp_path / result.files[0])
    texts: list[str] = []
    for frame in id3.values():
        texts += [str(t) for t in getattr(frame, "text", [])]
        texts += [getattr(frame, "url", ""), getattr(frame, "desc", "")]
        for sub in getattr(frame, "sub_frames", {}).values():
            texts += [str(t) for t in sub.text]
    assert str(id3["TIT2"]) == "Evil gnp.exe"
    assert str(id3["TPE1"]) == "Ann Red, Bob"
    assert any(t.startswith("The river") for t in texts)  # the chapter title
    assert not [t for t in texts if UNSAFE & set(t)]
    write_feed(tmp_path)
    for name in ("playlist.m3u", "feed.xml"):
        data = (tmp_path / name).read_text(encoding="utf-8")
        assert not UNSAFE & (set(data) - {"\n"}), name
        assert "Evil gnp.exe" in data


def test_a_foreign_file_with_a_hostile_name_or_stamp_is_kept_out_of_the_playlist(
    tmp_path: Path,
) -> None:
    """A file someone else put in the folder, tagged like ours: its name (a newline would
    start a new M3U entry) and its tags (written by anyone) are not passed through."""
    import shutil

    from mutagen.id3 import ID3, TIT2

    from reader.podcast.feed import write_feed

    result = export(make_article(), tmp_path)
    ours = tmp_path / result.files[0]
    shutil.copy(ours, tmp_path / "evil\n#EXTINF:1,x\nhttp:\u202eevil.mp3")
    retagged = tmp_path / "retagged.mp3"
    shutil.copy(ours, retagged)
    id3 = ID3(retagged)
    id3.add(TIT2(encoding=3, text=["Re\x1b]0;PWNED\x07tagged \u202eevil"]))
    id3.save(retagged)
    write_feed(tmp_path)
    playlist = (tmp_path / "playlist.m3u").read_text(encoding="utf-8")
    assert "#EXTINF:1,x" not in playlist and "http:" not in playlist
    assert ",Ann Example - Retagged evil\nretagged.mp3\n" in playlist
    feed = (tmp_path / "feed.xml").read_text(encoding="utf-8")
    assert "Retagged evil" in feed and not UNSAFE & (set(feed) - {"\n"})
