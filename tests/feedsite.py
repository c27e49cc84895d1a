"""A local web site of feeds and articles on 127.0.0.1, for the feed tests and benchmark.

Routes are set per test (:meth:`Site.put`); the server answers conditional GETs
(``If-None-Match`` / ``If-Modified-Since``) with ``304`` when the route has validators,
counts every request by path, and has hostile routes: a redirect that never ends
(``/forever/N``) and a route that waits before answering (``slow=``).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_VOCABULARY = """
harbour tide river valley mountain village market bridge station garden forest meadow
lantern winter summer autumn spring morning evening council school library museum
teacher farmer baker fisher sailor doctor painter writer singer builder driver engine
carriage bicycle ferry tram canal orchard vineyard quarry mill bakery chapel tower
castle harvest festival parade concert lecture journey letter diary recipe kettle
blanket window chimney ladder barrel basket candle compass anchor rope sail copper
silver granite timber wool linen cotton honey apple pear plum cherry walnut rain snow
fog thunder breeze storm frost sunlight shadow meadowlark heron otter badger swallow
falcon salmon trout beetle moth cricket nettle thistle clover bramble fern moss quietly
slowly early late gladly rarely often nearly always seldom together alone repaired
painted carried measured counted planted gathered opened closed mended crossed followed
remembered described explained weighed sorted stacked polished
"""
WORDS = _VOCABULARY.split()


_SYLLABLES = "ka lo mi re tu sa ven dor bel fin gar hol ith jun kes lum mor nap ost pil quen"
SYLLABLES = _SYLLABLES.split()


def story(seed: int, paragraphs: int = 5) -> list[str]:
    """Distinct English-looking paragraphs for article ``seed``.

    Each article's nouns are made-up names of its own, so no two articles share enough
    content words to pass for one story (the library's same-story check).
    """
    rng = random.Random(seed)
    names = [
        "".join(rng.choice(SYLLABLES) for _ in range(3)) + rng.choice(("ton", "ia", "er", "ow"))
        for _ in range(40 * paragraphs)
    ]
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(5):
            a, b, c, d, e = rng.sample(names, 5)
            verb = rng.choice(WORDS[-14:])
            sentences.append(
                f"The {a} of {b.capitalize()} {verb} the old {c} near {d}, "
                f"and the {rng.choice(WORDS[:40])} was {e} again."
            )
        out.append(" ".join(sentences))
    return out


def article_html(seed: int, title: str | None = None, paragraphs: int = 5) -> str:
    title = title or f"Article number {seed}"
    body = "".join(f"<p>{escape(p)}</p>" for p in story(seed, paragraphs))
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{escape(title)}</title></head><body>"
        f"<article><h1>{escape(title)}</h1>{body}</article></body></html>"
    )


def content_html(seed: int) -> str:
    """An item's full article as a feed carries it (content:encoded)."""
    return "".join(f"<p>{escape(p)}</p>" for p in story(seed))


@dataclass
class Route:
    body: bytes
    ctype: str
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None
    slow: float = 0.0
    reason: str | None = None  # the status line's reason phrase, as sent


class Site:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.answers: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.base = ""

    def url(self, path: str) -> str:
        return self.base + path

    def put(
        self,
        path: str,
        body: str | bytes,
        ctype: str = "application/rss+xml",
        *,
        status: int = 200,
        etag: str | None = None,
        last_modified: str | None = None,
        location: str | None = None,
        slow: float = 0.0,
        reason: str | None = None,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, ctype, status, etag, last_modified, location, slow, reason)

    def page(self, path: str, seed: int, title: str | None = None, paragraphs: int = 5) -> str:
        self.put(path, article_html(seed, title, paragraphs), "text/html; charset=utf-8")
        return self.url(path)

    def reset_counts(self) -> None:
        with self.lock:
            self.hits.clear()
            self.answers.clear()


def make_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(
            self, status: int, body: bytes, headers: dict[str, str], reason: str | None = None
        ) -> None:
            with site.lock:
                site.answers.append((self.path, status))
            self.send_response(status, reason)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path
            with site.lock:
                site.hits[path] += 1
            if path.startswith("/forever/"):
                n = int(path.rsplit("/", 1)[1])
                self._answer(302, b"", {"Location": f"/forever/{n + 1}"})
                return
            route = site.routes.get(path)
            if route is None:
                self._answer(404, b"not found", {"Content-Type": "text/plain"})
                return
            if route.slow:
                time.sleep(route.slow)
            if route.location:
                self._answer(route.status, b"", {"Location": route.location})
                return
            validators = {}
            if route.etag:
                validators["ETag"] = route.etag
            if route.last_modified:
                validators["Last-Modified"] = route.last_modified
            match = self.headers.get("If-None-Match")
            since = self.headers.get("If-Modified-Since")
            if (route.etag and match == route.etag) or (
                route.last_modified and not route.etag and since == route.last_modified
            ):
                self._answer(304, b"", validators)
                return
            self._answer(
                route.status, route.body, {"Content-Type": route.ctype, **validators}, route.reason
            )

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up (a refused body, a timeout) is part of the tests


@contextmanager
def running(site: Site | None = None) -> Iterator[Site]:
    """Serve ``site`` on 127.0.0.1 (a free port) while the block runs."""
    site = site or Site()
    server = _Server(("127.0.0.1", 0), make_handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


# -- feed documents -----------------------------------------------------------------------


@dataclass
class Entry:
    guid: str | None
    link: str | None
    title: str | None = None
    content: str | None = None  # full HTML (content:encoded / Atom content / content_html)
    summary: str | None = None
    date: str | None = "Mon, 01 Jan 2024 10:00:00 GMT"


def rss(entries: list[Entry], title: str = "A feed", link: str = "http://example.test/") -> str:
    items = []
    for e in entries:
        parts = []
        if e.title is not None:
            parts.append(f"<title>{escape(e.title)}</title>")
        if e.link is not None:
            parts.append(f"<link>{escape(e.link)}</link>")
        if e.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(e.guid)}</guid>')
        if e.summary is not None:
            parts.append(f"<description>{escape(e.summary)}</description>")
        if e.content is not None:
            parts.append(f"<content:encoded><![CDATA[{e.content}]]></content:encoded>")
        if e.date is not None:
            parts.append(f"<pubDate>{e.date}</pubDate>")
        items.append(f"<item>{''.join(parts)}</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>d</description>{''.join(items)}</channel></rss>"
    )


def atom(entries: list[Entry], title: str = "An Atom feed") -> str:
    out = []
    for e in entries:
        parts = [f"<id>{escape(e.guid or '')}</id>"]
        if e.title is not None:
            parts.append(f"<title>{escape(e.title)}</title>")
        if e.link is not None:
            parts.append(f'<link rel="alternate" href="{escape(e.link)}"/>')
        if e.content is not None:
            parts.append(f'<content type="html">{escape(e.content)}</content>')
        parts.append("<updated>2024-01-02T10:00:00Z</updated>")
        out.append(f"<entry>{''.join(parts)}</entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:feed</id><updated>2024-01-02T10:00:00Z</updated>"
        f"{''.join(out)}</feed>"
    )


def json_feed(entries: list[Entry], title: str = "A JSON feed") -> str:
    import json

    items = []
    for e in entries:
        item: dict[str, str] = {"id": e.guid or ""}
        if e.link is not None:
            item["url"] = e.link
        if e.title is not None:
            item["title"] = e.title
        if e.content is not None:
            item["content_html"] = e.content
        item["date_published"] = "2024-01-03T10:00:00Z"
        items.append(item)
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    )


def http_date(seconds: float = 1_700_000_000) -> str:
    return formatdate(seconds, usegmt=True)
