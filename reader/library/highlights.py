"""Highlights: passages of an article's text saved with a note and a color.

A highlight keeps its offsets into :attr:`Article.text` and the quote with some text on
either side (:mod:`reader.library.anchor`), so it can be placed again when the
article's text changes (:meth:`reader.library.Library.add`).
"""

from __future__ import annotations

import builtins
import sqlite3
from typing import TYPE_CHECKING, Any

from reader.errors import InputError
from reader.library.errors import NotInLibrary
from reader.library.ids import now
from reader.library.rows import HIGHLIGHT_SELECT, check_color, highlight_from_row
from reader.library.store import Store

if TYPE_CHECKING:
    from reader.library.records import Highlight

__all__ = ["Highlights"]

_UNSET: Any = object()


class Highlights(Store):
    """The library's highlight methods (see :class:`reader.library.Library`)."""

    def add_highlight(
        self,
        article_id: int,
        start: int,
        end: int,
        note: str | None = None,
        color: str | None = None,
    ) -> Highlight:
        """Save ``text[start:end]`` of the article as a highlight and return it."""
        from reader.library import anchor
        from reader.library.records import Highlight

        color = check_color(color)
        with self._write() as c:
            row = c.execute(
                "SELECT json_extract(article, '$.text') FROM article_bodies WHERE article_id = ?",
                (article_id,),
            ).fetchone()
            if row is None:
                raise NotInLibrary(f"article {article_id}", "not in the library")
            text = row[0] or ""
            if not 0 <= start < end <= len(text):
                raise InputError(
                    f"highlight {start}-{end}",
                    f"outside article {article_id}'s text (0-{len(text)}) or empty",
                )
            where = anchor.anchor_at(text, start, end)
            created = now()
            cursor = c.execute(
                'INSERT INTO highlights (article_id, start, "end", quote, prefix, suffix, '
                "color, note, created) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    article_id,
                    start,
                    end,
                    where.quote,
                    where.prefix,
                    where.suffix,
                    color,
                    note,
                    created,
                ),
            )
            return Highlight(
                id=int(cursor.lastrowid or 0),
                article_id=article_id,
                start=start,
                end=end,
                text=where.quote,
                color=color,
                note=note,
                created=created,
                prefix=where.prefix,
                suffix=where.suffix,
            )

    def find_passage(self, article_id: int, passage: str) -> tuple[int, int]:
        """Where ``passage`` occurs in the article, or an :class:`InputError` naming it."""
        from reader.library import anchor

        row = self._read(
            lambda c: c.execute(
                "SELECT json_extract(article, '$.text') FROM article_bodies WHERE article_id = ?",
                (article_id,),
            ).fetchone()
        )
        if row is None:
            raise NotInLibrary(f"article {article_id}", "not in the library")
        try:
            return anchor.find_passage(row[0] or "", passage)
        except anchor.PassageNotFound as missing:
            shown = passage if len(passage) <= 60 else passage[:57] + "..."
            if missing.count == 0:
                reason = f"not found in article {article_id}"
            else:
                reason = (
                    f"occurs {missing.count} times in article {article_id}; "
                    "quote more of it to say which"
                )
            raise InputError(f"“{shown}”", reason) from None

    def highlights(self, article_id: int | None = None) -> builtins.list[Highlight]:
        """Highlights of one article (in text order) or of all (by article, then order)."""
        if article_id is None:
            query = HIGHLIGHT_SELECT + " ORDER BY article_id, detached, start, id"
            params: tuple[Any, ...] = ()
        else:
            self._read(lambda c: _check_article(c, article_id))  # NotInLibrary for an unknown id
            query = HIGHLIGHT_SELECT + " WHERE article_id = ? ORDER BY detached, start, id"
            params = (article_id,)
        return [
            highlight_from_row(r) for r in self._read(lambda c: c.execute(query, params).fetchall())
        ]

    def highlight(self, highlight_id: int) -> Highlight:
        row = self._read(
            lambda c: c.execute(HIGHLIGHT_SELECT + " WHERE id = ?", (highlight_id,)).fetchone()
        )
        if row is None:
            raise NotInLibrary(f"highlight {highlight_id}", "not in the library")
        return highlight_from_row(row)

    def update_highlight(
        self, highlight_id: int, *, note: str | None = _UNSET, color: str | None = _UNSET
    ) -> Highlight:
        """Change a highlight's note and/or color (``None`` clears; omitted: unchanged)."""
        with self._write() as c:
            if (
                c.execute("SELECT 1 FROM highlights WHERE id = ?", (highlight_id,)).fetchone()
                is None
            ):
                raise NotInLibrary(f"highlight {highlight_id}", "not in the library")
            if note is not _UNSET:
                c.execute("UPDATE highlights SET note = ? WHERE id = ?", (note, highlight_id))
            if color is not _UNSET:
                c.execute(
                    "UPDATE highlights SET color = ? WHERE id = ?",
                    (check_color(color), highlight_id),
                )
        return self.highlight(highlight_id)

    def remove_highlight(self, highlight_id: int) -> Highlight:
        found = self.highlight(highlight_id)
        with self._write() as c:
            c.execute("DELETE FROM highlights WHERE id = ?", (highlight_id,))
        return found


def _check_article(c: sqlite3.Connection, article_id: int) -> None:
    """:class:`NotInLibrary` for an article id the library does not hold."""
    if c.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None:
        raise NotInLibrary(f"article {article_id}", "not in the library")
