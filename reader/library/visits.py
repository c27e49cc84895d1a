"""Visits to the library, and which articles the feeds brought that are still new.

An article a feed brought is *new* until it is opened or heard to the end: a listener
who never looked at it has not had it, however many times the list was shown. The
time of the user's last look at the library is kept too (table ``meta``, schema
version 7), so every front end and every process can say what arrived since then.

A *visit* is a front end's (the TUI's) stay with the library: it reads the previous
visit once when it starts (:func:`previous_visit`) and keeps that for its whole length;
it records the moment it last showed the list (:func:`record_visit`).
"""

from __future__ import annotations

import sqlite3

from reader.library.store import Store

__all__ = ["VISIT_KEY", "arrived_since", "previous_visit", "record_visit"]

VISIT_KEY = "library.last_visit"  # ISO 8601 UTC, as reader.library.now() writes


def previous_visit(library: Store) -> str | None:
    """When the library was last looked at (``None``: never, or before version 7)."""
    row = library._read(
        lambda c: c.execute("SELECT value FROM meta WHERE key = ?", (VISIT_KEY,)).fetchone()
    )
    return str(row[0]) if row is not None else None


def record_visit(library: Store, seen: str) -> None:
    """The list was last shown at ``seen``; never moves the time back (two front ends
    open at once each record theirs, and the later one stands)."""
    with library._write() as c:
        c.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
            (VISIT_KEY, seen),
        )


def arrived_since(library: Store, since: str | None) -> set[int]:
    """Articles a feed sync added (or gave a new text) after ``since`` and neither
    opened nor heard to the end since then; ``since`` ``None``: every such article (the
    new ones)."""

    def work(c: sqlite3.Connection) -> set[int]:
        rows = c.execute(
            "SELECT DISTINCT i.article_id FROM feed_items i "
            "JOIN articles a ON a.id = i.article_id "
            "LEFT JOIN listened l ON l.article_id = i.article_id "
            "WHERE i.status IN ('added', 'updated') AND i.added > ? "
            "AND (a.opened IS NULL OR a.opened < i.added) "
            "AND (l.at IS NULL OR l.at < i.added)",
            (since or "",),
        )
        return {int(r[0]) for r in rows}

    return library._read(work)
