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
   all, whenever they were synced (:mod:`reader.podcast.folder`).

Fetching uses :func:`reader.extract.fetch.fetch` and its limits (timeouts, overall
deadline, size cap, redirects).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from reader.errors import InputError, ReaderError
from reader.feeds.budget import FEED_BUDGET, HOST_LIMIT, SYNC_DEADLINE, Budget, Hosts, Late
from reader.feeds.outcomes import FeedResult, ItemOutcome, SyncSummary
from reader.feeds.parse import Item, Parsed, parse
from reader.text.sanitize import one_line

__all__ = [
    "DEFAULT_LIMIT",
    "FeedResult",
    "ItemOutcome",
    "Page",
    "SyncSummary",
    "extract_page",
    "item_article",
    "sync",
]

if TYPE_CHECKING:
    from reader.export import ExportOptions, ItemResult
    from reader.library import Library
    from reader.library.feeds import Feed, FetchedOk
    from reader.text.article import Article

WORKERS = 16  # fetch and extraction threads
DEFAULT_LIMIT = 50  # new items taken from one feed in one sync
FULL_CONTENT_CHARS = 1500  # an item's HTML at least this long is taken as the article
CLUSTER_WAIT = 600.0  # seconds an extraction on the cluster may take, queueing included
EXTRACTION_GRACE = 30.0  # seconds past the deadline to extract what arrived by then


@dataclass
class _Fetched:
    feed: Feed
    parsed: Parsed | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: ReaderError | None = None
    public: bool = False  # a public address served it: its links are held to the address policy


def _fetch_feed(feed: Feed, hosts: Hosts, until: float | None = None) -> _Fetched:
    try:
        got = hosts.fetch(
            feed.url, until=until, feed=True, etag=feed.etag, last_modified=feed.last_modified
        )
        if got.not_modified:
            return _Fetched(feed, None, got.etag, got.last_modified, public=got.public)
        parsed = parse(got.data, got.url, got.content_type)
        return _Fetched(feed, parsed, got.etag, got.last_modified, public=got.public)
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
    item: Item,
    hosts: Hosts,
    extract: Callable[[Page], Article] = extract_page,
    public: bool = False,
    until: float | None = None,
) -> Article:
    """The article of a feed item: its own full HTML, else its linked page (fetched here,
    by ``until`` (a ``time.monotonic()`` value) when given, extracted by ``extract``: in
    this thread, or :func:`on_cluster`). ``public``: the feed came from a public address,
    so the link may not lead into private space (:mod:`reader.extract.addresses`)."""
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
        got = hosts.fetch(item.url, until=until, named_by_public=public)
        article = extract(
            Page(label, item.url, data=got.data, final_url=got.url, charset=got.charset)
        )
    if not article.title and item.title:
        article = replace(article, title=item.title)
    if not article.date and item.published:
        article = replace(article, date=item.published[:10])
    return article


class _Fresh(NamedTuple):
    """What a feed's document brings that this sync has not taken yet."""

    items: list[Item]  # to take
    refused: list[Item]  # links that are not http(s)
    left: int  # new ones left for a later sync (--limit)
    repeated: int  # items whose GUID an earlier item of the document has (with another link)


def _new_items(
    library: Library,
    feed: Feed,
    parsed: Parsed,
    limit: int,
    since: str | None,
    claimed: set[str],
) -> _Fresh:
    """The new items of ``parsed``; ``claimed``: the links another feed's items take in
    this sync (updated here)."""
    from reader.library.feeds import known_items

    seen_guids: dict[str, Item] = {}
    seen_urls: set[str] = set()
    candidates: list[Item] = []
    repeated = 0
    for item in parsed.items:
        first = seen_guids.get(item.guid)
        if first is not None:
            # One GUID for several items: the first is taken. The same item twice is
            # harmless; another link or text under the same GUID is said (once per feed).
            repeated += (item.url, item.content, item.title) != (
                first.url,
                first.content,
                first.title,
            )
            continue
        if item.url and item.url in seen_urls:
            continue  # the same link twice within the document
        seen_guids[item.guid] = item
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
    return _Fresh(good[:limit], refused, max(0, len(good) - limit), repeated)


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
    deadline: float = SYNC_DEADLINE,
    feed_budget: float = FEED_BUDGET,
    on_total: Callable[[int], None] | None = None,
    on_feed: Callable[[FeedResult], None] | None = None,
    on_item: Callable[[ItemOutcome], None] | None = None,
    on_export_item: Callable[[ItemResult], None] | None = None,
) -> SyncSummary:
    """Sync ``feeds`` into ``library``; failures are in the summary, never raised.

    With ``export``, that folder is brought to every unlistened article of ``feeds``
    (:mod:`reader.podcast.folder`), less the listened ones' files with ``drop_listened``.
    ``deadline`` (seconds) bounds steps 1-3, ``feed_budget`` each feed's items
    (:mod:`reader.feeds.budget`); what was not finished in time is left for the next
    sync. ``on_total`` is called with the number of steps (feeds, then again feeds plus
    new items once they are known); ``on_feed`` and ``on_item`` after each step.
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
        hosts=Hosts(host_limit),
        budget=Budget.start(deadline, feed_budget),
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
        from reader.podcast.folder import fill

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
        hosts: Hosts,
        budget: Budget,
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
        self.budget = budget
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
        ``extract``: :func:`extract_page` here, or :func:`on_cluster`), all within the
        budget: every fetch ends by the deadline, and what is not done by then (and a
        grace for extraction) is left for the next sync."""
        ends = self.budget.ends
        feed_futures = {pool.submit(_fetch_feed, feed, self.hosts, ends): feed for feed in feeds}
        item_futures: dict[Future[Article], tuple[Feed, Item]] = {}
        for fetching in as_completed(feed_futures):  # each fetch ends by the deadline
            got = fetching.result()
            until = self.budget.feed_until()
            for item in self.fetched_feed(got):
                made = pool.submit(item_article, item, self.hosts, extract, got.public, until)
                item_futures[made] = (got.feed, item)
        try:
            for finished in as_completed(item_futures, timeout=self._wait_for_items()):
                feed, item = item_futures.pop(finished)
                self.settle(feed.id, self._outcome(feed, item, finished))
        except FuturesTimeout:
            for future, (feed, item) in item_futures.items():
                future.cancel()
                self.settle(feed.id, ItemOutcome(feed.id, item.guid, item.url, item.title, "late"))

    def _wait_for_items(self) -> float:
        """How long the items may still take: the deadline, and a grace for extraction
        (every fetch ends by the deadline; extracting what arrived then takes a moment)."""
        return max(0.0, self.budget.left()) + EXTRACTION_GRACE

    def _outcome(self, feed: Feed, item: Item, finished: Future[Article]) -> ItemOutcome:
        """The item added to the library, or why not (failed, or late: for the next sync)."""
        try:
            return self.take(feed, item, finished.result())
        except Late:
            return ItemOutcome(feed.id, item.guid, item.url, item.title, "late")
        except ReaderError as error:
            label = item.url or f"{feed.url} item {item.title or item.guid!r}"
            message = str(error) if error.subject == label else f"{label}: {error.reason}"
            return ItemOutcome(
                feed.id, item.guid, item.url, item.title, "failed", error=one_line(message)
            )

    def fetched_feed(self, got: _Fetched) -> list[Item]:
        """Note what fetching a feed gave; its new items, to be made articles."""
        feed = got.feed
        self.fetched[feed.id] = got
        result = self.results[feed.id]
        self.summary.feeds.append(result)
        if got.error is not None:
            self._feed_failed(result, got.error)
            return []
        if got.parsed is None:  # 304 Not Modified
            self.feed_done(feed.id)
            return []
        if got.parsed.title:
            result.title = got.parsed.title
        fresh = _new_items(self.library, feed, got.parsed, self.limit, self.since, self.claimed)
        items = fresh.items
        result.new, result.left = len(items), fresh.left
        if fresh.repeated:
            result.notes.append(
                f"{feed.url}: {fresh.repeated} item(s) repeat the GUID of an earlier item with "
                "another link or text; only the first of each was taken"
            )
        self.clean[feed.id] = fresh.left == 0
        if items or fresh.refused:
            result.status = "updated"
        for item in fresh.refused:
            self.refuse(feed, item)
        self.pending[feed.id] = len(items)
        if not items:
            self.feed_done(feed.id)
            return []
        self.total += len(items)
        if self.on_total is not None:
            self.on_total(self.total)
        return items

    def _feed_failed(self, result: FeedResult, error: ReaderError) -> None:
        """A feed that could not be fetched: failed (counted), or late (the sync's
        deadline came first: not its fault, fetched again next time)."""
        if isinstance(error, Late):
            result.status = "late"
            result.notes.append(
                f"{result.url}: not fetched: the sync's deadline ({self.budget.seconds:g} s) "
                "passed; the next sync takes it"
            )
        else:
            result.status = "failed"
            # A reason can quote the server (an HTTP reason phrase): one safe line.
            result.error = one_line(str(error))
            failures = self.store.mark_failed(self.library, result.id, one_line(error.reason))
            result.failing = failures >= self.store.FAILING_AFTER
        if self.on_feed is not None:
            self.on_feed(result)

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
        if outcome.status in ("failed", "late"):
            self.clean[feed_id] = False  # its validators are not kept: fetched whole again
        if outcome.status == "late":
            self.results[feed_id].late += 1
        if self.on_item is not None:
            self.on_item(outcome)
        self.pending[feed_id] -= 1
        if self.pending[feed_id] == 0:
            self.feed_done(feed_id)

    def feed_done(self, feed_id: int) -> None:
        """Store the feed's validators and title (its items are all finished)."""
        got = self.fetched[feed_id]
        parsed = got.parsed
        result = self.results[feed_id]
        if result.late:
            result.notes.append(
                f"{result.url}: {result.late} item(s) not fetched in time (the feed's "
                f"{self.budget.per_feed:g} s for its items, or the sync's "
                f"{self.budget.seconds:g} s); the next sync takes them"
            )
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
            self.on_feed(result)

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
