"""Visits to the library, and which articles a feed brought since the last one.

A feed reader marks what arrived since the user last looked, not what was never
opened: an article synced a month ago and left unread is not news today. The time of
the last look is kept in the library file (table ``meta``, schema version 7), so every
front end and every process sees the same one.

A *visit* is a front end's (the TUI's) stay with the library: it reads the previous
visit once when it starts (:func:`previous_visit`) and keeps that for its whole length,
so the marks it shows stay while the user comes and goes within it; it records the
moment it last showed the list (:func:`record_visit`). Articles recorded by a sync
after that moment are new on the next visit; those shown during this one are not.
"""

from __future__ import annotations

import sqlite3

from reader.library import Library

__all__ = ["VISIT_KEY", "arrived_since", "previous_visit", "record_visit"]

VISIT_KEY = "library.last_visit"  # ISO 8601 UTC, as reader.library.now() writes


def previous_visit(library: Library) -> str | None:
    """When the library was last looked at (``None``: never, or before version 7)."""
    row = library._read(
        lambda c: c.execute("SELECT value FROM meta WHERE key = ?", (VISIT_KEY,)).fetchone()
    )
    return str(row[0]) if row is not None else None


def record_visit(library: Library, seen: str) -> None:
    """The list was last shown at ``seen``; never moves the time back (two front ends
    open at once each record theirs, and the later one stands)."""
    with library._write() as c:
        c.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
            (VISIT_KEY, seen),
        )


def arrived_since(library: Library, since: str | None) -> set[int]:
    """Articles a feed sync added (or gave a new text) after ``since`` and not opened
    since then; ``since`` ``None`` (no visit yet): every such article not opened."""

    def work(c: sqlite3.Connection) -> set[int]:
        rows = c.execute(
            "SELECT DISTINCT i.article_id FROM feed_items i "
            "JOIN articles a ON a.id = i.article_id "
            "WHERE i.status IN ('added', 'updated') AND i.added > ? "
            "AND (a.opened IS NULL OR a.opened < i.added)",
            (since or "",),
        )
        return {int(r[0]) for r in rows}

    return library._read(work)
