"""Listening state: which articles were heard to the end, and the queue ("Up next").

An article heard to the end is *listened* (table ``listened``, with when); its
listening position goes back to the start, so it plays from the top next time. While
partly heard, its position (``articles.position``) says how far. Marking by hand works
both ways (:meth:`Listening.mark_listened`).

The queue is an ordered list of articles (table ``queue``): its first article is the
one playing or to play next. Deleting an article takes it out of the queue (a foreign
key cascade); every method reads the queue afresh, so two front ends (the TUI and
``reader listen`` in another terminal) see each other's changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from reader.library.errors import NotInLibrary
from reader.library.ids import now
from reader.library.store import Store

__all__ = ["Listening"]


class Listening(Store):
    """The library's listening methods (see :class:`reader.library.Library`)."""

    # -- listened ----------------------------------------------------------------------

    def mark_listened(self, article_id: int, listened: bool = True) -> None:
        """Mark an article heard to the end (now; its position back to the start), or
        not heard (``listened=False``: its position is kept)."""
        with self._write() as c:
            _check(c, article_id)
            if listened:
                c.execute(
                    "INSERT INTO listened (article_id, at) VALUES (?, ?) "
                    "ON CONFLICT (article_id) DO UPDATE SET at = excluded.at",
                    (article_id, now()),
                )
                c.execute("UPDATE articles SET position = 0 WHERE id = ?", (article_id,))
            else:
                c.execute("DELETE FROM listened WHERE article_id = ?", (article_id,))

    def finished(self, article_id: int) -> None:
        """Heard to the end: listened now, position back to the start, out of the queue."""
        with self._write() as c:
            if c.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None:
                return  # deleted while it played: nothing to record
            c.execute(
                "INSERT INTO listened (article_id, at) VALUES (?, ?) "
                "ON CONFLICT (article_id) DO UPDATE SET at = excluded.at",
                (article_id, now()),
            )
            c.execute("UPDATE articles SET position = 0 WHERE id = ?", (article_id,))
            c.execute("DELETE FROM queue WHERE article_id = ?", (article_id,))

    def listened_at(self, article_id: int) -> str | None:
        """When the article was heard to the end (``None``: not heard to the end)."""
        row = self._read(
            lambda c: c.execute(
                "SELECT at FROM listened WHERE article_id = ?", (article_id,)
            ).fetchone()
        )
        return None if row is None else str(row[0])

    def unlistened(self, ids: Iterable[int] | None = None) -> list[int]:
        """Articles not heard to the end, oldest first (of ``ids`` only, when given)."""
        rows = self._read(
            lambda c: c.execute(
                "SELECT a.id FROM articles a LEFT JOIN listened l ON l.article_id = a.id "
                "WHERE l.article_id IS NULL ORDER BY a.id"
            ).fetchall()
        )
        found = [int(r[0]) for r in rows]
        if ids is None:
            return found
        wanted = set(ids)
        return [i for i in found if i in wanted]

    def feed_articles(self, feed_id: int) -> list[int]:
        """The articles feed ``feed_id`` brought, oldest first."""
        rows = self._read(
            lambda c: c.execute(
                "SELECT DISTINCT article_id FROM feed_items WHERE feed_id = ? "
                "AND article_id IS NOT NULL ORDER BY article_id",
                (feed_id,),
            ).fetchall()
        )
        return [int(r[0]) for r in rows]

    # -- the queue ---------------------------------------------------------------------

    def queue(self) -> list[int]:
        """The queue's articles in order (the first plays first)."""
        rows = self._read(
            lambda c: c.execute("SELECT article_id FROM queue ORDER BY rank, article_id").fetchall()
        )
        return [int(r[0]) for r in rows]

    def enqueue(self, ids: Iterable[int], *, first: bool = False) -> list[int]:
        """Put articles in the queue, at its end (or its start, in the order given); an
        article already queued moves there. Returns the ids queued; an id not in the
        library raises :class:`NotInLibrary` and nothing is queued."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return []
        with self._write() as c:
            for ident in wanted:
                _check(c, ident)
            low, high = c.execute("SELECT min(rank), max(rank) FROM queue").fetchone()
            if first:
                start = (low if low is not None else 0) - len(wanted)
            else:
                start = (high if high is not None else -1) + 1
            c.executemany(
                "INSERT INTO queue (article_id, rank) VALUES (?, ?) "
                "ON CONFLICT (article_id) DO UPDATE SET rank = excluded.rank",
                [(ident, start + n) for n, ident in enumerate(wanted)],
            )
        return wanted

    def dequeue(self, article_id: int) -> bool:
        """Take an article out of the queue; False when it was not in it."""
        with self._write() as c:
            cursor = c.execute("DELETE FROM queue WHERE article_id = ?", (article_id,))
            return cursor.rowcount > 0

    def move_in_queue(self, article_id: int, steps: int) -> bool:
        """Move a queued article ``steps`` places later (negative: earlier), within the
        queue's bounds; False when it is not queued."""
        with self._write() as c:
            order = [
                int(r[0])
                for r in c.execute("SELECT article_id FROM queue ORDER BY rank, article_id")
            ]
            if article_id not in order:
                return False
            here = order.index(article_id)
            order.insert(max(0, min(len(order) - 1, here + steps)), order.pop(here))
            c.executemany(
                "UPDATE queue SET rank = ? WHERE article_id = ?",
                [(rank, ident) for rank, ident in enumerate(order)],
            )
            return True

    def clear_queue(self) -> int:
        """Empty the queue; returns how many articles it held."""
        with self._write() as c:
            return int(c.execute("DELETE FROM queue").rowcount)


def _check(c: sqlite3.Connection, article_id: int) -> None:
    if c.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None:
        raise NotInLibrary(f"article {article_id}", "not in the library")
