"""The feeds in ``reader library export|import`` (:mod:`reader.library.transfer`): the
feeds followed, with their state and validators, and the items taken from them (GUID,
link, status, the article each became), so that a sync after an import adds nothing
twice. Checked like the rest of an import (:mod:`reader.library.jsondoc`).
"""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

from reader.library.jsondoc import Doc, Invalid, optional_line
from reader.text.sanitize import one_line, web_address

__all__ = [
    "FEED_KINDS",
    "ITEM_STATUSES",
    "Feed",
    "FeedItem",
    "dump_feeds",
    "import_feeds",
    "read_feeds",
]

# What a feed item's status may be (reader.library.feeds.record_item), and a feed's kind.
ITEM_STATUSES = ("added", "updated", "unchanged", "similar", "refused")
FEED_KINDS = ("rss", "atom", "json")


def dump_feeds(c: Any) -> list[dict[str, Any]]:
    """The feeds with their items, by id (the order they were taken in)."""
    items: dict[int, list[dict[str, Any]]] = {}
    for row in c.execute(
        "SELECT feed_id, guid, url, article_id, status, export_to, added FROM feed_items "
        "ORDER BY feed_id, id"
    ):
        items.setdefault(row[0], []).append(
            {
                "guid": row[1],
                "url": row[2],
                "article_id": row[3],
                "status": row[4],
                "export_to": row[5],
                "added": row[6],
            }
        )
    return [
        {
            "id": row[0],
            "url": row[1],
            "title": row[2],
            "site": row[3],
            "kind": row[4],
            "etag": row[5],
            "last_modified": row[6],
            "failures": row[7],
            "last_error": row[8],
            "last_ok": row[9],
            "last_checked": row[10],
            "added": row[11],
            "items": items.get(row[0], []),
        }
        for row in c.execute(
            "SELECT id, url, title, site, kind, etag, last_modified, failures, last_error, "
            "last_ok, last_checked, added FROM feeds ORDER BY id"
        )
    ]


class FeedItem(NamedTuple):
    """An item taken from a feed, as an export holds it."""

    guid: str
    url: str | None
    article_id: int | None  # the article's id in the file
    status: str
    export_to: str | None
    added: str


class Feed(NamedTuple):
    """A feed followed, as an export holds it, with its items."""

    id: int | None
    url: str
    title: str | None
    site: str | None
    kind: str | None
    etag: str | None
    last_modified: str | None
    failures: int
    last_error: str | None
    last_ok: str | None
    last_checked: str | None
    added: str
    items: list[FeedItem]


def _feed_url(doc: Doc) -> str:
    """The feed's address: one http(s) URL, the only kind a sync fetches."""
    url = doc.string("url", required=True) or ""
    if not web_address(url):
        raise Invalid(f"{doc.where}.url", f"{one_line(url)[:80]!r} is not an http(s) address")
    return url


def read_feeds(top: Doc) -> list[Feed]:
    """The ``feeds`` of an imported document, checked and sanitized."""
    found = []
    for item, where in top.items("feeds"):
        feed = Doc(item, where)
        items = []
        for entry, at in feed.items("items"):
            record = Doc(entry, at)
            items.append(
                FeedItem(
                    guid=one_line(record.string("guid", required=True) or ""),
                    url=optional_line(record.string("url")),
                    article_id=record.integer("article_id", low=1),
                    status=record.choice("status", ITEM_STATUSES, required=True) or "",
                    export_to=optional_line(record.string("export_to")),
                    added=one_line(record.timestamp("added", required=True) or ""),
                )
            )
        found.append(
            Feed(
                id=feed.integer("id", low=1),
                url=_feed_url(feed),
                title=optional_line(feed.string("title")),
                site=optional_line(feed.string("site")),
                kind=feed.choice("kind", FEED_KINDS),
                etag=optional_line(feed.string("etag")),
                last_modified=optional_line(feed.string("last_modified")),
                failures=feed.integer("failures") or 0,
                last_error=optional_line(feed.string("last_error")),
                last_ok=optional_line(feed.timestamp("last_ok")),
                last_checked=optional_line(feed.timestamp("last_checked")),
                added=one_line(feed.timestamp("added", required=True) or ""),
                items=items,
            )
        )
    return found


def import_feeds(c: sqlite3.Connection, feeds: list[Feed], ids: dict[int, int]) -> tuple[int, int]:
    """Follow the feeds not followed yet and remember the items not known yet (by GUID
    within their feed), linked to their articles' ids here; (feeds, items) added.

    A feed already followed keeps its own validators, failures and titles: they describe
    this library's last fetch of it. An item whose article is not in the file keeps no
    link (as an item whose article was removed).
    """
    feeds_added = items_added = 0
    for feed in feeds:
        row = c.execute("SELECT id FROM feeds WHERE url = ?", (feed.url,)).fetchone()
        if row is not None:
            ident = int(row[0])
        else:
            free = (
                feed.id is not None
                and c.execute("SELECT 1 FROM feeds WHERE id = ?", (feed.id,)).fetchone() is None
            )
            cursor = c.execute(
                "INSERT INTO feeds (id, url, title, site, kind, etag, last_modified, failures, "
                "last_error, last_ok, last_checked, added) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    feed.id if free else None,
                    feed.url,
                    feed.title,
                    feed.site,
                    feed.kind,
                    feed.etag,
                    feed.last_modified,
                    feed.failures,
                    feed.last_error,
                    feed.last_ok,
                    feed.last_checked,
                    feed.added,
                ),
            )
            ident = int(cursor.lastrowid or 0)
            feeds_added += 1
        for item in feed.items:
            linked = ids.get(item.article_id) if item.article_id is not None else None
            cursor = c.execute(
                "INSERT OR IGNORE INTO feed_items "
                "(feed_id, guid, url, article_id, status, export_to, added) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ident, item.guid, item.url, linked, item.status, item.export_to, item.added),
            )
            items_added += cursor.rowcount
    return feeds_added, items_added
