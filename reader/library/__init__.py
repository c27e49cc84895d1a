"""The library: articles, highlights, listening positions and exports, kept in SQLite.

One file (``reader.locations.library_file()``, moved by ``READER_HOME``) in WAL mode
with foreign keys on and a schema version migrated forwards on open
(:mod:`reader.library.schema`). Typical use::

    library = Library.open()
    result = library.add(article, source)          # AddResult: id, status, similar
    stored = library.get(result.id)                # StoredArticle with its highlights
    library.add_highlight(result.id, 120, 180, note="check this")

**Threads.** A :class:`Library` may be shared by threads (the TUI calls it from
workers): each thread gets its own SQLite connection on first use, because sqlite3
connections must stay in the thread that made them. :meth:`Library.close` closes them
all; call it when the program ends.

**Processes.** Several processes may use one library at once (the TUI and a batch
``reader add``): every write is one ``BEGIN IMMEDIATE`` transaction and waits up to
:data:`BUSY_TIMEOUT` seconds for another writer; only after that does a
:class:`LibraryBusy` error (a :class:`~reader.errors.ReaderError`) say so. A write is
committed when the method returns (``synchronous=FULL``): killing the process loses
at most the write in flight.

**Damage.** A file that is not a reader library (garbage, a truncated or foreign
SQLite file) is moved aside under a dated name and a fresh library is created;
:attr:`Library.recovered` says what happened so front ends can tell the user. Damage
deeper in the file (a page only some queries reach) raises :class:`LibraryError` naming
``reader library repair`` (:mod:`reader.library.repair`), which saves every readable
row into a new file. A library written by a newer reader is refused and left alone.

Offsets (highlights, position) are character offsets into :attr:`Article.text`.
"""

from __future__ import annotations

import builtins
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

from reader import locations
from reader.errors import InputError, ReaderError
from reader.library import schema

# json, datetime and the dataclass records are imported where they are used: `reader
# list` and `reader search` need none of them, and start-up is most of their time.
if TYPE_CHECKING:
    from reader.article import Article
    from reader.library.records import (
        AddResult,
        ExportRecord,
        Highlight,
        ImportResult,
        Recovery,
        Similar,
        StoredArticle,
    )

__all__ = [
    "COLORS",
    "STDIN_PREFIX",
    "AddResult",
    "ArticleSummary",
    "ExportRecord",
    "Highlight",
    "ImportResult",
    "Library",
    "LibraryBusy",
    "LibraryError",
    "NotInLibrary",
    "Recovery",
    "SearchHit",
    "Similar",
    "StoredArticle",
    "source_key",
]

BUSY_TIMEOUT = 15.0  # seconds a write waits for another process before giving up
COLORS = ("yellow", "green", "blue", "pink", "purple", "orange")
SQLITE_HEADER = b"SQLite format 3\x00"

_T = TypeVar("_T")


class LibraryError(ReaderError):
    """The library file cannot be used (newer version, unreadable, damaged)."""


class LibraryBusy(LibraryError):
    """Another process held the library for longer than :data:`BUSY_TIMEOUT`."""


class NotInLibrary(InputError):
    """No article or highlight with that id."""


# -- rows --------------------------------------------------------------------------------
# The records a listing or a search returns by the thousand are NamedTuples: ten times
# cheaper to make than frozen dataclasses, and they need no dataclasses import, which
# `reader list` and `reader search` would otherwise pay at start-up. The other records
# (reader.library.records) are dataclasses, loaded on first use.


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


class SearchHit(NamedTuple):
    id: int
    title: str | None
    source: str
    snippet: str  # matched words in [brackets]
    rank: float  # bm25: lower is better


# The dataclass records, imported from reader.library.records on first use (PEP 562).
_RECORDS = frozenset(
    (
        "AddResult",
        "ExportRecord",
        "Highlight",
        "ImportResult",
        "Recovery",
        "Similar",
        "StoredArticle",
    )
)


def __getattr__(name: str) -> Any:
    if name in _RECORDS:
        from reader.library import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


STDIN_PREFIX = "stdin:"
# The source of a stand-in article a repair made for highlights whose article's text and
# source were both lost (reader.library.repair): a name, never a path to resolve.
STAND_IN_PREFIX = "recovered:article-"


def source_key(article: Article, source: str | None = None) -> str:
    """The source ``article`` is kept under in the library: the one place that decides.

    ``source`` (what the user gave), else the article's own source, else its URL. Text
    with no name (``-``: stdin or a paste, without a URL) is named by its content:
    ``stdin:`` and the first 16 hex digits of its content hash, the key export uses
    for such items too. Two different piped articles are then two articles, and the
    same text piped again is the one already kept (a shared ``-`` would make the
    second replace the first, as a re-fetched URL replaces its old text).
    A file is kept under its absolute path, so ``reader add notes.txt`` in one folder
    and ``reader open ~/notes.txt`` in another find the same article.
    """
    for name in (source, article.source, article.url):
        if name and name != "-":
            if "://" in name or name.startswith((STDIN_PREFIX, "library:", STAND_IN_PREFIX)):
                return name
            return str(Path(name).expanduser().resolve())
    return STDIN_PREFIX + article.content_hash[:16]


# SQLite's integers (ids, offsets, LIMIT) are signed 64-bit: anything larger raises
# OverflowError when bound, so every number a user or a file gives is checked first.
MAX_ID = 2**63 - 1


def _number(text: str) -> int | None:
    """``text`` as a whole number from 0 to :data:`MAX_ID` (ASCII digits only), or None.

    ``str.isdigit`` alone also accepts digits ``int`` refuses ("²"), and ``int`` of a
    100,000-digit string is slow and refused by Python: the length is checked first.
    """
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(MAX_ID)):
        return None
    value = int(digits)
    return value if value <= MAX_ID else None


def _shown(text: str, width: int = 40) -> str:
    """What the user typed, as one safe line for a message."""
    from reader.sanitize import one_line

    flat = one_line(text)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def parse_id(text: str, what: str = "article") -> int:
    """The id a user typed (``reader show ID``, ``rm``, ``highlight``...): the one parser.

    Not a whole number: :class:`~reader.errors.InputError`. A number no row can have
    (0, or beyond SQLite's 64-bit integers): :class:`NotInLibrary`, as any absent id.
    """
    if not (text.strip().isascii() and text.strip().isdigit()):
        raise InputError(
            _shown(text) or repr(text), f"not an {what} id (a whole number, as `reader list` shows)"
        )
    value = _number(text)
    if value is None or value < 1:
        raise NotInLibrary(f"{what} {_shown(text.strip())}", "not in the library")
    return value


def parse_limit(text: str, option: str = "--limit") -> int:
    """A count a user typed (``--limit N``): a whole number from 1 to :data:`MAX_ID`."""
    value = _number(text)
    if value is None or value < 1:
        raise InputError(f"{option} {_shown(text)}", f"give a whole number from 1 to {MAX_ID}")
    return value


def library_id(label: str) -> int | None:
    """The library article an input names: ``library:12``, or ``12`` when no file is
    called so (``reader open 12``, ``reader export 12``); parsed by :func:`parse_id`."""
    text = label.removeprefix("library:")
    if (
        text.isascii()
        and text.isdigit()
        and (label.startswith("library:") or not Path(label).exists())
    ):
        return parse_id(text)
    return None


def now() -> str:
    """The current time as stored: ISO 8601, UTC, to the microsecond (sorts as text)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="microseconds")


_UNSET: Any = object()


# -- the library ------------------------------------------------------------------------


class Library:
    """A reader library file. Use :meth:`open`; see the module docstring for threads."""

    def __init__(self, path: Path | str | None = None) -> None:
        """Open (creating or migrating) the library at ``path``; same as :meth:`open`."""
        target = Path(path) if path is not None else locations.library_file()
        self.path = target
        self.recovered: Recovery | None = None
        self._local = threading.local()
        self._holders: weakref.WeakSet[_Holder] = weakref.WeakSet()
        self._lock = threading.Lock()
        locations.ensure(target.parent)
        problem = _inspect(target)
        if problem is not None:
            self.recovered = _move_aside(target, problem)
            self.recovered = _salvage(self.recovered)
        try:
            schema.migrate(self._connection())
        except schema.NewerSchema as newer:
            self.close()
            raise LibraryError(
                str(target),
                f"written by a newer version of reader (library version {newer.version}, "
                f"this reader knows up to {schema.LATEST}); update reader to use it",
            ) from None
        except sqlite3.DatabaseError as error:
            self.close()
            raise _translate(error, target) from None

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str | None = None) -> Library:
        """Open (creating or migrating) the library at ``path``.

        ``path`` defaults to :func:`reader.locations.library_file`. A file that is not
        a reader library is moved aside (see :class:`Recovery` and :attr:`recovered`);
        one written by a newer reader raises :class:`LibraryError` and is left alone.
        """
        return cls(path)

    def close(self) -> None:
        """Close every thread's connection. The library can be used again afterwards."""
        with self._lock:
            holders = list(self._holders)
            self._holders = weakref.WeakSet()
            self._local = threading.local()
        for holder in holders:
            holder.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        holder: _Holder | None = getattr(self._local, "holder", None)
        if holder is None:
            holder = _Holder(_connect(self.path))
            self._local.holder = holder
            with self._lock:
                self._holders.add(holder)
        return holder.connection

    # -- plumbing -----------------------------------------------------------------------

    def _read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        try:
            return work(self._connection())
        except sqlite3.DatabaseError as error:
            raise _translate(error, self.path) from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with the write lock up front.

        ``BEGIN IMMEDIATE`` rather than a deferred transaction: a deferred one that
        reads first and then writes can fail with SQLITE_BUSY at once, without waiting,
        when another process committed in between; an immediate one just waits.
        """
        connection = self._connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise _translate(error, self.path) from None
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException as error:
            with suppress(sqlite3.DatabaseError):
                connection.execute("ROLLBACK")
            if isinstance(error, sqlite3.DatabaseError):
                raise _translate(error, self.path) from None
            raise

    # -- articles -----------------------------------------------------------------------

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
        body = _body(article)
        stamp = now()
        meta = _meta(article)
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
            _store_sketch(c, ident, sketch)
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
            (*_meta(article), article.content_hash, stamp, position, ident),
        )
        c.execute("UPDATE article_bodies SET article=? WHERE article_id=?", (body, ident))
        _store_sketch(c, ident, sketch)
        moved = 0
        lost: list[Highlight] = []
        rows = c.execute(_HIGHLIGHT_SELECT + " WHERE article_id = ?", (ident,)).fetchall()
        for row in rows:
            old = _highlight(row)
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

    def get(self, article_id: int, *, touch: bool = False) -> StoredArticle:
        """The stored article with its highlights; ``touch`` records it as opened now."""
        import json

        from reader.article import Article
        from reader.library.records import StoredArticle

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
                _HIGHLIGHT_SELECT + " WHERE article_id = ? ORDER BY detached, start, id",
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
                highlights=tuple(_highlight(m) for m in marks),
            )

        return self._read(work)

    def list(self, *, limit: int | None = None) -> list[ArticleSummary]:
        """Every article, the latest added first (by id; no texts: cheap for large libraries)."""
        query = (
            "SELECT a.id, a.source, a.title, a.site, a.date, a.language, a.words, a.added, "
            "a.opened, a.position, a.chars, coalesce(n.n, 0) FROM articles a LEFT JOIN "
            "(SELECT article_id, count(*) AS n FROM highlights GROUP BY article_id) n "
            "ON n.article_id = a.id ORDER BY a.id DESC"
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
                "(SELECT count(*) FROM highlights h WHERE h.article_id = a.id) "
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

    # -- highlights ---------------------------------------------------------------------

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

        color = _check_color(color)
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
            query = _HIGHLIGHT_SELECT + " ORDER BY article_id, detached, start, id"
            params: tuple[Any, ...] = ()
        else:
            self.summary(article_id)  # NotInLibrary for an unknown id
            query = _HIGHLIGHT_SELECT + " WHERE article_id = ? ORDER BY detached, start, id"
            params = (article_id,)
        return [_highlight(r) for r in self._read(lambda c: c.execute(query, params).fetchall())]

    def highlight(self, highlight_id: int) -> Highlight:
        row = self._read(
            lambda c: c.execute(_HIGHLIGHT_SELECT + " WHERE id = ?", (highlight_id,)).fetchone()
        )
        if row is None:
            raise NotInLibrary(f"highlight {highlight_id}", "not in the library")
        return _highlight(row)

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
                    (_check_color(color), highlight_id),
                )
        return self.highlight(highlight_id)

    def remove_highlight(self, highlight_id: int) -> Highlight:
        found = self.highlight(highlight_id)
        with self._write() as c:
            c.execute("DELETE FROM highlights WHERE id = ?", (highlight_id,))
        return found

    # -- search -------------------------------------------------------------------------

    def search(self, words: str | Sequence[str], *, limit: int = 20) -> builtins.list[SearchHit]:
        """Articles matching every word, best first (FTS5, bm25; title words weigh more).

        Words are matched as given (case and accents ignored); a word ending in ``*``
        matches as a prefix. Quotes and FTS operators are taken literally.
        """
        query = _fts_query(words)
        if not query:
            raise InputError("search", "give at least one word to look for")

        def work(c: sqlite3.Connection) -> builtins.list[SearchHit]:
            rows = c.execute(
                "SELECT f.rowid, a.title, a.source, "
                "snippet(articles_fts, 1, '[', ']', '…', 16), bm25(articles_fts, 5.0, 1.0) AS r "
                "FROM articles_fts f JOIN articles a ON a.id = f.rowid "
                "WHERE articles_fts MATCH ? ORDER BY r LIMIT ?",
                (query, limit),
            ).fetchall()
            return list(map(SearchHit._make, rows))

        return self._read(work)

    # -- exports ------------------------------------------------------------------------

    def record_export(
        self, article_id: int | None, file: str | Path, settings: dict[str, Any] | None = None
    ) -> ExportRecord:
        """Remember that ``file`` was written (from ``article_id``) with ``settings``."""
        import json

        from reader.library.records import ExportRecord

        created = now()
        data = dict(settings or {})
        with self._write() as c:
            cursor = c.execute(
                "INSERT INTO exports (article_id, file, settings, created) VALUES (?,?,?,?)",
                (article_id, str(file), json.dumps(data, sort_keys=True, default=str), created),
            )
            ident = int(cursor.lastrowid or 0)
        return ExportRecord(ident, article_id, str(file), data, created)

    def exports(self, article_id: int | None = None) -> builtins.list[ExportRecord]:
        import json

        from reader.library.records import ExportRecord

        query = "SELECT id, article_id, file, settings, created FROM exports"
        params: tuple[Any, ...] = ()
        if article_id is not None:
            query += " WHERE article_id = ?"
            params = (article_id,)
        rows = self._read(lambda c: c.execute(query + " ORDER BY id", params).fetchall())
        return [ExportRecord(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    # -- whole library ------------------------------------------------------------------

    def export_json(self, path: str | Path) -> int:
        """Write the whole library to a JSON file (atomically); return the article count."""
        from reader.library import transfer

        return transfer.export_json(self, Path(path))

    def import_json(self, path: str | Path) -> ImportResult:
        """Add a file written by :meth:`export_json` (see :mod:`reader.library.transfer`)."""
        from reader.library import transfer

        return transfer.import_json(self, Path(path))

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` or the problems found."""
        rows = self._read(lambda c: c.execute("PRAGMA integrity_check").fetchall())
        return "\n".join(str(r[0]) for r in rows)


# -- helpers ----------------------------------------------------------------------------


class _Holder:
    """One thread's connection, closed when the thread ends and its locals go.

    Textual starts a thread per worker; without this every worker would leave a
    connection open until the program ends.
    """

    __slots__ = ("__weakref__", "connection")

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def close(self) -> None:
        self.connection.close()

    def __del__(self) -> None:
        self.connection.close()


def _lookup(source: str, content_hash: str) -> tuple[str, tuple[str]]:
    """The query finding the article ``source`` already gave, if any."""
    return ("SELECT id, content_hash FROM articles WHERE source = ? ORDER BY id LIMIT 1", (source,))


def _store_sketch(c: sqlite3.Connection, ident: int, sketch: tuple[int, ...]) -> None:
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


_HIGHLIGHT_SELECT = (
    'SELECT id, article_id, start, "end", quote, color, note, created, prefix, suffix, '
    "detached FROM highlights"
)


def _highlight(row: Sequence[Any]) -> Highlight:
    from reader.library.records import Highlight

    return Highlight(
        id=row[0],
        article_id=row[1],
        start=row[2],
        end=row[3],
        text=row[4],
        color=row[5],
        note=row[6],
        created=row[7],
        prefix=row[8],
        suffix=row[9],
        detached=bool(row[10]),
    )


def _body(article: Article) -> str:
    """The stored form: ``Article.to_dict()`` without its sentences.

    Sentences are derived from the blocks (``Article.from_dict`` ignores them and
    :attr:`Article.sentences` recomputes them on first use); leaving them out keeps
    the file about a third smaller. ``text`` stays: search and highlights read it.
    """
    import json

    data = article.to_dict()
    data.pop("sentences", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _meta(article: Article) -> tuple[Any, ...]:
    """The queryable columns: url, title, site, authors, date, language, words, chars.

    The one-line ones are sanitized here, where text enters the library's columns
    (what `reader list` and the TUI's library read): a title from a page or a file
    may carry a terminal escape or a bidi override. The stored model is not changed:
    its title is part of the text that highlight offsets point into.
    """
    from reader.sanitize import one_line

    def line(value: str | None) -> str | None:
        return None if value is None else one_line(value)

    return (
        line(article.url),
        line(article.title),
        line(article.site),
        "; ".join(one_line(a) for a in article.authors),
        line(article.date),
        line(article.language),
        article.word_count,
        len(article.text),
    )


def _check_color(color: str | None) -> str | None:
    if color is None:
        return None
    value = color.strip().lower()
    is_hex = (
        len(value) == 7 and value[0] == "#" and all(ch in "0123456789abcdef" for ch in value[1:])
    )
    if value in COLORS or is_hex:
        return value
    raise InputError(f"color {color!r}", "use one of " + ", ".join(COLORS) + " or #rrggbb")


# What a search may ask: FTS5's matching and snippets grow with the number of terms
# and repeats of one term (400 times "a" took 3 s, 1,600 times 50 s), so terms are
# deduplicated and these limits refused with one line.
MAX_QUERY_CHARS = 16_384
MAX_QUERY_TERMS = 32
MAX_TERM_CHARS = 256


def _fts_query(words: str | Sequence[str]) -> str:
    """User words as an FTS5 query: each a quoted string (AND), ``word*`` a prefix.

    A word given twice is asked once (case aside: FTS5 ignores it too); more than
    :data:`MAX_QUERY_TERMS` different words, a word over :data:`MAX_TERM_CHARS` or a
    query over :data:`MAX_QUERY_CHARS` characters is an :class:`InputError`.
    """
    parts = [words] if isinstance(words, str) else list(words)
    if sum(len(part) for part in parts) > MAX_QUERY_CHARS:
        raise InputError("search", f"the query is too long (at most {MAX_QUERY_CHARS} characters)")
    terms: dict[str, str] = {}  # in order, once each (compared lowercased, sent as given)
    for word in (w for part in parts for w in part.split()):
        prefix = word.endswith("*") and len(word) > 1
        core = word.rstrip("*") if prefix else word
        if not any(ch.isalnum() for ch in core):
            continue
        if len(core) > MAX_TERM_CHARS:
            raise InputError(
                "search", f"a word of {len(core)} characters (at most {MAX_TERM_CHARS})"
            )
        term = '"' + core.replace('"', '""') + '"' + ("*" if prefix else "")
        terms.setdefault(term.lower(), term)
        if len(terms) > MAX_QUERY_TERMS:
            raise InputError("search", f"too many different words (at most {MAX_QUERY_TERMS})")
    return " ".join(terms.values())


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(
        # Each connection is used by one thread only (Library keeps them per thread);
        # not checking lets a finished thread's connection be closed from another.
        path,
        timeout=BUSY_TIMEOUT,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        connection.execute("PRAGMA foreign_keys = ON")
        # FULL: a commit is on disk before the call returns, even across a power cut.
        connection.execute("PRAGMA synchronous = FULL")
        _use_wal(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode (a new library; later opens find it so already).

    Switching needs the file to itself, and SQLite reports "database is locked" at
    once instead of waiting when another process has it open (two readers creating
    a library at the same moment): retry until the other is done, up to
    ``BUSY_TIMEOUT``. Usually the other process has switched it meanwhile.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                return
            connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            text = str(error)
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _translate(error: sqlite3.DatabaseError, path: Path) -> ReaderError:
    """SQLite's errors as one line for the user; "database is locked" never reaches them."""
    text = str(error)
    if isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return LibraryBusy(
            str(path),
            f"another reader kept the library busy for over {BUSY_TIMEOUT:.0f} s; try again",
        )
    if isinstance(error, sqlite3.OperationalError) and "readonly" in text:
        return LibraryError(str(path), "cannot write to the library (read-only file or folder)")
    if isinstance(error, sqlite3.OperationalError) and "unable to open" in text:
        return LibraryError(str(path), "cannot open the library file")
    if isinstance(error, sqlite3.OperationalError):
        return LibraryError(str(path), f"library error: {text}")
    return LibraryError(
        str(path),
        f"the library file is damaged ({text}); run `reader library repair` to save every "
        "readable article and highlight into a new library",
    )


FOREIGN = "an SQLite database of another program"


def _inspect(path: Path) -> str | None:
    """Why the file at ``path`` is not a usable library, or ``None`` if it is (or is absent).

    A newer library is *usable* here (it is refused later, without being moved).
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise LibraryError(str(path), "is a folder, not a library file") from None
    except OSError as error:
        raise LibraryError(str(path), f"cannot be read ({error.strerror})") from None
    if not header:
        return None  # an empty file is an empty database
    if header != SQLITE_HEADER:
        return "not an SQLite database"
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
        try:
            app_id = connection.execute("PRAGMA application_id").fetchone()[0]
            tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            return None  # in use by another process: certainly a database
        return f"cannot be read as a database: {error}"
    except sqlite3.DatabaseError as error:
        return f"damaged: {error}"
    if app_id == schema.APPLICATION_ID:
        return None
    if app_id == 0 and tables == 0 and version == 0:
        return None  # an empty SQLite file
    return FOREIGN


def _salvage(recovery: Recovery) -> Recovery:
    """Read back what the file just moved aside holds into a new library in its place.

    Not for another program's database (nothing of ours is in it). A salvage that fails
    leaves the moved file as it is, and the library starts empty as before.
    """
    from dataclasses import replace

    from reader.library import repair

    if recovery.reason == FOREIGN:
        return recovery
    try:
        report = repair.salvage(recovery.moved_to, recovery.path)
    except (OSError, sqlite3.DatabaseError, ReaderError):
        return recovery
    return replace(recovery, salvaged=report) if report is not None else recovery


def _move_aside(path: Path, reason: str) -> Recovery:
    """Rename the file (and its -wal/-shm companions) to a dated name that is free."""
    from datetime import datetime

    from reader.library.records import Recovery

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        suffix = "" if attempt == 1 else f"-{attempt}"
        target = path.with_name(f"{path.name}.broken-{stamp}{suffix}")
        companions = [Path(f"{target}{tail}") for tail in ("-wal", "-shm", "-journal")]
        if not target.exists() and not any(c.exists() for c in companions):
            break
    else:  # pragma: no cover - a thousand damaged libraries in one second
        raise LibraryError(str(path), "damaged, and no free name to move it aside")
    try:
        os.rename(path, target)
    except FileNotFoundError:
        pass  # another process moved it first
    except OSError as error:
        raise LibraryError(
            str(path), f"not a usable library ({reason}) and cannot be moved aside: {error}"
        ) from None
    for tail in ("-wal", "-shm", "-journal"):
        companion = Path(f"{path}{tail}")
        if companion.exists():
            with suppress(OSError):
                os.rename(companion, Path(f"{target}{tail}"))
    return Recovery(path=path, moved_to=target, reason=reason)
