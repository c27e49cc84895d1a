"""`reader feeds sync --export DIR`: new articles rendered with the export runner, the
folder's feed rewritten, an interrupted export finished by the next sync."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.cli import main
from tests.feedsite import Entry, Site, rss, running

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def site() -> Iterator[Site]:
    with running() as s:
        yield s


def audio(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".mp3")


def test_sync_export_renders_new_articles_and_resumes_an_interrupted_export(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    import reader.export.batch

    entries = [
        Entry(f"g{n}", site.page(f"/p{n}", 200 + n, f"Short story {n}", paragraphs=1), None)
        for n in range(2)
    ]
    site.put("/feed", rss(entries), etag='"v1"')
    assert main(["feeds", "add", site.url("/feed")]) == 0
    out = tmp_path / "podcast"
    real = reader.export.batch.run

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    # The sync adds the articles, then is stopped before rendering them.
    monkeypatch.setattr(reader.export.batch, "run", interrupted)
    assert main(["feeds", "sync", "--export", str(out)]) == 130  # "reader: interrupted"
    monkeypatch.setattr(reader.export.batch, "run", real)
    capsys.readouterr()
    # The next sync has no new item (304) but renders the two still pending.
    assert main(["feeds", "sync", "--json", "--export", str(out), "--jobs", "2"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["added"] == 0 and summary["export"]["exported"] == 2
    assert audio(out) == ["Short story 0.mp3", "Short story 1.mp3"]
    feed = ET.parse(out / "feed.xml").getroot()
    assert sorted(e.findtext("title") or "" for e in feed.iter("item")) == [
        "Short story 0",
        "Short story 1",
    ]
    # A new item: only it is rendered; the feed lists all three.
    entries.append(Entry("g2", site.page("/p2", 202, "Short story 2", paragraphs=1), None))
    site.put("/feed", rss(entries), etag='"v2"')
    assert main(["feeds", "sync", "--json", "--export", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["added"] == 1 and summary["export"]["exported"] == 1
    assert len(list(ET.parse(out / "feed.xml").getroot().iter("item"))) == 3
    # Nothing new: nothing rendered, the feed is rewritten all the same.
    assert main(["feeds", "sync", "--json", "--export", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["export"]["exported"] == 0 and summary["export"]["items"] == []
