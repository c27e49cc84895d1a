"""A feed sync: fetch the feeds, add their new items to the library, optionally render them.

1. Every feed is fetched at once (threads, at most :data:`HOST_LIMIT` at a time per
   host) with a conditional GET: an unchanged feed costs one ``304`` and nothing else.
2. The new items (not known by GUID in their feed nor by URL in any feed; at most
   ``limit`` per feed) become articles: the item's own HTML when the feed carries the
   whole article (at least :data:`FULL_CONTENT_CHARS`), else the linked page, fetched
   in the same threads and extracted as ``reader add`` does. Extraction (trafilatura,
   the CPU part: :func:`extract_page` of a picklable :class:`Page`) runs in those
   threads, or with ``cluster`` on the Dask cluster, the fetching staying here.
3. This thread adds them to the library (with the same-story check) and records each
   item only once its article is there: an interrupted sync redoes only what it had not
   finished. A feed's validators are stored only when all its items are done.
4. With ``export``, every article of these feeds not listened to yet goes through the
   export runner (:func:`reader.exporting.export`, on the same cluster when given), which
   skips the files already up to date and rewrites ``feed.xml``: the folder holds them
   all, whenever they were synced (:mod:`reader.feeds.podcast`).

Fetching uses :func:`reader.extract.fetch.fetch` and its limits (timeouts, overall
deadline, size cap, redirects).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from reader.errors import FetchError, InputError, ReaderError
from reader.feeds.parse import Item, Parsed, parse
from reader.sanitize import one_line

if TYPE_CHECKING:
    from reader.article import Article
    from reader.export import ExportOptions, ItemResult
    from reader.export.batch import Summary
    from reader.library import Library
    from reader.library.feeds import Feed, FetchedOk

HOST_LIMIT = 4  # fetches at once to one host
WORKERS = 16  # fetch and extraction threads
DEFAULT_LIMIT = 50  # new items taken from one feed in one sync
FULL_CONTENT_CHARS = 1500  # an item's HTML at least this long is taken as the article
WAIT = 600.0  # seconds a fetch waits for its host's turn before giving up
CLUSTER_WAIT = 600.0  # seconds an extraction on the cluster may take, queueing included


@dataclass
class FeedResult:
    id: int
    url: str
    title: str | None
    status: str = "unchanged"  # unchanged (304 or no new item), updated, failed
    error: str | None = None
    new: int = 0  # new items taken
    left: int = 0  # new items left for a later sync (--limit)
    failing: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "status": self.status,
            "error": self.error,
            "new": self.new,
            "left": self.left,
            "failing": self.failing,
        }


@dataclass
class ItemOutcome:
    feed_id: int
    guid: str
    url: str | None
    title: str | None
    status: str  # added, updated, unchanged, similar, refused, failed
    article_id: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed": self.feed_id,
            "url": self.url,
            "title": self.title,
            "status": self.status,
            "article": self.article_id,
            "error": self.error,
        }


@dataclass
class SyncSummary:
    feeds: list[FeedResult] = field(default_factory=list)
    items: list[ItemOutcome] = field(default_factory=list)
    seconds: float = 0.0
    export: Summary | None = None
    fetch_seconds: float = 0.0  # wall time of steps 1-3 (fetching, extracting, adding)
    dropped: list[str] = field(default_factory=list)  # --drop-listened: files deleted

    def count_feeds(self, status: str) -> int:
        return sum(1 for f in self.feeds if f.status == status)

    def count_items(self, *statuses: str) -> int:
        return sum(1 for i in self.items if i.status in statuses)

    @property
    def exit_code(self) -> int:
        failed = self.count_feeds("failed") or self.count_items("failed", "refused")
        return 1 if failed or (self.export is not None and self.export.exit_code) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "feeds": [f.to_dict() for f in self.feeds],
            "items": [i.to_dict() for i in self.items],
            "added": self.count_items("added", "updated"),
            "failed": self.count_feeds("failed") + self.count_items("failed", "refused"),
            "seconds": round(self.seconds, 3),
            "export": self.export.to_dict() if self.export is not None else None,
            "dropped": self.dropped,
        }


class _Hosts:
    """A semaphore per host, so that one site is never asked more than HOST_LIMIT at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}

    def fetch(self, url: str, **kwargs: Any) -> Any:
        from reader.extract.fetch import fetch

        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            gate = self._hosts.setdefault(host, threading.BoundedSemaphore(self.limit))
        if not gate.acquire(timeout=WAIT):
            raise FetchError(url, f"waited more than {WAIT:g} s for a connection to {host}")
        try:
            return fetch(url, **kwargs)
        finally:
            gate.release()


@dataclass
class _Fetched:
    feed: Feed
    parsed: Parsed | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: ReaderError | None = None


def _fetch_feed(feed: Feed, hosts: _Hosts) -> _Fetched:
    try:
        got = hosts.fetch(feed.url, feed=True, etag=feed.etag, last_modified=feed.last_modified)
        if got.not_modified:
            return _Fetched(feed, None, got.etag, got.last_modified)
        parsed = parse(got.data, got.url, got.content_type)
        return _Fetched(feed, parsed, got.etag, got.last_modified)
    except ReaderError as error:
        return _Fetched(feed, error=error)


@dataclass(frozen=True, slots=True)
class Page:
    """What an item's article is extracted from, as sent to where extraction runs (a
    thread here, or a Dask worker): the item's own HTML made a page, or the bytes of its
    linked page as fetched."""

    label: str  # what errors name: the item's link, else its GUID
    url: str | None = None  # the item's link
    html: str | None = None  # the feed's full article, wrapped as a page
    data: bytes | None = None  # the linked page as fetched
    final_url: str | None = None  # where redirects led
    charset: str | None = None  # the server's


def extract_page(page: Page) -> Article:
    """The article in ``page`` (trafilatura and the pass for the ear): pure, so it runs
    in any thread or process; :class:`~reader.errors.InputError` when there is none."""
    from reader.extract import extract_html, extract_loaded
    from reader.extract.sources import load_bytes

    if page.html is not None:
        return extract_html(page.html, url=page.url, source=page.label)
    loaded = load_bytes(
        page.data or b"", page.url or page.label, declared_charset=page.charset, url=page.final_url
    )
    return extract_loaded(loaded)


def on_cluster(remote: Executor) -> Callable[[Page], Article]:
    """:func:`extract_page` run on a Dask cluster's executor, waited for (with a deadline)
    by the calling thread; a worker's failure is the item's, in one line."""

    def extract(page: Page) -> Article:
        future = remote.submit(extract_page, page)
        try:
            return future.result(timeout=CLUSTER_WAIT)
        except ReaderError:
            raise  # the page held no article: raised there, re-raised here
        except Exception as error:  # the worker died, the scheduler went away, the deadline
            future.cancel()
            reason = one_line(str(error))[:200] or type(error).__name__
            raise InputError(page.label, f"extraction on the cluster failed ({reason})") from None

    return extract


def item_article(
    item: Item, hosts: _Hosts, extract: Callable[[Page], Article] = extract_page
) -> Article:
    """The article of a feed item: its own full HTML, else its linked page (fetched here,
    extracted by ``extract``: in this thread, or :func:`on_cluster`)."""
    label = item.url or item.guid
    article = None
    if item.content and (len(item.content) >= FULL_CONTENT_CHARS or item.url is None):
        from html import escape

        title = escape(item.title or "")
        html = (
            f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1>{item.content}</article></body></html>"
        )
        try:
            article = extract(Page(label, item.url, html=html))
        except InputError:
            if item.url is None:
                raise
    if article is None:
        if item.url is None:
            raise InputError(label, "the item has neither a link nor its text")
        got = hosts.fetch(item.url)
        article = extract(
            Page(label, item.url, data=got.data, final_url=got.url, charset=got.charset)
        )
    if not article.title and item.title:
        article = replace(article, title=item.title)
    if not article.date and item.published:
        article = replace(article, date=item.published[:10])
    return article


def _new_items(
    library: Library,
    feed: Feed,
    parsed: Parsed,
    limit: int,
    since: str | None,
    claimed: set[str],
) -> tuple[list[Item], list[Item], int]:
    """(items to take, refused items, how many new ones were left for later).

    ``claimed``: the links another feed's items take in this sync (updated here).
    """
    from reader.library.feeds import known_items

    seen_guids: set[str] = set()
    seen_urls: set[str] = set()
    candidates: list[Item] = []
    for item in parsed.items:
        if item.guid in seen_guids or (item.url and item.url in seen_urls):
            continue  # duplicate GUID or link within the document
        seen_guids.add(item.guid)
        if item.url:
            seen_urls.add(item.url)
        if since and item.published and item.published[:10] < since:
            continue
        candidates.append(item)
    known = known_items(
        library,
        feed.id,
        [i.guid for i in candidates],
        [i.url for i in candidates if i.url],
    )
    known |= claimed
    fresh = [i for i in candidates if i.guid not in known and not (i.url and i.url in known)]
    refused = [i for i in fresh if i.bad_link and not i.url]
    good = [i for i in fresh if not (i.bad_link and not i.url)]
    claimed.update(i.url for i in good[:limit] if i.url)
    return good[:limit], refused, max(0, len(good) - limit)


def sync(
    library: Library,
    feeds: Sequence[Feed],
    *,
    limit: int = DEFAULT_LIMIT,
    since: str | None = None,
    skip_similar: bool = True,
    export: Path | None = None,
    export_options: ExportOptions | None = None,
    drop_listened: bool = False,
    jobs: int = 1,
    cluster: str | None = None,
    host_limit: int = HOST_LIMIT,
    on_total: Callable[[int], None] | None = None,
    on_feed: Callable[[FeedResult], None] | None = None,
    on_item: Callable[[ItemOutcome], None] | None = None,
    on_export_item: Callable[[ItemResult], None] | None = None,
) -> SyncSummary:
    """Sync ``feeds`` into ``library``; failures are in the summary, never raised.

    With ``export``, that folder is brought to every unlistened article of ``feeds``
    (:mod:`reader.feeds.podcast`), less the listened ones' files with ``drop_listened``.

    ``on_total`` is called with the number of steps (feeds, then again feeds plus new
    items once they are known); ``on_feed`` and ``on_item`` after each step.
    """
    began = time.perf_counter()
    folder = str(export.expanduser().resolve()) if export is not None else None
    run = _Sync(
        library,
        feeds,
        limit=limit,
        since=since,
        skip_similar=skip_similar,
        folder=folder,
        hosts=_Hosts(host_limit),
        on_feed=on_feed,
        on_item=on_item,
        on_total=on_total,
    )
    # With a cluster, its executor is reached before anything is fetched (one line and
    # nothing done when it cannot be), and closed after the threads waiting on it.
    from reader.workers import cluster_executor

    with (
        cluster_executor(cluster) if cluster else nullcontext() as remote,
        ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="feed-sync") as pool,
        _finally(run.flush),
    ):
        run.run(pool, feeds, on_cluster(remote) if remote is not None else extract_page)
    summary = run.summary
    summary.fetch_seconds = time.perf_counter() - began
    if export is not None and folder is not None:
        from reader.feeds.podcast import fill

        filled = fill(
            library,
            Path(folder),
            [f.id for f in feeds],
            export_options,
            jobs=jobs,
            cluster=cluster,
            drop_listened=drop_listened,
            on_item=on_export_item,
        )
        summary.export, summary.dropped = filled.summary, filled.dropped
    summary.seconds = time.perf_counter() - began
    return summary


class _Sync:
    """Steps 1-3 of one sync: the feeds fetched, their new items made articles (both on
    the pool), then added to the library and recorded here, in this thread."""

    def __init__(
        self,
        library: Library,
        feeds: Sequence[Feed],
        *,
        limit: int,
        since: str | None,
        skip_similar: bool,
        folder: str | None,
        hosts: _Hosts,
        on_feed: Callable[[FeedResult], None] | None,
        on_item: Callable[[ItemOutcome], None] | None,
        on_total: Callable[[int], None] | None,
    ) -> None:
        from reader.library import feeds as store

        self.library = library
        self.store = store
        self.limit, self.since, self.skip_similar = limit, since, skip_similar
        self.folder = folder  # the export folder items are recorded for, if any
        self.hosts = hosts
        self.on_feed, self.on_item, self.on_total = on_feed, on_item, on_total
        self.summary = SyncSummary()
        self.results = {f.id: FeedResult(f.id, f.url, f.title) for f in feeds}
        self.pending: dict[int, int] = {}  # feed id -> items not finished yet
        self.clean: dict[int, bool] = {}  # feed id -> no item failed, nothing left for later
        self.fetched: dict[int, _Fetched] = {}
        self.claimed: set[str] = set()  # links taken by this sync so far
        self.done: list[FetchedOk] = []  # written in one transaction (see flush)
        self.total = len(feeds)
        if on_total is not None:
            on_total(self.total)

    def run(
        self, pool: ThreadPoolExecutor, feeds: Sequence[Feed], extract: Callable[[Page], Article]
    ) -> None:
        """Fetch every feed, then take the new items as their articles come in (made by
        ``extract``: :func:`extract_page` here, or :func:`on_cluster`)."""
        feed_futures = {pool.submit(_fetch_feed, feed, self.hosts): feed for feed in feeds}
        item_futures: dict[Future[Article], tuple[Feed, Item]] = {}
        for future in as_completed(feed_futures):
            got = future.result()
            for item in self.fetched_feed(got):
                made = pool.submit(item_article, item, self.hosts, extract)
                item_futures[made] = (got.feed, item)
        for finished in as_completed(item_futures):
            feed, item = item_futures[finished]
            try:
                outcome = self.take(feed, item, finished.result())
            except ReaderError as error:
                label = item.url or f"{feed.url} item {item.title or item.guid!r}"
                message = str(error) if error.subject == label else f"{label}: {error.reason}"
                outcome = ItemOutcome(
                    feed.id, item.guid, item.url, item.title, "failed", error=one_line(message)
                )
            self.settle(feed.id, outcome)

    def fetched_feed(self, got: _Fetched) -> list[Item]:
        """Note what fetching a feed gave; its new items, to be made articles."""
        feed = got.feed
        self.fetched[feed.id] = got
        result = self.results[feed.id]
        self.summary.feeds.append(result)
        if got.error is not None:
            result.status = "failed"
            # A reason can quote the server (an HTTP reason phrase): one safe line.
            result.error = one_line(str(got.error))
            failures = self.store.mark_failed(self.library, feed.id, one_line(got.error.reason))
            result.failing = failures >= self.store.FAILING_AFTER
            if self.on_feed is not None:
                self.on_feed(result)
            return []
        if got.parsed is None:  # 304 Not Modified
            self.feed_done(feed.id)
            return []
        if got.parsed.title:
            result.title = got.parsed.title
        items, refused, left = _new_items(
            self.library, feed, got.parsed, self.limit, self.since, self.claimed
        )
        result.new, result.left = len(items), left
        self.clean[feed.id] = left == 0
        if items or refused:
            result.status = "updated"
        for item in refused:
            self.refuse(feed, item)
        self.pending[feed.id] = len(items)
        if not items:
            self.feed_done(feed.id)
            return []
        self.total += len(items)
        if self.on_total is not None:
            self.on_total(self.total)
        return items

    def refuse(self, feed: Feed, item: Item) -> None:
        """An item whose link is not http(s): recorded as refused, never fetched."""
        self.store.record_item(self.library, feed.id, item.guid, None, None, "refused")
        outcome = ItemOutcome(
            feed.id,
            item.guid,
            None,
            item.title,
            "refused",
            error=f"{feed.url}: item {item.title or item.guid!r}: link refused "
            f"({item.bad_link}): only http and https links are followed",
        )
        self.summary.items.append(outcome)
        if self.on_item is not None:
            self.on_item(outcome)

    def take(self, feed: Feed, item: Item, article: Article) -> ItemOutcome:
        """Add an item's article to the library and record the item as taken."""
        source = item.url or f"feed:{feed.id}:{item.guid}"
        added = self.library.add(
            article, source, if_similar="skip" if self.skip_similar else "keep"
        )
        title = one_line(article.title or item.title or "") or None
        if added.status == "skipped":
            similar = added.similar[0].id if added.similar else None
            self.store.record_item(self.library, feed.id, item.guid, item.url, similar, "similar")
            return ItemOutcome(feed.id, item.guid, item.url, title, "similar", similar)
        status = added.status if added.status in ("added", "updated") else "unchanged"
        self.store.record_item(
            self.library,
            feed.id,
            item.guid,
            item.url,
            added.id,
            status,
            export_to=self.folder if status in ("added", "updated") else None,
        )
        return ItemOutcome(feed.id, item.guid, item.url, title, status, added.id)

    def settle(self, feed_id: int, outcome: ItemOutcome) -> None:
        """An item is finished; its feed is done when it was the last."""
        self.summary.items.append(outcome)
        if outcome.status in ("failed",):
            self.clean[feed_id] = False
        if self.on_item is not None:
            self.on_item(outcome)
        self.pending[feed_id] -= 1
        if self.pending[feed_id] == 0:
            self.feed_done(feed_id)

    def feed_done(self, feed_id: int) -> None:
        """Store the feed's validators and title (its items are all finished)."""
        got = self.fetched[feed_id]
        parsed = got.parsed
        self.done.append(
            self.store.FetchedOk(
                feed_id,
                etag=got.etag,
                last_modified=got.last_modified,
                title=parsed.title if parsed else None,
                site=parsed.site if parsed else None,
                keep_validators=self.clean.get(feed_id, True),
                kind=parsed.kind if parsed else None,
            )
        )
        if parsed is not None:  # feeds with items are stored as they finish
            self.flush()
        if self.on_feed is not None:
            self.on_feed(self.results[feed_id])

    def flush(self) -> None:
        self.store.mark_ok(self.library, self.done)
        self.done.clear()


@contextmanager
def _finally(work: Callable[[], None]) -> Iterator[None]:
    """Run ``work`` when the block ends, however it ends (an interrupt included)."""
    try:
        yield
    finally:
        work()
