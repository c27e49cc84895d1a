"""The same-story index: which articles of the library tell the same story.

Each article's text gets a sketch (:mod:`reader.library.similar`) kept in ``sketches``,
with its values in ``sketch_index`` so a lookup reads only the articles sharing the
rarest values of a new sketch. Articles whose sketch is missing or stale wait in the
``unsketched`` queue (kept by triggers) until :meth:`Stories.index_stories` runs.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from reader.library.store import Store

if TYPE_CHECKING:
    from reader.library.records import Similar
    from reader.text.article import Article

__all__ = ["Stories", "store_sketch"]


class Stories(Store):
    """The library's same-story methods (see :class:`reader.library.Library`)."""

    def similar_to(self, article: Article, exclude: int | None = None) -> list[Similar]:
        """Articles in the library that tell the same story as ``article``."""
        from reader.library import similar

        return self._similar(similar.sketch(article.text, article.language), exclude)

    def _similar(self, sketch: tuple[int, ...], exclude: int | None) -> list[Similar]:
        """Articles whose estimate with ``sketch`` reaches the threshold, best first.

        How many articles hold each of the sketch's values (``sketch_values``) decides
        which index rows are read: those of its rarest values, enough of them that an
        article reaching the threshold must be among those holding ``need`` of them
        (:func:`~reader.library.similar.probe`), so common values, whose rows grow
        with the library, are skipped. Only those articles' sketches are read and
        compared, as a comparison with every sketch would.
        """
        from reader.library import similar
        from reader.library.records import Similar

        self.index_stories()
        keys = similar.index_keys(set(sketch))
        if not keys:
            return []

        def work(c: sqlite3.Connection) -> list[Similar]:
            counts = dict.fromkeys(keys, 0)
            counts.update(
                c.execute(
                    "SELECT value, articles FROM sketch_values WHERE value IN "
                    f"({','.join('?' * len(keys))})",
                    keys,
                ).fetchall()
            )
            values, need, _ = similar.probe(counts)
            if not values:
                return []
            rows = c.execute(
                "SELECT s.article_id, s.sketch FROM sketches s WHERE s.article_id IN ("
                "SELECT article_id FROM sketch_index WHERE value IN "
                f"({','.join('?' * len(values))}) GROUP BY article_id HAVING count(*) >= ?)",
                (*values, need),
            ).fetchall()
            found = similar.most_similar(sketch, (r for r in rows if r[0] != exclude))
            result = []
            for ident, score in found:
                title, source = c.execute(
                    "SELECT title, source FROM articles WHERE id = ?", (ident,)
                ).fetchone()
                result.append(Similar(ident, score, title, source))
            return result

        return self._read(work)

    def index_stories(self, batch: int = 200) -> int:
        """Sketch and index the articles waiting for it; return how many there were.

        Imported articles, articles whose text changed outside :meth:`add`, and every
        article of a library from before the sketch index wait in a queue (kept by
        triggers) until the next same-story check, which calls this. Sketches are
        made outside the write lock and written ``batch`` at a time, so another
        process is never kept waiting long; an article that changed meanwhile stays
        queued.
        """
        from reader.library import similar

        done = 0
        while True:
            rows = self._read(
                lambda c: c.execute(
                    "SELECT u.article_id, a.content_hash, s.sketch, a.language, "
                    "CASE WHEN s.sketch IS NULL THEN json_extract(b.article, '$.text') END "
                    "FROM unsketched u JOIN articles a ON a.id = u.article_id "
                    "JOIN article_bodies b ON b.article_id = u.article_id "
                    "LEFT JOIN sketches s ON s.article_id = u.article_id "
                    "ORDER BY u.article_id LIMIT ?",
                    (batch,),
                ).fetchall()
            )
            if not rows:
                return done
            made = [
                (
                    ident,
                    content_hash,
                    similar.from_bytes(blob)
                    if blob is not None
                    else similar.sketch(text or "", language),
                )
                for ident, content_hash, blob, language, text in rows
            ]
            ids = [ident for ident, _, _ in made]
            marks = ",".join("?" * len(ids))
            with self._write() as c:
                query = f"SELECT id, content_hash FROM articles WHERE id IN ({marks})"
                hashes = dict(c.execute(query, ids).fetchall())
                # One that changed meanwhile stays queued; a removed one left the queue.
                fresh = [(ident, sketch) for ident, h, sketch in made if hashes.get(ident) == h]
                c.executemany(
                    "INSERT OR REPLACE INTO sketches (article_id, sketch) VALUES (?, ?)",
                    [(ident, similar.to_bytes(sketch)) for ident, sketch in fresh],
                )
                c.executemany(
                    "DELETE FROM sketch_index WHERE article_id = ?", [(i,) for i, _ in fresh]
                )
                # In key order: inserting into the index's B-tree in order is twice as fast.
                c.executemany(
                    "INSERT OR IGNORE INTO sketch_index (value, article_id) VALUES (?, ?)",
                    sorted((key, i) for i, sketch in fresh for key in similar.index_keys(sketch)),
                )
                c.executemany(
                    "DELETE FROM unsketched WHERE article_id = ?", [(i,) for i, _ in fresh]
                )
                done += len(fresh)
            if len(rows) < batch:
                return done


def store_sketch(c: sqlite3.Connection, ident: int, sketch: tuple[int, ...]) -> None:
    """Write an article's same-story sketch and its index rows; take it off the queue."""
    from reader.library import similar

    c.execute(
        "INSERT OR REPLACE INTO sketches (article_id, sketch) VALUES (?, ?)",
        (ident, similar.to_bytes(sketch)),
    )
    c.execute("DELETE FROM sketch_index WHERE article_id = ?", (ident,))
    c.executemany(
        "INSERT OR IGNORE INTO sketch_index (value, article_id) VALUES (?, ?)",
        [(key, ident) for key in similar.index_keys(sketch)],
    )
    c.execute("DELETE FROM unsketched WHERE article_id = ?", (ident,))
