"""The podcast (issue 19, 3.8): feed items get a description, a long article without
headings gets chapters every few paragraphs, and ``feeds sync --export DIR`` keeps DIR
holding every unlistened article of the feeds, whenever it was synced, and drops the
listened ones when asked."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.audio.encode import Mark, Rendered
from reader.cli import main
from reader.export import ExportOptions, Job, chapters, export_item, plan
from reader.export.batch import Names, commit
from reader.export.outline import CHAPTER_WORDS, description, paragraph_chapters
from reader.export.tags import read_stamp
from reader.library import Library
from reader.podcast.feed import ITUNES, write_feed
from reader.text.article import Article, Block
from tests.export.test_export_units import tagged_file
from tests.feedsite import Entry, Site, rss, running, story

pytestmark = pytest.mark.timeout(240)


def headless(paragraphs: int, seed: int = 7) -> Article:
    """An article of ``paragraphs`` paragraphs of about 100 words each, no heading."""
    return Article(
        blocks=tuple(Block("paragraph", text) for text in story(seed, paragraphs)),
        title="A long story without headings",
        language="en",
    )


# -- descriptions ---------------------------------------------------------------------------


def test_feed_items_get_a_description_from_the_first_paragraph(tmp_path: Path) -> None:
    tagged_file(tmp_path, "a.mp3", description="The council met on Tuesday. It voted.")
    # A file written before files carried a description: its spoken text's first
    # paragraph that is neither its title nor a heading.
    lyrics = "Ünïcode title\n\nA heading\n\nThe ferry runs again after a pause of two years."
    tagged_file(tmp_path, "b.mp3", key="file:/b", lyrics=lyrics)
    write_feed(tmp_path, base_url="https://host/pod")
    items = ET.parse(tmp_path / "feed.xml").getroot().findall("channel/item")
    found = sorted(item.findtext("description") or "" for item in items)
    assert found == [
        "The council met on Tuesday. It voted.",
        "The ferry runs again after a pause of two years.",
    ]
    assert sorted(item.findtext(f"{{{ITUNES}}}summary") or "" for item in items) == found


def test_the_description_is_the_first_paragraph_or_the_highlight_cut_at_a_sentence() -> None:
    article = Article(
        blocks=(
            Block("heading", "Opening"),
            Block("paragraph", "First sentence here. " * 60),
            Block("paragraph", "Second paragraph."),
        ),
        title="T",
    )
    whole = description(article, [(0, len(article.text))])
    assert whole is not None and whole.startswith("First sentence here.")
    assert len(whole) <= 600 and whole.endswith("here.")  # cut after a sentence
    start = article.text.index("Second")
    assert description(article, [(start, len(article.text))]) == "Second paragraph."


def test_an_exported_file_carries_its_description(tmp_path: Path) -> None:
    article = headless(1)
    options = ExportOptions(rate=450).resolved()
    result = export_item(Job(0, "s", "file:/s", str(tmp_path), options, article=article))
    commit(result, Names(tmp_path))
    (name,) = result.files
    stamp = read_stamp(tmp_path / name)
    assert stamp is not None and stamp.description == article.blocks[0].text


# -- chapters -------------------------------------------------------------------------------


def _rendered(article: Article) -> Rendered:
    marks = tuple(Mark(s.start, s.end, float(n), 0.8) for n, s in enumerate(article.sentences))
    return Rendered(len(marks), 22050, marks)


def test_a_long_article_without_headings_gets_chapters_every_few_paragraphs() -> None:
    article = headless(8)  # about 800 words
    (part,) = plan(article, "k", ExportOptions(), None)
    got = chapters(article, part, _rendered(article))
    assert len(got) >= 2
    starts = paragraph_chapters(article)
    # Each chapter opens a paragraph, titled by its first words; the first at the start.
    assert starts[0][0] == 0
    spans = zip(article.blocks, article.block_spans, strict=True)
    blocks = {span.start: block.text for block, span in spans}
    for offset, title in starts[1:]:
        assert blocks[offset].startswith(title.removesuffix("…"))
    assert [c.title for c in got] == [title for _, title in starts]
    # Every chapter but the last holds at least CHAPTER_WORDS words.
    bounds = [offset for offset, _ in starts]
    for a, b in itertools.pairwise(bounds):
        assert len(article.text[a:b].split()) >= CHAPTER_WORDS
    assert got[-1].end == _rendered(article).duration


def test_a_short_article_without_headings_gets_no_chapters() -> None:
    article = headless(2)
    (part,) = plan(article, "k", ExportOptions(), None)
    assert chapters(article, part, _rendered(article)) == ()


@pytest.mark.slow
def test_an_exported_long_article_without_headings_has_chapters(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    article = headless(6)
    options = ExportOptions(rate=450).resolved()
    result = export_item(Job(0, "s", "file:/s", str(tmp_path), options, article=article))
    commit(result, Names(tmp_path))
    (name,) = result.files
    id3 = ID3(tmp_path / name)
    (toc,) = id3.getall("CTOC")
    titles = [str(id3[f"CHAP:{e}"].sub_frames["TIT2"]) for e in toc.child_element_ids]
    assert titles == [title for _, title in paragraph_chapters(article)] and len(titles) >= 2


# -- the podcast folder of feeds sync --------------------------------------------------------


@pytest.fixture
def site() -> Iterator[Site]:
    with running() as s:
        yield s


def _audio(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".mp3")


def _feed_titles(folder: Path) -> list[str]:
    items = ET.parse(folder / "feed.xml").getroot().iter("item")
    return sorted(item.findtext("title") or "" for item in items)


def test_sync_export_holds_every_unlistened_article_and_drops_the_listened_if_asked(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = [
        Entry(f"g{n}", site.page(f"/p{n}", 300 + n, f"Story {n}", paragraphs=1), None)
        for n in range(3)
    ]
    site.put("/feed", rss(entries), etag='"v1"')
    assert main(["feeds", "add", site.url("/feed")]) == 0
    # Synced without --export: the articles are in the library, no folder yet.
    assert main(["feeds", "sync"]) == 0
    out = tmp_path / "podcast"
    with Library.open() as library:
        ids = {a.title: a.id for a in library.list()}
        library.mark_listened(ids["Story 2"])  # heard in the reader already
    capsys.readouterr()
    # The first sync into the folder renders what earlier syncs brought (no new item),
    # not the listened one.
    assert main(["feeds", "sync", "--json", "--export", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["added"] == 0 and summary["export"]["exported"] == 2
    assert _audio(out) == ["Story 0.mp3", "Story 1.mp3"]
    descriptions = [i.findtext("description") for i in ET.parse(out / "feed.xml").iter("item")]
    assert len(descriptions) == 2 and all(d and len(d.split()) > 20 for d in descriptions)
    # Listened to afterwards: kept until asked, then dropped, the feed rewritten.
    with Library.open() as library:
        library.mark_listened(ids["Story 0"])
    (out / "mine.mp3").write_bytes(b"not reader's")  # a file reader did not write stays
    assert main(["feeds", "sync", "--json", "--export", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["export"]["exported"] == 0 and summary["dropped"] == []
    assert _audio(out) == ["Story 0.mp3", "Story 1.mp3", "mine.mp3"]
    assert main(["feeds", "sync", "--export", str(out), "--drop-listened"]) == 0
    captured = capsys.readouterr()
    assert "1 listened file(s) dropped" in captured.err
    assert _audio(out) == ["Story 1.mp3", "mine.mp3"]
    assert _feed_titles(out) == ["Story 1"]
    # Marked unheard again: the next sync brings it back.
    with Library.open() as library:
        library.mark_listened(ids["Story 0"], listened=False)
    assert main(["feeds", "sync", "--json", "--export", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["export"]["exported"] == 1
    assert _feed_titles(out) == ["Story 0", "Story 1"]


def test_drop_listened_needs_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feeds", "sync", "--drop-listened"]) == 2
    assert capsys.readouterr().err.strip() == (
        "reader: --drop-listened: only applies with --export DIR"
    )
