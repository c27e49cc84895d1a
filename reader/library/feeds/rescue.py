"""The feeds' part of a repair's copy (:mod:`reader.library.rescue`): the feeds followed,
the items taken from them, and the library's own values (``meta``: the last visit).

Read as the other tables are (:class:`~reader.library.reading.TableRows`, the indexes
naming what should be there, rows under a damaged interior page read from the file's
pages by their width: 12 for a feed, 8 for an item). An item is kept with its article;
one whose article was lost, or kept only as a stand-in, is forgotten and its feed's
validators cleared, so that the next sync fetches the feed whole and takes the article
again (replacing a stand-in, whose highlights then go back onto the real text).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reader.library.ids import now
from reader.library.reading import TableRows, named_ids, small_table
from reader.library.rows import after_key, insert_row

if TYPE_CHECKING:
    from reader.library.records import RepairReport

__all__ = ["FEED_WIDTH", "ITEM_WIDTH", "FeedRows", "copy_feeds", "copy_meta"]

FEED_WIDTH = 12  # columns of a row of feeds (schema version 6)
ITEM_WIDTH = 8  # of feed_items


@dataclass
class FeedRows:
    """The feed and item rows read from a damaged file, and the ids that should be there."""

    feeds: list[tuple[Any, ...]] = field(default_factory=list)
    items: list[tuple[Any, ...]] = field(default_factory=list)
    expected_feeds: set[int] = field(default_factory=set)
    expected_items: set[int] = field(default_factory=set)

    @classmethod
    def read(cls, source: sqlite3.Connection, tables: set[str]) -> FeedRows:
        """Every readable row (none from a file older than version 6)."""
        if "feeds" not in tables or "feed_items" not in tables:
            return cls()
        feeds_of = TableRows(source, "feeds", "id", after_key("feeds"))
        items_of = TableRows(source, "feed_items", "id", after_key("feed_items"))
        found = cls(list(feeds_of.rows()), list(items_of.rows()))
        found.expected_feeds = (
            {int(r[0]) for r in found.feeds}
            | feeds_of.unreadable
            | named_ids(
                source,
                "SELECT id FROM feeds INDEXED BY sqlite_autoindex_feeds_1 ORDER BY url {order}",
            )[0]
            | {int(r[1]) for r in found.items if isinstance(r[1], int)}
        )
        found.expected_items = (
            {int(r[0]) for r in found.items}
            | items_of.unreadable
            | named_ids(
                source, "SELECT id FROM feed_items INDEXED BY feed_items_url ORDER BY url {order}"
            )[0]
        )
        return found

    def hidden(self) -> dict[int, set[int]]:
        """Ids the indexes name that no query reached, by the width of their rows."""
        return {
            FEED_WIDTH: self.expected_feeds - {int(r[0]) for r in self.feeds},
            ITEM_WIDTH: self.expected_items - {int(r[0]) for r in self.items},
        }

    def add_hidden(self, found: dict[int, dict[int, list[Any]]]) -> None:
        """The rows :func:`reader.library.reading.from_pages` read for :meth:`hidden`."""
        self.feeds += [(i, *v[1:]) for i, v in sorted(found.get(FEED_WIDTH, {}).items())]
        self.items += [(i, *v[1:]) for i, v in sorted(found.get(ITEM_WIDTH, {}).items())]


def copy_feeds(
    rows: FeedRows,
    target: sqlite3.Connection,
    articles: set[int],
    stand_ins: set[int],
    report: RepairReport,
) -> None:
    """The feeds, then their items, into ``target``; ``articles``: the ids saved with a
    text, ``stand_ins`` those saved only as a stand-in. Counts go into ``report``."""
    saved = _copy_feed_rows(rows.feeds, target)
    kept = 0
    refetch: set[int] = set()
    for ident, feed_id, guid, url, article_id, status, export_to, added in rows.items:
        if feed_id not in saved or not isinstance(guid, str) or not isinstance(status, str):
            continue
        if article_id is not None and (article_id not in articles or article_id in stand_ins):
            refetch.add(int(feed_id))  # its article is lost: forget it, take it again
            continue
        values = (ident, feed_id, guid, _text(url), article_id, status, _text(export_to))
        try:
            target.execute(insert_row("feed_items"), (*values, _at(added)))
        except sqlite3.DatabaseError:
            continue
        kept += 1
    if rows.expected_items - {int(r[0]) for r in rows.items}:
        # Rows never read: which feed they were of is not known, so every feed is
        # fetched whole once (a 304 would hide their items from the next sync).
        refetch |= saved
    for feed_id in refetch:
        target.execute(
            "UPDATE feeds SET etag = NULL, last_modified = NULL WHERE id = ?", (feed_id,)
        )
    report.feeds = len(saved)
    report.feed_items = kept
    report.feeds_lost = len(rows.expected_feeds - saved)
    report.feed_items_forgotten = max(0, len(rows.expected_items) - kept)


def _copy_feed_rows(feeds: list[tuple[Any, ...]], target: sqlite3.Connection) -> set[int]:
    """The feed rows with an address, as they were; the ids saved."""
    saved: set[int] = set()
    for row in feeds:
        ident, url, kind, title, site, etag, modified, failures, error, ok, checked, added = row
        if not isinstance(url, str) or not url:
            continue
        if not isinstance(failures, int) or failures < 0:
            failures = 0
        try:
            target.execute(
                insert_row("feeds"),
                (
                    ident,
                    url,
                    *map(_text, (kind, title, site, etag, modified)),
                    failures,
                    *map(_text, (error, ok, checked)),
                    _at(added),
                ),
            )
        except sqlite3.DatabaseError:
            continue  # a damaged value (the same address twice): the first one stands
        saved.add(int(ident))
    return saved


def copy_meta(source: sqlite3.Connection, target: sqlite3.Connection, tables: set[str]) -> None:
    """The library's own values (the last visit); derived, so a damaged read is let go."""
    for key, value in small_table(source, tables, "meta", "key, value"):
        if isinstance(key, str) and isinstance(value, str):
            target.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))


def _text(value: Any) -> str | None:
    """A text column's value, or None for anything damage made of it."""
    return value if isinstance(value, str) else None


def _at(value: Any) -> str:
    """A time column's value, or now for anything damage made of it."""
    return value if isinstance(value, str) else now()
