"""The feeds a user follows and the items already taken from them, in the library file.

Tables ``feeds`` and ``feed_items`` (schema version 6). Everything here goes through
the :class:`~reader.library.Library`'s own connections and write transactions, so the
threading and locking rules of the library hold (one connection per thread, every
write one ``BEGIN IMMEDIATE`` transaction).

An item is remembered by its GUID within its feed and by its URL across feeds; it is
recorded only once its article is in the library (or found to be there already), so
an interrupted sync redoes exactly the items it had not finished. A feed's validators
(ETag, Last-Modified) are the sync's to store, after its items are done.

The feeds' storage is this package: these tables here, their part of a JSON export
and import in :mod:`~reader.library.feeds.transfer`, and of a repair's copy in
:mod:`~reader.library.feeds.rescue` (both below the whole-file jobs that call them,
neither importing this module).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reader.errors import InputError
from reader.library.ids import now
from reader.library.store import Store

# After this many failed syncs in a row a feed is reported as failing (it is kept).
FAILING_AFTER = 3

_COLUMNS = "id, url, title, site, etag, last_modified, failures, last_error, last_ok, added, kind"


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    url: str
    title: str | None
    site: str | None
    etag: str | None
    last_modified: str | None
    failures: int
    last_error: str | None
    last_ok: str | None
    added: str
    kind: str | None  # rss, atom or json, once synced
    items: int = 0  # items taken from it so far

    @property
    def failing(self) -> bool:
        return self.failures >= FAILING_AFTER

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "site": self.site,
            "failures": self.failures,
            "failing": self.failing,
            "last_error": self.last_error,
            "last_ok": self.last_ok,
            "added": self.added,
            "kind": self.kind,
            "items": self.items,
        }


class NoSuchFeed(InputError):
    """No feed with that id."""


def _feed(row: Any) -> Feed:
    return Feed(*row)


def add_feed(
    library: Store, url: str, title: str | None = None, site: str | None = None
) -> tuple[Feed, bool]:
    """Follow ``url``; returns the feed and whether it was new (a known URL is kept)."""
    with library._write() as c:
        row = c.execute(f"SELECT {_COLUMNS} FROM feeds WHERE url = ?", (url,)).fetchone()
        if row is not None:
            return _feed(row), False
        c.execute(
            "INSERT INTO feeds (url, title, site, added) VALUES (?, ?, ?, ?)",
            (url, title, site, now()),
        )
        row = c.execute(f"SELECT {_COLUMNS} FROM feeds WHERE url = ?", (url,)).fetchone()
    return _feed(row), True


def feeds(library: Store, ids: Iterable[int] | None = None) -> list[Feed]:
    """The feeds followed (all, or those of ``ids``, which must exist), oldest first."""
    query = (
        f"SELECT {', '.join('f.' + c.strip() for c in _COLUMNS.split(','))}, "
        "(SELECT count(*) FROM feed_items i WHERE i.feed_id = f.id) FROM feeds f"
    )

    def work(c: sqlite3.Connection) -> list[Feed]:
        return [_feed(r) for r in c.execute(query + " ORDER BY f.id").fetchall()]

    found = library._read(work)
    if ids is None:
        return found
    wanted = list(dict.fromkeys(ids))
    by_id = {f.id: f for f in found}
    for ident in wanted:
        if ident not in by_id:
            raise NoSuchFeed(f"feed {ident}", "not followed (see `reader feeds list`)")
    return [by_id[i] for i in wanted]


def remove_feed(library: Store, feed_id: int) -> Feed:
    """Stop following a feed; its articles stay in the library."""
    (feed,) = feeds(library, [feed_id])
    with library._write() as c:
        c.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
    return feed


def known_items(library: Store, feed_id: int, guids: list[str], urls: list[str]) -> set[str]:
    """Which of ``guids`` (of this feed) and ``urls`` (of any feed) are already taken."""

    def work(c: sqlite3.Connection) -> set[str]:
        known: set[str] = set()
        for start in range(0, len(guids), 500):
            part = guids[start : start + 500]
            known.update(
                r[0]
                for r in c.execute(
                    f"SELECT guid FROM feed_items WHERE feed_id = ? AND guid IN "
                    f"({','.join('?' * len(part))})",
                    (feed_id, *part),
                )
            )
        for start in range(0, len(urls), 500):
            part = urls[start : start + 500]
            known.update(
                r[0]
                for r in c.execute(
                    f"SELECT url FROM feed_items WHERE url IN ({','.join('?' * len(part))})",
                    part,
                )
            )
        return known

    return library._read(work)


def record_item(
    library: Store,
    feed_id: int,
    guid: str,
    url: str | None,
    article_id: int | None,
    status: str,
    export_to: str | None = None,
) -> None:
    """Remember an item as done (its article added, found unchanged, or a similar story).

    ``export_to``: the folder of a ``sync --export`` that has still to render it; cleared
    by :func:`exported`. (What the folder holds is :func:`feed_articles` less the listened
    ones, see :mod:`reader.podcast.folder`: an interrupted export is finished by the next
    sync whatever this says.)
    """
    with library._write() as c:
        c.execute(
            "INSERT OR IGNORE INTO feed_items "
            "(feed_id, guid, url, article_id, status, export_to, added) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (feed_id, guid, url, article_id, status, export_to, now()),
        )


def feed_articles(library: Store, feed_ids: Iterable[int] | None = None) -> list[int]:
    """The articles the followed feeds brought (all of them, or those of ``feed_ids``),
    in the order they were taken: what a ``feeds sync --export`` folder holds, less what
    was listened to. An item skipped as a story already in the library is not counted
    (its article came from elsewhere)."""
    query = "SELECT article_id FROM feed_items WHERE article_id IS NOT NULL AND status != 'similar'"
    wanted = None if feed_ids is None else sorted(set(feed_ids))
    if wanted is not None:
        query += f" AND feed_id IN ({','.join('?' * len(wanted))})"
    query += " GROUP BY article_id ORDER BY min(id)"
    rows = library._read(lambda c: c.execute(query, wanted or ()).fetchall())
    return [int(r[0]) for r in rows]


def exported(library: Store, folder: str, article_ids: Iterable[int]) -> None:
    """These articles are rendered in ``folder`` (or settled there): no longer pending."""
    ids = list(article_ids)
    with library._write() as c:
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            c.execute(
                "UPDATE feed_items SET export_to = NULL WHERE export_to = ? AND article_id IN "
                f"({','.join('?' * len(part))})",
                (folder, *part),
            )


@dataclass(frozen=True, slots=True)
class FetchedOk:
    """A successful fetch of a feed, for :func:`mark_ok`."""

    feed_id: int
    etag: str | None
    last_modified: str | None
    title: str | None = None
    site: str | None = None
    keep_validators: bool = True
    kind: str | None = None  # rss, atom or json (None: a 304, unchanged)


def mark_ok(library: Store, fetches: Iterable[FetchedOk]) -> None:
    """Successful fetches, in one transaction: failures reset, validators stored.

    A sync whose items did not all finish passes ``keep_validators=False``, which
    clears them, so that the next sync fetches the whole feed again rather than a 304.
    One transaction for many feeds: a sync of 200 unchanged feeds is one write, not 200.
    """
    stamp = now()
    rows = [
        (
            stamp,
            stamp,
            f.etag if f.keep_validators else None,
            f.last_modified if f.keep_validators else None,
            f.title,
            f.site,
            f.kind,
            f.feed_id,
        )
        for f in fetches
    ]
    if not rows:
        return
    with library._write() as c:
        c.executemany(
            "UPDATE feeds SET failures = 0, last_error = NULL, last_ok = ?, last_checked = ?, "
            "etag = ?, last_modified = ?, title = coalesce(?, title), site = coalesce(?, site), "
            "kind = coalesce(?, kind) WHERE id = ?",
            rows,
        )


def mark_failed(library: Store, feed_id: int, reason: str) -> int:
    """A failed fetch or parse: counted, never deleted. Returns the failures in a row."""
    with library._write() as c:
        c.execute(
            "UPDATE feeds SET failures = failures + 1, last_error = ?, last_checked = ? "
            "WHERE id = ?",
            (reason, now(), feed_id),
        )
        row = c.execute("SELECT failures FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    return int(row[0]) if row else 0


def article_feeds(library: Store) -> dict[int, str]:
    """Article id -> the title (or URL) of the feed it came from, for listings."""
    rows = library._read(
        lambda c: c.execute(
            "SELECT i.article_id, coalesce(f.title, f.url) FROM feed_items i "
            "JOIN feeds f ON f.id = i.feed_id WHERE i.article_id IS NOT NULL ORDER BY i.id"
        ).fetchall()
    )
    return {int(a): str(t) for a, t in rows}
