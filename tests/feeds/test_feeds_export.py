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
    # Nothing new: nothing rendered (the three are up to date), the feed is rewritten.
    assert main(["feeds", "sync", "--json", "--export", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["export"]["exported"] == 0
    assert [i["status"] for i in summary["export"]["items"]] == ["skipped"] * 3


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sync_on_a_dask_cluster_extracts_and_exports_there(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """`--cluster`: the items are fetched here, extracted on the cluster's worker (a
    process of its own: this process's extraction is made to fail, and it is never
    reached) and rendered there; a page with no article is one failed item, one line."""
    from collections import Counter

    import reader.extract

    distributed = pytest.importorskip("distributed")
    from tests.feedsite import content_html

    entries = [
        Entry(f"g{n}", site.page(f"/p{n}", 400 + n, f"Cluster story {n}", paragraphs=1), None)
        for n in range(2)
    ]
    entries.append(Entry("full", site.url("/gone"), "Carried whole", content=content_html(7)))
    site.put("/empty", "<!DOCTYPE html><html><body><nav>Home</nav></body></html>", "text/html")
    entries.append(Entry("empty", site.url("/empty"), "Nothing here"))
    site.put("/feed", rss(entries))
    assert main(["feeds", "add", site.url("/feed")]) == 0
    capsys.readouterr()

    def here(*args: object, **kwargs: object) -> object:
        raise AssertionError("extracted in the command's process")

    monkeypatch.setattr(reader.extract, "extract_html", here)
    monkeypatch.setattr(reader.extract, "extract_loaded", here)
    out = tmp_path / "podcast"
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            processes=True,
        ) as cluster,
        distributed.Client(cluster.scheduler_address) as client,
        distributed.get_task_stream(client) as stream,
    ):
        address = cluster.scheduler_address
        status = main(["feeds", "sync", "--json", "--export", str(out), "--cluster", address])
        captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert status == 1  # the empty page failed; the rest completed
    by_status = Counter(i["status"] for i in summary["items"])
    assert by_status == {"added": 3, "failed": 1}
    (failed,) = [i for i in summary["items"] if i["status"] == "failed"]
    # The worker's own error, carried back whole (subject and reason), not a wrapper.
    assert failed["error"] == site.url("/empty") + ": no article found in the page"
    assert failed["error"].count("\n") == 0 and "Traceback" not in captured.err
    assert site.hits["/gone"] == 0  # the whole article came in the feed
    tasks = Counter(str(task["key"]).split("-")[0] for task in stream.data)
    assert tasks["extract_page"] == 4 and tasks["_cluster_task"] == 3
    assert summary["export"]["exported"] == 3
    assert audio(out) == ["Carried whole.mp3", "Cluster story 0.mp3", "Cluster story 1.mp3"]


@pytest.mark.slow  # Dask retries for its connect timeout (1 s here)
def test_sync_with_an_unreachable_cluster_is_one_line_and_fetches_nothing(
    site: Site, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("reader.workers.CLUSTER_CONNECT_SECONDS", 1.0)  # Dask retries
    site.put("/feed", rss([Entry("g", site.page("/p", 5, "Story"), None)]))
    assert main(["feeds", "add", site.url("/feed")]) == 0
    site.reset_counts()
    capsys.readouterr()
    status = main(["feeds", "sync", "--cluster", "tcp://127.0.0.1:9"])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("reader: tcp://127.0.0.1:9: cannot reach the Dask scheduler")
    assert err.count("\n") == 1
    assert site.answers == []
