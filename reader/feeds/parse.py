"""Feed documents to items: RSS and Atom through feedparser, JSON Feed through json.

Everything that comes out is safe to store and print: titles and names through
:func:`reader.text.sanitize.one_line`, links resolved against the feed's address and kept
only when they are http(s). Documents that declare XML entities are refused before any
parser sees them (billion laughs, external entities reading local files); feedparser
never gets a string, which it would take for a path or a URL to open, only bytes in a
stream.

:func:`discover` finds the feeds a web page names (``<link rel="alternate">``) with
the standard library's tolerant HTML tokenizer.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from reader.errors import InputError
from reader.text.sanitize import one_line, web_address

# Entries looked at in one document, newest first as the feed lists them: a feed of a
# hundred thousand items is cut after this many before it is parsed (feedparser takes
# 16 s over 100,000 items, 0.5 s over the first 1,000), and the sync's --limit cuts
# further before anything is looked up or fetched.
MAX_ENTRIES = 1000
# Longest title or GUID kept.
MAX_FIELD = 2000

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)


class NotAFeed(InputError):
    """A document that holds no feed (an HTML page, malformed XML, a JSON object...)."""


@dataclass(frozen=True, slots=True)
class Item:
    guid: str
    url: str | None  # an http(s) link, or None
    title: str | None
    published: str | None  # ISO 8601 UTC, or None when the feed gives no date
    content: str | None  # the item's full HTML when the feed carries it (else a summary)
    bad_link: str | None = None  # a link refused (file:, javascript:, ...), for the report


@dataclass(frozen=True, slots=True)
class Parsed:
    kind: str  # "rss", "atom" or "json"
    title: str | None
    site: str | None
    items: tuple[Item, ...] = field(default_factory=tuple)
    cut: bool = False  # the document had more than MAX_ENTRIES entries


def web_link(value: Any, base: str) -> tuple[str | None, str | None]:
    """``(url, None)`` for an http(s) link resolved against ``base``; ``(None, refused)``."""
    if not isinstance(value, str) or not value.strip():
        return None, None
    url = urljoin(base, value.strip())
    if not web_address(url):
        return None, one_line(value)[:200]
    return url, None


def _text(value: Any, limit: int = MAX_FIELD) -> str | None:
    if not isinstance(value, str):
        return None
    line = one_line(value)[:limit]
    return line or None


_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _declares_entities(data: bytes) -> bool:
    """Whether an XML document declares entities (feeds have no use for them)."""
    return _ENTITY.search(data) is not None


def _guid(*parts: str | None) -> str:
    return "sha256:" + hashlib.sha256("\x00".join(p or "" for p in parts).encode()).hexdigest()


def parse(data: bytes, url: str, content_type: str = "") -> Parsed:
    """The feed in ``data`` (fetched from ``url``), or :class:`NotAFeed`."""
    stripped = data.lstrip()[:1]
    if stripped in (b"{", b"[") or content_type in ("application/feed+json", "application/json"):
        return _parse_json(data, url)
    if _declares_entities(data):
        raise NotAFeed(url, "the feed declares XML entities (refused: not expanded, not read)")
    import feedparser

    head = _first_entries(data)
    result = feedparser.parse(
        io.BytesIO(head),
        response_headers={"content-location": url, "content-type": content_type or "text/xml"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    version = str(result.get("version") or "")
    if not version:
        if data.lstrip()[:1] == b"<" and b"<html" in data[:4096].lower():
            raise NotAFeed(url, "not a feed (an HTML page; try the site's address with feeds add)")
        problem = result.get("bozo_exception")
        reason = one_line(str(problem))[:200] if problem else "no RSS or Atom content"
        raise NotAFeed(url, f"not a feed ({reason})")
    kind = "atom" if version.startswith("atom") else "rss"
    channel = result.get("feed", {})
    entries = result.get("entries", [])
    items = [_feed_item(entry, url) for entry in entries[:MAX_ENTRIES]]
    site, _ = web_link(channel.get("link"), url)
    cut = len(head) < len(data) or len(entries) > MAX_ENTRIES
    return Parsed(kind, _text(channel.get("title")), site, tuple(items), cut)


def _first_entries(data: bytes) -> bytes:
    """``data`` up to the end of its MAX_ENTRIES-th item (feedparser copes with the cut)."""
    for closer in (b"</item>", b"</entry>"):
        end = 0
        for _ in range(MAX_ENTRIES):
            found = data.find(closer, end)
            if found < 0:
                break
            end = found + len(closer)
        else:
            if data.find(closer, end) >= 0:
                return data[:end]
    return data


def _when(parsed: Any) -> str | None:
    if not parsed:
        return None
    try:
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat()
    except (TypeError, ValueError):
        return None


def _feed_item(entry: Any, base: str) -> Item:
    link, refused = web_link(entry.get("link"), base)
    content = None
    for part in entry.get("content") or ():
        value = part.get("value") if hasattr(part, "get") else None
        if isinstance(value, str) and len(value) > len(content or ""):
            content = value
    if content is None:
        summary = entry.get("summary")
        content = summary if isinstance(summary, str) else None
    title = _text(entry.get("title"))
    published = _when(entry.get("published_parsed") or entry.get("updated_parsed"))
    guid = _text(entry.get("id")) or link or _guid(title, content)
    return Item(guid, link, title, published, content, refused)


def _parse_json(data: bytes, url: str) -> Parsed:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        raise NotAFeed(url, "not a feed (malformed JSON)") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise NotAFeed(url, "not a feed (JSON, but not a JSON Feed)")
    entries = document.get("items")
    if not isinstance(entries, list):
        entries = []
    items = []
    for entry in entries[:MAX_ENTRIES]:
        if not isinstance(entry, dict):
            continue
        link, refused = web_link(entry.get("url") or entry.get("external_url"), url)
        content = entry.get("content_html")
        if not isinstance(content, str):
            text = entry.get("content_text") or entry.get("summary")
            content = _paragraphs(text) if isinstance(text, str) else None
        title = _text(entry.get("title"))
        raw_id = entry.get("id")
        guid = _text(str(raw_id)) if isinstance(raw_id, str | int) else None
        published = _iso(entry.get("date_published") or entry.get("date_modified"))
        guid = guid or link or _guid(title, content)
        items.append(Item(guid, link, title, published, content, refused))
    site, _ = web_link(document.get("home_page_url"), url)
    cut = len(entries) > MAX_ENTRIES
    return Parsed("json", _text(document.get("title")), site, tuple(items), cut)


def _paragraphs(text: str) -> str:
    from html import escape

    return "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _iso(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


# -- discovery ----------------------------------------------------------------------------


class _Links(HTMLParser):
    """Collects ``<link rel="alternate" type="...feed type..." href>`` in a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("link", "a") or len(self.found) >= 20:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
            self.found.append((values["href"], values.get("title") or None))


def discover(html: str, url: str) -> list[tuple[str, str | None]]:
    """The feeds a page names, as ``(absolute url, title)``, in page order, http(s) only."""
    collector = _Links()
    try:
        collector.feed(html[:2_000_000])
        collector.close()
    except (AssertionError, ValueError):  # pragma: no cover - the tokenizer is tolerant
        pass
    found: list[tuple[str, str | None]] = []
    for href, title in collector.found:
        link, _ = web_link(href, url)
        if link and link not in [f for f, _ in found]:
            found.append((link, _text(title)))
    return found
