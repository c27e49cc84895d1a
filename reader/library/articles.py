"""Articles: adding (or replacing) one, reading it back, listing, removing, positions.

An article is kept as two rows: its queryable columns in ``articles`` (sanitized
one-line title, site, language, counts, times, listening position) and its stored
model in ``article_bodies`` (:func:`stored_body`). Replacing an article's text carries
its highlights and position over to the new text (:mod:`reader.library.anchor`).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from reader.library.errors import NotInLibrary
from reader.library.ids import now, source_key
from reader.library.rows import HIGHLIGHT_SELECT, highlight_from_row, stored_body, stored_columns
from reader.library.stories import Stories, store_sketch

if TYPE_CHECKING:
    from reader.library.records import AddResult, Highlight, Similar, StoredArticle
    from reader.text.article import Article

__all__ = ["ArticleSummary", "Articles"]

# The records a listing returns by the thousand are NamedTuples: ten times cheaper to
# make than frozen dataclasses, and they need no dataclasses import, which `reader list`
# would otherwise pay at start-up. The other records (reader.library.records) are
# dataclasses, loaded on first use.


class ArticleSummary(NamedTuple):
    """One row of :meth:`Library.list`: what a listing shows, without the text."""

    id: int
    source: str
    title: str | None
    site: str | None
    date: str | None
    language: str | None
    words: int
    added: str
    opened: str | None
    position: int
    chars: int
    highlights: int
    listened: str | None = None  # when it was heard to the end (reader.library.listening)


class Articles(Stories):
    """The library's article methods (see :class:`reader.library.Library`)."""

    def add(
        self,
        article: Article,
        source: str | None = None,
        *,
        if_similar: Literal["keep", "skip"] = "keep",
        find_similar: bool = True,
    ) -> AddResult:
        """Add ``article``, or update the one already added from the same ``source``.

        ``source`` defaults to the article's own (``article.source`` or its URL); text
        with no name (``-``) is kept under ``stdin:<hash>`` (see :func:`source_key`). When
        that source is in the library with other text, the stored article is replaced,
        its highlights and listening position re-anchored in the new text (those that
        cannot be placed are kept, flagged ``detached``). A new article is compared with
        the library; articles telling the same story are listed in ``similar`` and both
        are kept unless ``if_similar="skip"``.
        """
        from reader.library import similar
        from reader.library.records import AddResult

        source = source_key(article, source)
        if article.source and article.source != source and source_key(article) == source:
            # The stored model names the source as kept (a file's absolute path): a
            # repair that finds the model without its row must not guess the folder.
            from dataclasses import replace

            article = replace(article, source=source)
        text = article.text
        content_hash = article.content_hash
        sketch = similar.sketch(text, article.language)
        lookup = _lookup(source, content_hash)
        existing = self._read(lambda c: c.execute(*lookup).fetchone())
        if existing is not None and existing[1] == content_hash:
            return AddResult(id=existing[0], status="unchanged", existing=existing[0])
        found: list[Similar] = []
        if find_similar and existing is None:
            found = self._similar(sketch, exclude=None)
            if found and if_similar == "skip":
                return AddResult(id=0, status="skipped", similar=tuple(found))
        body = stored_body(article)
        stamp = now()
        meta = stored_columns(article)
        with self._write() as c:
            # Looked up again under the write lock: another process may have added it.
            current = c.execute(*lookup).fetchone()
            if current is not None and current[1] == content_hash:
                return AddResult(id=current[0], status="unchanged", existing=current[0])
            if current is not None:
                return self._replace(c, int(current[0]), article, body, sketch, stamp)
            cursor = c.execute(
                "INSERT INTO articles (source, url, title, site, authors, date, language, "
                "words, chars, content_hash, added) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (source, *meta, content_hash, stamp),
            )
            ident = int(cursor.lastrowid or 0)
            c.execute(
                "INSERT INTO article_bodies (article_id, article) VALUES (?, ?)", (ident, body)
            )
            store_sketch(c, ident, sketch)
            return AddResult(id=ident, status="added", similar=tuple(found))

    def _replace(
        self,
        c: sqlite3.Connection,
        ident: int,
        article: Article,
        body: str,
        sketch: tuple[int, ...],
        stamp: str,
    ) -> AddResult:
        """Put a new text in place of an article's old one; carry highlights and position."""
        import json

        from reader.library import anchor
        from reader.library.records import AddResult

        text = article.text
        old_body, old_position = c.execute(
            "SELECT b.article, a.position FROM article_bodies b "
            "JOIN articles a ON a.id = b.article_id WHERE b.article_id = ?",
            (ident,),
        ).fetchone()
        old_text = json.loads(old_body).get("text", "")
        position = anchor.reanchor_position(old_text, int(old_position), text)
        c.execute(
            "UPDATE articles SET url=?, title=?, site=?, authors=?, date=?, language=?, "
            "words=?, chars=?, content_hash=?, updated=?, position=? WHERE id=?",
            (*stored_columns(article), article.content_hash, stamp, position, ident),
        )
        c.execute("UPDATE article_bodies SET article=? WHERE article_id=?", (body, ident))
        store_sketch(c, ident, sketch)
        moved = 0
        lost: list[Highlight] = []
        rows = c.execute(HIGHLIGHT_SELECT + " WHERE article_id = ?", (ident,)).fetchall()
        for row in rows:
            old = highlight_from_row(row)
            place = anchor.reanchor(
                anchor.Anchor(old.text, old.prefix, old.suffix, old.start), text
            )
            if place is None:
                # Kept with its quote, note and old offsets, flagged: never dropped.
                c.execute("UPDATE highlights SET detached = 1 WHERE id = ?", (old.id,))
                lost.append(old)
                continue
            start, end = place
            fresh = anchor.anchor_at(text, start, end)
            c.execute(
                'UPDATE highlights SET start=?, "end"=?, quote=?, prefix=?, suffix=?, '
                "detached=0 WHERE id=?",
                (start, end, fresh.quote, fresh.prefix, fresh.suffix, old.id),
            )
            moved += 1
        return AddResult(
            id=ident, status="updated", existing=ident, reanchored=moved, detached=tuple(lost)
        )

    def get(self, article_id: int, *, touch: bool = False) -> StoredArticle:
        """The stored article with its highlights; ``touch`` records it as opened now."""
        import json

        from reader.library.records import StoredArticle
        from reader.text.article import Article

        if touch:
            with self._write() as c:
                c.execute("UPDATE articles SET opened = ? WHERE id = ?", (now(), article_id))

        def work(c: sqlite3.Connection) -> StoredArticle:
            row = c.execute(
                "SELECT a.id, a.source, a.content_hash, a.added, a.updated, a.opened, "
                "a.position, b.article FROM articles a JOIN article_bodies b "
                "ON b.article_id = a.id WHERE a.id = ?",
                (article_id,),
            ).fetchone()
            if row is None:
                raise NotInLibrary(f"article {article_id}", "not in the library")
            marks = c.execute(
                HIGHLIGHT_SELECT + " WHERE article_id = ? ORDER BY detached, start, id",
                (article_id,),
            ).fetchall()
            return StoredArticle(
                id=row[0],
                article=Article.from_dict(json.loads(row[7])),
                source=row[1],
                content_hash=row[2],
                added=row[3],
                updated=row[4],
                opened=row[5],
                position=row[6],
                highlights=tuple(highlight_from_row(m) for m in marks),
            )

        return self._read(work)

    def list(self, *, limit: int | None = None, unlistened: bool = False) -> list[ArticleSummary]:
        """Every article, the latest added first (by id; no texts: cheap for large
        libraries); ``unlistened``: only those not heard to the end."""
        query = (
            "SELECT a.id, a.source, a.title, a.site, a.date, a.language, a.words, a.added, "
            "a.opened, a.position, a.chars, coalesce(n.n, 0), l.at FROM articles a LEFT JOIN "
            "(SELECT article_id, count(*) AS n FROM highlights GROUP BY article_id) n "
            "ON n.article_id = a.id LEFT JOIN listened l ON l.article_id = a.id "
            + ("WHERE l.article_id IS NULL " if unlistened else "")
            + "ORDER BY a.id DESC"
        )
        params: tuple[Any, ...] = ()
        if limit is not None:
            query += " LIMIT ?"
            params = (limit,)
        rows = self._read(lambda c: c.execute(query, params).fetchall())
        return list(map(ArticleSummary._make, rows))

    def count(self) -> int:
        return int(self._read(lambda c: c.execute("SELECT count(*) FROM articles").fetchone())[0])

    def remove(self, article_id: int) -> ArticleSummary:
        """Delete an article with its highlights; its export records stay, unlinked."""
        summary = self.summary(article_id)
        with self._write() as c:
            c.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        return summary

    def summary(self, article_id: int) -> ArticleSummary:
        row = self._read(
            lambda c: c.execute(
                "SELECT a.id, a.source, a.title, a.site, a.date, a.language, a.words, a.added, "
                "a.opened, a.position, a.chars, "
                "(SELECT count(*) FROM highlights h WHERE h.article_id = a.id), "
                "(SELECT at FROM listened l WHERE l.article_id = a.id) "
                "FROM articles a WHERE a.id = ?",
                (article_id,),
            ).fetchone()
        )
        if row is None:
            raise NotInLibrary(f"article {article_id}", "not in the library")
        return ArticleSummary(*row)

    def set_position(self, article_id: int, offset: int) -> None:
        """Remember where listening stopped (an offset into the text, clamped to it)."""
        with self._write() as c:
            row = c.execute("SELECT chars FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                raise NotInLibrary(f"article {article_id}", "not in the library")
            position = max(0, min(int(offset), int(row[0])))
            c.execute("UPDATE articles SET position = ? WHERE id = ?", (position, article_id))

    def mark_opened(self, article_id: int) -> None:
        with self._write() as c:
            c.execute("UPDATE articles SET opened = ? WHERE id = ?", (now(), article_id))


def _lookup(source: str, content_hash: str) -> tuple[str, tuple[str]]:
    """The query finding the article ``source`` already gave, if any."""
    return ("SELECT id, content_hash FROM articles WHERE source = ? ORDER BY id LIMIT 1", (source,))
