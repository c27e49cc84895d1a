"""Feeds benchmark: syncing unchanged feeds, serving an MP3, and a first sync with export.

    python -m benchmarks.feeds [--feeds 200] [--items 20] [--export-items 10] [--clients 20]

Side by side, every figure printed with what it compares against:

* (a) ``--feeds`` feeds of ``--items`` items each, served on 127.0.0.1 by this script
  (the test site of ``tests/feedsite.py``, a threaded ``http.server``), unchanged
  since the last sync: the library holds the state a first sync leaves (each feed's
  ETag, every item recorded). Wall time of ``reader.feeds.sync.sync`` over all of
  them (target < 2 s) and of the ``reader feeds sync`` command (process start
  included), against a naive script: fetch each feed in turn, unconditionally, and
  parse it with feedparser. Ratio = naive / reader.
* (b) ``reader serve`` (the real command, a subprocess) answering 200 range requests
  for an MP3 from ``--clients`` threads at once (ranges of 1 MiB at random offsets of
  a ~``--mp3-mb`` MB file made by repeating a real export): errors (a status other than
  206 or bytes that differ from the file's) must be 0; the server's peak RSS growth
  (VmHWM after minus before) must stay below one file's worth.
* (c) a first sync of ``--export-items`` new items (articles of ``--paragraphs``
  paragraphs, linked from the feed) with ``--export`` and ``jobs=2``:
  the share of the wall time spent fetching, extracting and adding (the rest is
  synthesis and encoding); target < 10%.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_kib(pid: int, field: str = "VmHWM") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def bench_unchanged(feeds: int, items: int) -> dict[str, float]:
    import feedparser

    from reader.feeds.sync import sync
    from reader.library import Library
    from reader.library.feeds import FetchedOk, add_feed, mark_ok
    from reader.library.feeds import feeds as listed
    from tests.feedsite import Entry, rss, running

    with running() as site:
        urls = []
        for f in range(feeds):
            entries = [
                Entry(f"f{f}-{n}", site.url(f"/f{f}/{n}"), f"Feed {f} item {n}", summary="s")
                for n in range(items)
            ]
            site.put(f"/feed{f}", rss(entries, title=f"Feed {f}"), etag=f'"f{f}"')
            urls.append(site.url(f"/feed{f}"))
        with Library.open() as library:
            # The state a first sync leaves, written in one transaction (the sync itself
            # would extract 4,000 articles first).
            ids = [add_feed(library, url, f"Feed {f}")[0].id for f, url in enumerate(urls)]
            with library._write() as c:
                c.executemany(
                    "INSERT INTO feed_items (feed_id, guid, url, status, added) "
                    "VALUES (?, ?, ?, 'added', '2024-01-01')",
                    [
                        (ident, f"f{f}-{n}", site.url(f"/f{f}/{n}"))
                        for f, ident in enumerate(ids)
                        for n in range(items)
                    ],
                )
            mark_ok(library, [FetchedOk(ident, f'"f{f}"', None) for f, ident in enumerate(ids)])
            chosen = listed(library)
            start = time.perf_counter()
            summary = sync(library, chosen)
            ours = time.perf_counter() - start
        assert summary.count_feeds("unchanged") == feeds, summary.to_dict()
        site.reset_counts()
        start = time.perf_counter()
        command = subprocess.run(
            [sys.executable, "-m", "reader", "feeds", "sync", "--quiet"],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        cli = time.perf_counter() - start
        assert command.returncode == 0, command.stderr
        assert sum(site.hits.values()) == feeds
        start = time.perf_counter()
        import urllib.request

        for url in urls:
            with urllib.request.urlopen(url, timeout=30) as response:
                feedparser.parse(io.BytesIO(response.read()))
        naive = time.perf_counter() - start
    return {"reader": ours, "command": cli, "naive": naive}


def bench_serve(clients: int, requests: int, mp3_mb: int) -> dict[str, float]:
    from reader.export import Batch, ExportOptions
    from reader.exporting import export

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "podcast"
        text = Path(tmp) / "story.txt"
        text.write_text(
            "The ferry\n\n"
            + " ".join(
                f"On crossing {n} the ferry carried carts, bicycles and a brass band "
                "across the grey water while the gulls followed the wake."
                for n in range(40)
            )
        )
        summary = export([str(text)], folder, ExportOptions(), batch=Batch(feed=True))
        assert summary.exit_code == 0
        (mp3,) = [p for p in folder.iterdir() if p.suffix == ".mp3"]
        one = mp3.read_bytes()
        big = folder / "big.mp3"
        with big.open("wb") as handle:
            while handle.tell() < mp3_mb * 1024 * 1024:
                handle.write(one)
        data = big.read_bytes()
        size = len(data)
        process = subprocess.Popen(
            [sys.executable, "-m", "reader", "serve", str(folder), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert process.stdout is not None
            process.stdout.readline()
            url = process.stdout.readline().decode().rsplit(" ", 1)[1]
            port = int(url.split(":")[2].split("/")[0])
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("GET", "/big.mp3", headers={"Range": "bytes=0-1023"})
                    conn.getresponse().read()
                    conn.close()
                    break
                except OSError:
                    time.sleep(0.1)
            before = _rss_kib(process.pid)
            errors = 0
            lock = threading.Lock()
            per_client = requests // clients
            chunk = 1024 * 1024

            def client(seed: int) -> None:
                nonlocal errors
                rng = random.Random(seed)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                for _ in range(per_client):
                    start = rng.randrange(0, size - chunk)
                    end = start + chunk - 1
                    try:
                        conn.request("GET", "/big.mp3", headers={"Range": f"bytes={start}-{end}"})
                        response = conn.getresponse()
                        body = response.read()
                        ok = response.status == 206 and body == data[start : end + 1]
                    except (OSError, http.client.HTTPException):
                        ok = False
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    if not ok:
                        with lock:
                            errors += 1
                conn.close()

            began = time.perf_counter()
            threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(300)
            seconds = time.perf_counter() - began
            after = _rss_kib(process.pid)
        finally:
            process.terminate()
            process.wait(30)
    return {
        "requests": per_client * clients,
        "errors": errors,
        "seconds": seconds,
        "file_mb": size / 1024 / 1024,
        "rss_before_mb": before / 1024,
        "rss_growth_mb": (after - before) / 1024,
    }


def bench_first_sync(items: int, paragraphs: int) -> dict[str, float]:
    from reader.feeds.sync import sync
    from reader.library import Library
    from reader.library.feeds import add_feed
    from tests.feedsite import Entry, rss, running

    with running() as site, tempfile.TemporaryDirectory() as tmp:
        entries = [
            Entry(f"g{n}", site.page(f"/a{n}", 1000 + n, f"Story {n}", paragraphs), f"S{n}")
            for n in range(items)
        ]
        site.put("/feed", rss(entries), etag='"1"')
        with Library.open() as library:
            add_feed(library, site.url("/feed"))
            from reader.library.feeds import feeds

            summary = sync(library, feeds(library), export=Path(tmp) / "out", jobs=2)
        assert summary.exit_code == 0, summary.to_dict()
        assert summary.export is not None
        assert summary.export.count("exported") == items, summary.to_dict()["export"]
        words = sum(a.words for a in Library.open().list())
        return {
            "items": items,
            "words": words / items,
            "seconds": summary.seconds,
            "fetch_extract_add": summary.fetch_seconds,
            "share": summary.fetch_seconds / summary.seconds,
            "audio_minutes": summary.export.audio_seconds / 60,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--mp3-mb", type=int, default=20)
    parser.add_argument("--export-items", type=int, default=50)
    parser.add_argument(
        "--paragraphs", type=int, default=12, help="per article in (c); 12 is about 950 words"
    )
    parser.add_argument("--only", choices=("unchanged", "serve", "first"))
    args = parser.parse_args(argv)
    home = tempfile.mkdtemp(prefix="reader-bench-feeds-")
    os.environ["READER_HOME"] = home
    sys.path.insert(0, str(ROOT))
    if args.only in (None, "unchanged"):
        a = bench_unchanged(args.feeds, args.items)
        print(
            f"(a) sync of {args.feeds} unchanged feeds x {args.items} items: "
            f"reader {a['reader']:.2f} s (command, process start included: {a['command']:.2f} s)"
            f" | naive sequential unconditional fetch+parse {a['naive']:.2f} s"
            f" | ratio naive/reader {a['naive'] / a['reader']:.1f}x (target: reader < 2 s)"
        )
    if args.only in (None, "serve"):
        os.environ["READER_HOME"] = tempfile.mkdtemp(prefix="reader-bench-serve-")
        b = bench_serve(args.clients, args.requests, args.mp3_mb)
        print(
            f"(b) reader serve: {b['requests']} range requests of 1 MiB from {args.clients} "
            f"clients at once on a {b['file_mb']:.1f} MB MP3 in {b['seconds']:.2f} s: "
            f"errors {b['errors']}, peak RSS {b['rss_before_mb']:.1f} MB before, "
            f"growth {b['rss_growth_mb']:.1f} MB (one file: {b['file_mb']:.1f} MB)"
        )
    if args.only in (None, "first"):
        os.environ["READER_HOME"] = tempfile.mkdtemp(prefix="reader-bench-first-")
        c = bench_first_sync(args.export_items, args.paragraphs)
        print(
            f"(c) first sync of {c['items']} new items ({c['words']:.0f} words each) with "
            "--export, jobs=2: "
            f"{c['seconds']:.1f} s ({c['audio_minutes']:.1f} min of audio); fetch + "
            f"extraction + adding {c['fetch_extract_add']:.2f} s = {100 * c['share']:.1f}% "
            "(target < 10%)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
