"""Checking a library file for damage, and saving what is readable from a damaged one.

``reader library check`` runs SQLite's ``PRAGMA integrity_check`` and
``foreign_key_check``; ``reader library repair`` copies every readable row into a new
library file and puts it in place of the damaged one, which is kept under the dated
name :func:`reader.library.store.move_aside` uses.

**Why row by row.** A damaged page makes SQLite raise ``database disk image is
malformed`` for any query whose cursor touches it, so one plain ``SELECT *`` loses a
whole table to one bad page. SQLite's own recovery (the ``.recover`` command of the
``sqlite3`` shell, built on the ``sqlite3_recover`` C API) is not reachable from
Python's :mod:`sqlite3` module, nor is ``sqlite_dbpage`` in the usual builds. So
:func:`_salvage` walks each table by rowid the way a seek does: batches of ``rowid >
last``; when a batch fails, one row at a time; when even the seek to the next row fails,
it probes ever further rowids (then bisects back) for the first seek that succeeds,
skipping exactly the key range whose page is damaged. Every row on an undamaged page
is read; a damaged leaf costs only its own rows. A damaged interior page hides sound
leaves from every query: rows the indexes name but no query reached are then read
from the file's table pages by hand (:func:`_from_pages`, a narrow ``.recover``).

**What is saved, from where.** Articles: the stored model (``article_bodies``), else
the text kept by the search index (``articles_fts_content``: the same displayed text,
so highlight offsets still hold; paragraphs are kept, headings and lists become
paragraphs), with source, dates and listening position from ``articles``. Highlights
and export records as they are. A highlight whose article's text is lost everywhere
is kept in a *stand-in* article under the same source, holding the highlighted
passages: ``reader add SOURCE`` later brings the real text back and re-anchors them
(:meth:`Library.add` replacing an article). Same-story sketches and the search index
are derived and made again. What is lost is counted from the ids the indexes
(separate pages) and the other tables still name.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from reader.errors import ReaderError
from reader.library import schema
from reader.library.articles import stored_body, stored_columns
from reader.library.highlights import check_color
from reader.library.ids import STAND_IN_PREFIX, STDIN_PREFIX, source_key
from reader.library.store import BUSY_TIMEOUT, FOREIGN, LibraryError, inspect_file, move_aside

__all__ = ["CheckResult", "RepairReport", "check", "repair"]

# SQLite's rowids are signed 64-bit integers.
_LOW = -(2**63)
_HIGH = 2**63 - 1
_BATCH = 256


# -- check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """What ``PRAGMA integrity_check`` and ``foreign_key_check`` said about a file."""

    path: Path
    status: Literal["ok", "missing", "damaged"]
    problems: tuple[str, ...] = ()
    articles: int = 0
    highlights: int = 0

    def message(self) -> str:
        if self.status == "missing":
            return f"{self.path}: no library yet, nothing to check (adding an article makes one)"
        if self.status == "ok":
            return (
                f"{self.path}: ok (integrity and foreign key checks passed; "
                f"{self.articles} article(s), {self.highlights} highlight(s))"
            )
        count = len(self.problems)
        first = self.problems[0] if self.problems else "unknown problem"
        more = f"{count} problems, first: " if count > 1 else ""
        return (
            f"{self.path}: damaged ({more}{first}); run `reader library repair` to save "
            "every readable article and highlight into a new library"
        )


def check(path: Path) -> CheckResult:
    """Check the library file at ``path`` without changing it (opened read-only)."""
    problem = inspect_file(path)  # LibraryError for a folder or an unreadable file
    if not path.exists() or path.stat().st_size == 0:
        return CheckResult(path, "missing")
    if problem is not None:
        return CheckResult(path, "damaged", (f"not a usable reader library: {problem}",))
    problems: list[str] = []
    articles = highlights = 0
    try:
        with _closing(_open_ro(path)) as c:
            problems = [str(r[0]) for r in c.execute("PRAGMA integrity_check")]
            if problems == ["ok"]:
                problems = []
            faults: dict[str, int] = {}
            for row in c.execute("PRAGMA foreign_key_check"):
                faults[str(row[0])] = faults.get(str(row[0]), 0) + 1
            problems += [
                f"{n} row(s) of {table} refer to rows that are missing"
                for table, n in sorted(faults.items())
            ]
            if not problems:
                articles = int(c.execute("SELECT count(*) FROM articles").fetchone()[0])
                highlights = int(c.execute("SELECT count(*) FROM highlights").fetchone()[0])
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error) or "unable to open" in str(error):
            raise LibraryError(str(path), f"cannot be checked now ({error})") from None
        problems.append(str(error))
    except sqlite3.DatabaseError as error:
        problems.append(str(error))
    if problems:
        return CheckResult(path, "damaged", tuple(problems))
    return CheckResult(path, "ok", articles=articles, highlights=highlights)


# -- repair -----------------------------------------------------------------------------


@dataclass
class RepairReport:
    """What :func:`repair` saved and lost. ``complete``: nothing the user made was lost."""

    path: Path
    status: Literal["missing", "healthy", "repaired", "unreadable"]
    moved_to: Path | None = None
    reason: str = ""
    articles: int = 0  # saved with their text
    highlights: int = 0
    exports: int = 0
    from_search_index: int = 0  # articles whose text came from the search index
    articles_lost: int = 0  # text lost (their highlights are in stand-ins, if any)
    highlights_lost: int = 0
    exports_lost: int = 0
    positions_lost: int = 0  # articles saved without their row: position and dates reset
    from_pages: int = 0  # rows read straight from table pages the tree no longer reached
    unverified: int = 0  # texts read back by hand whose stored hash did not confirm them
    uncertain: bool = False  # some pages could not be read at all: counts are lower bounds
    stand_ins: list[tuple[int, str, int]] = field(default_factory=list)  # id, source, marks
    lost_articles: list[tuple[int, str | None]] = field(default_factory=list)  # id, source

    @property
    def complete(self) -> bool:
        return self.status != "unreadable" and not (
            self.articles_lost
            or self.highlights_lost
            or self.exports_lost
            or self.positions_lost
            or self.uncertain
        )

    def lines(self) -> list[str]:
        """The report for the user: a summary line, then one line per thing to act on."""
        if self.status == "missing":
            return [f"{self.path}: no library yet, nothing to repair"]
        if self.status == "healthy":
            return [f"{self.path}: the library is healthy (integrity check passed); nothing to do"]
        if self.status == "unreadable":
            name = self.moved_to.name if self.moved_to else "?"
            return [
                f"{self.path}: nothing could be read ({self.reason}); moved it to {name} "
                "and started a new, empty library"
            ]
        lines = [
            f"repaired {self.path}: saved {self.articles} article(s), {self.highlights} "
            f"highlight(s), {self.exports} export record(s); could not save "
            f"{self.articles_lost} article text(s), {self.highlights_lost} highlight(s), "
            f"{self.exports_lost} export record(s)"
            + (" (at least: some pages could not be read at all)" if self.uncertain else "")
        ]
        if self.moved_to is not None:
            lines.append(f"the damaged file is kept as {self.moved_to.name} ({self.reason})")
        if self.from_search_index:
            lines.append(
                f"{self.from_search_index} article(s) rebuilt from the search index's copy of "
                "the text (headings and lists became paragraphs; highlights still fit)"
            )
        if self.from_pages:
            lines.append(
                f"{self.from_pages} row(s) read straight from the file's pages "
                "(a damaged page of the table's tree hid them from queries)"
            )
        if self.unverified:
            lines.append(
                f"{self.unverified} article text(s) could not be checked against their stored "
                "hash and may carry damaged characters; `reader add SOURCE` fetches one again"
            )
        if self.positions_lost:
            lines.append(
                f"{self.positions_lost} article(s) lost their listening position and dates"
            )
        for ident, origin, marks in self.stand_ins:
            again = _add_again(origin)
            lines.append(
                f"article {ident}: text lost; its {marks} highlight(s) are kept in a stand-in "
                + (
                    f"article: {again} brings the text back and re-anchors them"
                    if again
                    else "article (where the text came from is lost too)"
                )
            )
        for ident, known in self.lost_articles:
            again = _add_again(known)
            lines.append(
                f"article {ident}: text lost; {again} adds it again"
                if again
                else f"article {ident}: lost, with where it came from"
            )
        return lines


def _add_again(source: str | None) -> str | None:
    """The command that adds an article again from ``source``, if it can be run as is."""
    if not source or source.startswith((STAND_IN_PREFIX, STDIN_PREFIX)):
        return None
    return f"`reader add {source}`"


def repair(path: Path) -> RepairReport:
    """Save every readable row of the library at ``path`` into a new file put in its place.

    A healthy library is left alone. Otherwise the new library is written under a
    temporary name in the same folder and checked; only then is the damaged file moved
    aside (never deleted) and the new one renamed into place. Anything failing before
    that leaves the damaged file where and as it was, and no new file behind.
    Other readers (the TUI) should be closed first: what they write meanwhile goes to
    the damaged file.
    """
    if not path.exists() or path.stat().st_size == 0:
        return RepairReport(path, "missing")
    problem = inspect_file(path)
    if problem is not None:
        # Nothing SQLite can open: what opening it would do (moved aside, and what its
        # pages still hold read back), said as a repair.
        recovery = move_aside(path, problem)
        saved = None
        if problem != FOREIGN:
            with suppress(OSError, sqlite3.DatabaseError, ReaderError):
                saved = salvage(recovery.moved_to, path)
        if saved is not None:
            saved.moved_to = recovery.moved_to
            saved.reason = problem
            return saved
        _new_library(path)
        return RepairReport(
            path,
            "unreadable",
            moved_to=recovery.moved_to,
            reason=problem,
        )
    checked = check(path)
    if checked.status == "ok":
        return RepairReport(path, "healthy")
    try:
        return _repair(path, checked)
    except sqlite3.DatabaseError as error:
        raise LibraryError(str(path), f"cannot be repaired here: {error}") from None
    except OSError as error:
        raise LibraryError(str(path), f"cannot be repaired here ({error})") from None


def _repair(path: Path, checked: CheckResult) -> RepairReport:
    with _closing(_open_ro(path)) as source:
        version = schema.version(source)
        if version > schema.LATEST:
            raise LibraryError(
                str(path),
                f"written by a newer version of reader (library version {version}); "
                "repair it with that version",
            )
        tmp = path.with_name(f".{path.name}.repair-{os.getpid()}.tmp")
        _remove(tmp)
        try:
            with _closing(_new_database(tmp)) as target:
                report = RepairReport(path, "repaired")
                _copy(source, target, report, path)
                if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise LibraryError(str(path), "the repaired copy failed its own check")
            source.close()
            reason = "; ".join(checked.problems[:1]) or "damaged"
            recovery = move_aside(path, reason)
            try:
                os.replace(tmp, path)
            except OSError:
                with suppress(OSError):
                    os.rename(recovery.moved_to, path)  # as it was: the damaged file in place
                raise
        except BaseException:
            _remove(tmp)
            raise
    report.moved_to = recovery.moved_to
    report.reason = f"damaged: {reason}"
    return report


# -- the salvage ------------------------------------------------------------------------


class _Salvage:
    """Reads one rowid table tolerating damaged pages; counts what it had to skip."""

    def __init__(self, c: sqlite3.Connection, table: str, key: str, columns: str) -> None:
        self.c = c
        self.table = table
        self.key = key
        self.columns = columns
        self.unreadable: set[int] = set()  # keys seen whose row could not be read
        self.skipped = 0  # key ranges skipped because no seek into them worked

    def _seek(self, after: int) -> int | None:
        row = self.c.execute(
            f"SELECT {self.key} FROM {self.table} WHERE {self.key} > ? ORDER BY {self.key} LIMIT 1",
            (after,),
        ).fetchone()
        return None if row is None else int(row[0])

    def _can_seek(self, after: int) -> bool:
        try:
            self._seek(after)
        except sqlite3.DatabaseError:
            return False
        return True

    def _skip(self, last: int) -> int | None:
        """The smallest ``p > last`` from which a seek works, or ``None`` if none does.

        A seek for ``key > p`` starts by positioning at ``p``, so it fails while ``p``
        lies in the key range of a damaged page (up to and including its last key) and
        works on both sides of it: probe ``last + 1, + 2, + 4...`` until one works,
        then bisect back to the first that does, so no readable row after the damage
        is stepped over.
        """
        bad, step = last, 1
        while True:
            probe = min(last + step, _HIGH)
            if self._can_seek(probe):
                break
            bad = probe
            if probe >= _HIGH:
                return None
            step *= 2
        good = probe
        while good - bad > 1:
            middle = (bad + good) // 2
            if self._can_seek(middle):
                good = middle
            else:
                bad = middle
        return good

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Every readable row, by key (the key first, then ``columns``)."""
        select = f"SELECT {self.key}, {self.columns} FROM {self.table}"
        last = _LOW
        while True:
            try:
                batch = self.c.execute(
                    f"{select} WHERE {self.key} > ? ORDER BY {self.key} LIMIT {_BATCH}", (last,)
                ).fetchall()
            except sqlite3.DatabaseError:
                batch = None
            if batch is not None:
                if not batch:
                    return
                yield from batch
                last = int(batch[-1][0])
                continue
            # Something in the next batch is damaged: go one row at a time.
            try:
                following = self._seek(last)
            except sqlite3.DatabaseError:
                skipped_to = self._skip(last)
                self.skipped += 1
                if skipped_to is None:
                    return
                # ``key > p`` positions at ``p`` first, so the row keyed ``p`` itself (the
                # first of the next sound page) is read by a lookup, not by the scan.
                last = skipped_to
                with suppress(sqlite3.DatabaseError):
                    first = self.c.execute(f"{select} WHERE {self.key} = ?", (last,)).fetchone()
                    if first is not None:
                        yield first
                continue
            if following is None:
                return
            try:
                row = self.c.execute(f"{select} WHERE {self.key} = ?", (following,)).fetchone()
            except sqlite3.DatabaseError:
                row = None  # the key is in a sound page; its payload (overflow) is not
                self.unreadable.add(following)
            if row is not None:
                yield row
            last = following


def _ids(c: sqlite3.Connection, query: str) -> tuple[set[int], bool]:
    """Integer ids a query names, read forwards and backwards up to any damage.

    The flag says whether the whole of it could be read (the ids are then all there).
    """
    found: set[int] = set()
    whole = False
    for order in ("ASC", "DESC"):
        try:
            for row in c.execute(query.format(order=order)):
                if isinstance(row[0], int):
                    found.add(row[0])
        except sqlite3.DatabaseError:
            continue
        whole = True
        break
    return found, whole


def _tables(c: sqlite3.Connection) -> set[str]:
    return {str(r[0]) for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# A test replaces this to stop a repair half-way, as a crash would.
_progress: Callable[[str, int], None] = lambda what, n: None  # noqa: E731


def _copy(
    source: sqlite3.Connection, target: sqlite3.Connection, report: RepairReport, path: Path
) -> None:
    """Copy every readable row of ``source`` into the empty library ``target``."""
    from reader.article import BLOCK_SEPARATOR, Article, Block
    from reader.library.ids import now

    tables = _tables(source)

    # Articles' own rows: source, dates, position (small; read them all first).
    rows_of = _Salvage(
        source,
        "articles",
        "id",
        "source, language, added, updated, opened, position",
    )
    articles: dict[int, tuple[Any, ...]] = {int(r[0]): r for r in rows_of.rows()}
    marks_of = _Salvage(
        source,
        "highlights",
        "id",
        'article_id, start, "end", quote, prefix, suffix, color, note, created, detached',
    )
    highlights = list(marks_of.rows())
    exports_of = _Salvage(source, "exports", "id", "article_id, file, settings, created")
    exports = list(exports_of.rows())

    # The ids that should be there: what the indexes (other pages) and references name.
    expected_articles = set(articles) | rows_of.unreadable
    articles_named = False
    for index, column in (
        ("articles_source", "source"),
        ("articles_hash", "content_hash"),
        ("articles_added", "added"),
    ):
        ids, whole = _ids(
            source, f"SELECT id FROM articles INDEXED BY {index} ORDER BY {column} {{order}}"
        )
        expected_articles |= ids
        articles_named = articles_named or whole
    expected_articles |= _ids(source, "SELECT article_id FROM article_bodies ORDER BY 1 {order}")[0]
    expected_articles |= {int(r[1]) for r in highlights if isinstance(r[1], int)}
    ids, highlights_named = _ids(
        source,
        "SELECT id FROM highlights INDEXED BY highlights_article "
        "ORDER BY article_id {order}, start {order}",
    )
    expected_highlights = {int(r[0]) for r in highlights} | marks_of.unreadable | ids
    ids, exports_named = _ids(
        source, "SELECT id FROM exports INDEXED BY exports_article ORDER BY article_id {order}"
    )
    expected_exports = {int(r[0]) for r in exports} | exports_of.unreadable | ids

    # Rows an index names but no query reached (a damaged interior page of a table hides
    # the sound leaves under it): read them straight from the file's table pages.
    wanted = {
        11: expected_highlights - {int(r[0]) for r in highlights},
        5: expected_exports - {int(r[0]) for r in exports},
        15: expected_articles - set(articles),
    }
    if any(wanted.values()):
        found = _from_pages(path, wanted)
        highlights += [(ident, *values[1:]) for ident, values in sorted(found[11].items())]
        exports += [(ident, *values[1:]) for ident, values in sorted(found[5].items())]
        for ident, v in found[15].items():
            articles[ident] = (ident, v[1], v[7], v[11], v[12], v[13], v[14])
        report.from_pages = sum(len(rows) for rows in found.values())

    texts: dict[int, str] = {}  # article id -> displayed text, for the highlights
    languages: dict[int, str | None] = {}
    target.execute("BEGIN")

    def store(ident: int, article: Article, body: str) -> bool:
        row = articles.get(ident)
        if row is None:
            src, added, updated, opened, position = None, now(), None, None, 0
        else:
            _, src, _, added, updated, opened, position = row
        text = article.text
        try:
            position = max(0, min(int(position or 0), len(text)))
        except (TypeError, ValueError):
            position = 0
        target.execute("SAVEPOINT article")
        try:
            target.execute(
                "INSERT INTO articles (id, source, url, title, site, authors, date, language, "
                "words, chars, content_hash, added, updated, opened, position) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    ident,
                    source_key(article, src if isinstance(src, str) else None),
                    *stored_columns(article),
                    article.content_hash,
                    added if isinstance(added, str) else now(),
                    updated if isinstance(updated, str) else None,
                    opened if isinstance(opened, str) else None,
                    position,
                ),
            )
            target.execute(
                "INSERT INTO article_bodies (article_id, article) VALUES (?, ?)", (ident, body)
            )
        except sqlite3.DatabaseError:
            target.execute("ROLLBACK TO article")
            target.execute("RELEASE article")
            return False
        target.execute("RELEASE article")
        texts[ident] = text
        languages[ident] = article.language
        _progress("article", ident)
        return True

    # The stored article models, streamed (the bulk of the file).
    bodies = _Salvage(source, "article_bodies", "article_id", "article")
    for ident, stored in bodies.rows():
        try:
            article = Article.from_dict(json.loads(stored))
        except (TypeError, ValueError, KeyError, AttributeError):
            continue  # garbage in a readable cell: try the search index's copy below
        if store(int(ident), article, stored_body(article)):
            report.articles += 1

    # Articles without a readable model: the search index keeps their title and text.
    missing = sorted(expected_articles - set(texts))
    if missing and "articles_fts_content" in tables:
        for ident in missing:
            try:
                found = source.execute(
                    "SELECT c0, c1 FROM articles_fts_content WHERE id = ?", (ident,)
                ).fetchone()
            except sqlite3.DatabaseError:
                continue
            if found is None or not isinstance(found[1], str) or not found[1]:
                continue
            title, text = found[0] if isinstance(found[0], str) else None, found[1]
            row = articles.get(ident)
            language = row[2] if row is not None and isinstance(row[2], str) else None
            article = _from_text(title, text, language, Article, Block, BLOCK_SEPARATOR)
            if article is None:
                continue
            if row is not None and isinstance(row[1], str):
                article = _with_source(article, row[1])
            if store(ident, article, stored_body(article)):
                report.articles += 1
                report.from_search_index += 1

    # Highlights: onto their article, else onto a stand-in holding their passages.
    by_article: dict[int, list[tuple[Any, ...]]] = {}
    for mark in highlights:
        if isinstance(mark[1], int):
            owner = _owner(mark, texts)
            by_article.setdefault(owner, []).append((mark[0], owner, *mark[2:]))
    for ident in sorted(set(by_article) - set(texts)):
        row = articles.get(ident)
        original = row[1] if row is not None and isinstance(row[1], str) else None
        stand_in = _stand_in(ident, original, by_article[ident], Article, Block)
        if stand_in is None:
            continue
        article, places = stand_in
        if store(ident, article, stored_body(article)):
            texts[ident] = article.text
            report.stand_ins.append((ident, source_key(article), len(places)))
            by_article[ident] = [
                (*m[:2], *places[m[0]], *m[4:10], 0) if m[0] in places else m
                for m in by_article[ident]
            ]
    saved_highlights: set[int] = set()
    for ident, marks in by_article.items():
        if ident not in texts:
            continue
        for mark in marks:
            if _store_highlight(target, mark, texts[ident]):
                saved_highlights.add(int(mark[0]))
                _progress("highlight", int(mark[0]))
    report.highlights = len(saved_highlights)

    saved_exports: set[int] = set()
    for ident, article_id, file, settings, created in exports:
        try:
            data = json.loads(settings) if isinstance(settings, str) else None
            if not isinstance(data, dict) or not isinstance(file, str):
                continue
            target.execute(
                "INSERT INTO exports (id, article_id, file, settings, created) VALUES (?,?,?,?,?)",
                (
                    ident,
                    article_id if article_id in texts else None,
                    file,
                    json.dumps(data, sort_keys=True, default=str),
                    created if isinstance(created, str) else now(),
                ),
            )
        except (sqlite3.DatabaseError, ValueError):
            continue
        saved_exports.add(int(ident))
    report.exports = len(saved_exports)
    target.execute("COMMIT")

    stood_in = {ident for ident, _, _ in report.stand_ins}
    lost = sorted((expected_articles - set(texts)) | stood_in)
    report.articles_lost = len(lost)
    for ident in lost:
        if ident not in stood_in:
            row = articles.get(ident)
            report.lost_articles.append((ident, row[1] if row is not None else None))
    # Saved with their text but not their own row: position and dates were reset.
    report.positions_lost = len(set(texts) - stood_in - set(articles))
    # A skipped range held at least one row. When no index could be read whole to name
    # the rows it held, the counts are lower bounds, and say so.
    report.highlights_lost = len(expected_highlights - saved_highlights)
    if not highlights_named:
        report.highlights_lost = max(report.highlights_lost, marks_of.skipped)
    report.exports_lost = len(expected_exports - saved_exports)
    if not exports_named:
        report.exports_lost = max(report.exports_lost, exports_of.skipped)
    if rows_of.skipped and not articles_named and not (expected_articles - set(articles)):
        report.articles_lost += rows_of.skipped  # rows nothing else named: at least one each
    report.uncertain = bool(
        (marks_of.skipped and not highlights_named)
        or (exports_of.skipped and not exports_named)
        or (rows_of.skipped and not articles_named)
    )


def _owner(mark: tuple[Any, ...], texts: dict[int, str]) -> int:
    """The article a salvaged highlight belongs to: the one it names, unless that text
    does not hold its quote where the highlight says, between its saved prefix and
    suffix, and exactly one other text does (a flipped bit in the article id would
    otherwise hang a note on another article)."""
    named, start, end, quote, prefix, suffix = mark[1:7]
    if not all(isinstance(x, int) for x in (start, end)) or not all(
        isinstance(x, str) and x for x in (quote, prefix, suffix)
    ):
        return int(named)

    def holds(text: str) -> bool:
        return (
            text[start:end] == quote
            and text[:start].endswith(prefix)
            and text[end:].startswith(suffix)
        )

    if named in texts and holds(texts[named]):
        return int(named)
    holders = [ident for ident, text in texts.items() if holds(text)]
    return holders[0] if len(holders) == 1 else int(named)


def _store_highlight(target: sqlite3.Connection, mark: tuple[Any, ...], text: str) -> bool:
    ident, article_id, start, end, quote, prefix, suffix, color, note, created, detached = mark
    if not isinstance(quote, str) or not isinstance(created, str):
        return False
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end:
        return False
    try:
        color = check_color(color) if isinstance(color, str) else None
    except ReaderError:
        color = None  # a damaged value: the highlight matters more than its color
    # Kept even when its passage is not where it says: flagged, as re-adding does.
    flag = 1 if detached or text[start:end] != quote else 0
    try:
        target.execute(
            'INSERT INTO highlights (id, article_id, start, "end", quote, prefix, suffix, '
            "color, note, created, detached) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                ident,
                article_id,
                start,
                end,
                quote,
                prefix if isinstance(prefix, str) else "",
                suffix if isinstance(suffix, str) else "",
                color,
                note if isinstance(note, str) else None,
                created,
                flag,
            ),
        )
    except sqlite3.DatabaseError:
        return False
    return True


def _from_text(
    title: str | None, text: str, language: str | None, article: Any, block: Any, sep: str
) -> Any:
    """An article whose displayed text is ``text`` (the search index's copy), or None."""
    if title and text.startswith(title + sep):
        made = article(
            blocks=tuple(block("paragraph", p) for p in text[len(title) + len(sep) :].split(sep)),
            title=title,
            language=language,
        )
    else:
        made = article(
            blocks=tuple(block("paragraph", p) for p in text.split(sep)),
            title=title,
            title_from_body=bool(title),
            language=language,
        )
    return made if made.text == text else None


def _with_source(article: Any, source: str) -> Any:
    from dataclasses import replace

    return replace(article, source=source)


def _stand_in(
    ident: int, source: str | None, marks: list[tuple[Any, ...]], article: Any, block: Any
) -> tuple[Any, dict[int, tuple[int, int]]] | None:
    """An article holding the highlighted passages of article ``ident``, and where each is.

    Kept under the article's own source when known, so that adding that source again
    replaces the stand-in and re-anchors the highlights in the real text.
    """
    ordered = sorted(marks, key=lambda m: (m[2] if isinstance(m[2], int) else 0, m[0]))
    quotes = [m for m in ordered if isinstance(m[4], str) and m[4].strip()]
    if not quotes:
        return None
    made = article(
        blocks=tuple(block("quote", m[4]) for m in quotes),
        title=f"Highlights saved from article {ident} (its text was lost)",
        source=source or f"{STAND_IN_PREFIX}{ident}",
    )
    places = {
        int(m[0]): (span.start, span.end)
        for m, span in zip(quotes, made.block_spans, strict=True)
        if made.text[span.start : span.end] == m[4]
    }
    return made, places


# -- reading pages directly ---------------------------------------------------------------


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's big-endian varint at ``at``: its value and where the next field starts."""
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    return (value << 8) | data[at + 8], at + 9


def _record(payload: bytes) -> list[Any]:
    """The values of one record (SQLite's record format); raises on anything malformed."""
    size, at = _varint(payload, 0)
    types = []
    while at < size:
        kind, at = _varint(payload, at)
        types.append(kind)
    values: list[Any] = []
    at = size
    widths = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}
    for kind in types:
        if kind == 0:
            values.append(None)
        elif kind in widths:
            width = widths[kind]
            chunk = payload[at : at + width]
            if len(chunk) != width:
                raise ValueError("record ends early")
            values.append(int.from_bytes(chunk, "big", signed=True))
            at += width
        elif kind == 7:
            import struct

            values.append(struct.unpack(">d", payload[at : at + 8])[0])
            at += 8
        elif kind in (8, 9):
            values.append(kind - 8)
        elif kind >= 12:
            length = (kind - 12) // 2
            chunk = payload[at : at + length]
            if len(chunk) != length:
                raise ValueError("record ends early")
            values.append(chunk.decode("utf-8") if kind % 2 else chunk)
            at += length
        else:
            raise ValueError(f"reserved serial type {kind}")
    return values


def _from_pages(path: Path, wanted: dict[int, set[int]]) -> dict[int, dict[int, list[Any]]]:
    """Rows with the wanted rowids found on any table leaf page of the file, by width.

    What SQLite's ``.recover`` does, narrowly: each page that is not on the freelist and
    is a table leaf is parsed by hand (:func:`_scan`), and a record is taken when its
    number of columns says which table it belongs to (11 highlights, 5 exports, 15
    articles: no other table of the library has those widths) and the indexes named its
    rowid as missing, so a deleted row left on an old page never comes back.
    """
    found: dict[int, dict[int, list[Any]]] = {width: {} for width in wanted}
    for rowid, values in _scan(path):
        width = len(values)
        if width in wanted and rowid in wanted[width] and values[0] is None:
            found[width].setdefault(rowid, values)
    return found


# Pages are read one at a time; a record is never assembled past this many bytes (a
# library's largest, an article model, is well under a megabyte).
_MAX_PAYLOAD = 64 << 20
_PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
_WAL_MAGIC = (0x377F0682, 0x377F0683)


class _Pages:
    """The pages of a database file (and of its write-ahead log, which holds newer
    copies of some), read by number; tolerant of a damaged or missing header."""

    def __init__(self, path: Path) -> None:
        self.handle = path.open("rb")
        header = self.handle.read(100)
        size = int.from_bytes(header[16:18], "big") if len(header) >= 18 else 0
        size = 65536 if size == 1 else size
        self.trusted = header.startswith(b"SQLite format 3\x00") and size in _PAGE_SIZES
        self.page_size = size if self.trusted else self._guess_size()
        self.usable = self.page_size - (header[20] if self.trusted and header[20] < 64 else 0)
        self.count = os.fstat(self.handle.fileno()).st_size // self.page_size
        self.wal: dict[int, int] = {}  # page number -> offset of its latest frame
        self.wal_handle: BinaryIO | None = None
        self.free: set[int] = self._freelist(header) if self.trusted else set()
        wal = Path(f"{path}-wal")
        if wal.is_file():
            self._read_wal(wal)

    def close(self) -> None:
        self.handle.close()
        if self.wal_handle is not None:
            self.wal_handle.close()

    def _guess_size(self) -> int:
        """The page size under which most pages start like a b-tree page (header lost)."""
        best, score = 4096, -1
        for size in _PAGE_SIZES:
            hits = 0
            for number in range(2, 258):
                self.handle.seek((number - 1) * size)
                head = self.handle.read(8)
                if len(head) < 8:
                    break
                cells = int.from_bytes(head[3:5], "big")
                if head[0] in (2, 5, 10, 13) and 0 < cells <= size // 4:
                    hits += 1
            if hits > score:
                best, score = size, hits
        return best

    def _freelist(self, header: bytes) -> set[int]:
        free: set[int] = set()
        trunk = int.from_bytes(header[32:36], "big")
        while 0 < trunk <= self.count and trunk not in free:
            free.add(trunk)
            data = self.read(trunk) or b""
            count = min(int.from_bytes(data[4:8], "big"), (self.usable - 8) // 4)
            free.update(int.from_bytes(data[8 + 4 * i : 12 + 4 * i], "big") for i in range(count))
            trunk = int.from_bytes(data[0:4], "big")
        return free

    def _read_wal(self, wal: Path) -> None:
        """Index the log's frames whose salt is the log header's (the current ones)."""
        handle = wal.open("rb")
        header = handle.read(32)
        if len(header) < 32 or int.from_bytes(header[0:4], "big") not in _WAL_MAGIC:
            handle.close()
            return
        if int.from_bytes(header[8:12], "big") != self.page_size:
            handle.close()
            return
        salt = header[16:24]
        frames = (os.fstat(handle.fileno()).st_size - 32) // (24 + self.page_size)
        for n in range(frames):
            offset = 32 + n * (24 + self.page_size)
            handle.seek(offset)
            head = handle.read(24)
            number = int.from_bytes(head[0:4], "big")
            if head[8:16] == salt and number > 0:
                self.wal[number] = offset + 24
                self.count = max(self.count, number)
        self.wal_handle = handle

    def read(self, number: int) -> bytes | None:
        if number in self.wal and self.wal_handle is not None:
            self.wal_handle.seek(self.wal[number])
            data = self.wal_handle.read(self.page_size)
        else:
            self.handle.seek((number - 1) * self.page_size)
            data = self.handle.read(self.page_size)
        return data if len(data) == self.page_size else None

    def payload(self, data: bytes, at: int, length: int) -> bytes | None:
        """A cell's payload from ``at`` on its page, following its overflow pages."""
        usable = self.usable
        most = usable - 35
        if length <= most:
            chunk = data[at : at + length]
            return chunk if len(chunk) == length and at + length <= usable else None
        if length > _MAX_PAYLOAD:
            return None
        least = ((usable - 12) * 32 // 255) - 23
        local = least + ((length - least) % (usable - 4))
        local = local if local <= most else least
        if at + local + 4 > usable:
            return None
        parts = [data[at : at + local]]
        remaining = length - local
        following = int.from_bytes(data[at + local : at + local + 4], "big")
        seen: set[int] = set()
        while remaining > 0:
            if not 0 < following <= self.count or following in seen:
                return None
            seen.add(following)
            page = self.read(following)
            if page is None:
                return None
            chunk = page[4 : 4 + min(remaining, usable - 4)]
            parts.append(chunk)
            remaining -= len(chunk)
            following = int.from_bytes(page[0:4], "big")
        return b"".join(parts)


def _scan(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """Every record on the table leaf pages of the file at ``path``: (rowid, values).

    Pages on the freelist are skipped when the header can be trusted to name it; a
    page, a cell or a record that does not parse is skipped.
    """
    pages = _Pages(path)
    try:
        for number in range(1, pages.count + 1):
            if number in pages.free:
                continue
            data = pages.read(number)
            start = 100 if number == 1 else 0
            if data is None or data[start] != 0x0D:
                continue
            cells = min(int.from_bytes(data[start + 3 : start + 5], "big"), pages.usable // 4)
            for i in range(cells):
                with suppress(IndexError, ValueError, UnicodeDecodeError):
                    at = int.from_bytes(data[start + 8 + 2 * i : start + 10 + 2 * i], "big")
                    if not start + 8 <= at < pages.usable:
                        continue
                    length, at = _varint(data, at)
                    rowid, at = _varint(data, at)
                    payload = pages.payload(data, at, length)
                    if payload is None:
                        continue
                    yield (rowid if rowid < 2**63 else rowid - 2**64), _record(payload)
    finally:
        pages.close()


# -- salvage from a file SQLite cannot open -------------------------------------------------


def salvage(broken: Path, path: Path) -> RepairReport | None:
    """Read back what the file ``broken`` holds into a new library at ``path``.

    For a file SQLite cannot open at all (a damaged first page, a file cut short, bytes
    flipped in the schema), which :meth:`Library.open` has moved aside: every record on
    its table leaf pages is read by hand (:func:`_scan`), sorted into the library's
    tables by its shape, written into a staging library, and copied from there as
    :func:`repair` copies a damaged library (articles from their model or the search
    index's text, highlights onto them or onto stand-ins). The new library is written
    under a temporary name and linked into place only if ``path`` is still free.
    Returns ``None`` when nothing could be read (or another process made a library
    at ``path`` meanwhile). When the file's header is lost, pages freed by deletions
    cannot be told apart, so a deleted article may come back.
    """
    if not broken.is_file():
        return None
    staging = path.with_name(f".{path.name}.salvage-{os.getpid()}.staging")
    tmp = path.with_name(f".{path.name}.salvage-{os.getpid()}.tmp")
    _remove(staging)
    _remove(tmp)
    try:
        with _closing(_new_database(staging)) as c:
            unverified = _stage(c, broken)
        if unverified is None:
            return None
        report = RepairReport(path, "repaired")
        with _closing(_open_ro(staging)) as source, _closing(_new_database(tmp)) as target:
            _copy(source, target, report, staging)
            if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                return None
        # What the file held before the damage is unknown: what is lost is a lower bound.
        report.uncertain = True
        report.unverified = unverified
        if not report.articles and not report.highlights and not report.stand_ins:
            return None
        try:
            os.link(tmp, path)  # only if no library appeared there meanwhile
        except FileExistsError:
            return None
        except OSError:  # a file system without hard links: check, then rename
            if path.exists():
                return None
            os.replace(tmp, path)
        return report
    finally:
        _remove(staging)
        _remove(tmp)


def _stage(c: sqlite3.Connection, broken: Path) -> int | None:
    """The records of ``broken`` into the empty library ``c``, by shape.

    Returns how many article texts could not be checked against their hash, or
    ``None`` when nothing at all was found.
    """
    from reader.article import Article

    articles: dict[int, list[Any]] = {}
    bodies: dict[int, list[str]] = {}
    texts: dict[int, tuple[Any, str]] = {}
    marks: dict[int, list[Any]] = {}
    exports: dict[int, list[Any]] = {}
    for rowid, v in _scan(broken):
        if not v or v[0] is not None:
            continue  # every table of the library keys its rows by an INTEGER PRIMARY KEY
        width = len(v)
        if width == 15 and isinstance(v[1], str) and isinstance(v[10], str):
            articles.setdefault(rowid, v)
        elif width == 2 and isinstance(v[1], str) and v[1].startswith("{"):
            bodies.setdefault(rowid, []).append(v[1])
        elif width == 3 and isinstance(v[2], str) and (v[1] is None or isinstance(v[1], str)):
            texts.setdefault(rowid, (v[1], v[2]))
        elif width == 11 and all(isinstance(x, int) for x in v[1:4]) and isinstance(v[4], str):
            marks.setdefault(rowid, v)
        elif width == 5 and isinstance(v[2], str) and isinstance(v[3], str):
            exports.setdefault(rowid, v)
    c.execute("PRAGMA foreign_keys = OFF")  # highlights may outlive their article's row
    c.execute("BEGIN")
    for rowid, v in articles.items():
        with suppress(sqlite3.DatabaseError):
            c.execute(
                "INSERT INTO articles (id, source, url, title, site, authors, date, language, "
                "words, chars, content_hash, added, updated, opened, position) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (rowid, *v[1:]),
            )
    unverified = 0
    for rowid, candidates in bodies.items():
        # The article's row keeps the hash of its text: of the copies found (an old one
        # on a freed page may sit beside the current one, and a flipped byte inside a
        # text still parses), the one with that hash is the text as it was; failing
        # that, the search index's copy when it has that hash; else the first that
        # parses, counted as unverified.
        row = articles.get(rowid, [None] * 15)
        wanted = row[10]
        chosen, verified = None, False
        for body in candidates:
            try:
                made = Article.from_dict(json.loads(body))
            except (TypeError, ValueError, KeyError, AttributeError):
                continue
            if made.content_hash == wanted:
                chosen, verified = body, True
                break
            chosen = chosen or body
        if not verified and rowid in texts:
            language = row[7] if isinstance(row[7], str) else ""
            digest = hashlib.sha256(language.encode() + b"\0" + texts[rowid][1].encode())
            if digest.hexdigest() == wanted:
                continue  # rebuilt from the search index's copy by _copy
        if chosen is not None:
            unverified += not verified
            with suppress(sqlite3.DatabaseError):
                c.execute(
                    "INSERT INTO article_bodies (article_id, article) VALUES (?, ?)",
                    (rowid, chosen),
                )
    for rowid, (title, text) in texts.items():
        if c.execute("SELECT 1 FROM articles_fts WHERE rowid = ?", (rowid,)).fetchone() is None:
            with suppress(sqlite3.DatabaseError):
                c.execute(
                    "INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
                    (rowid, title, text),
                )
    for rowid, v in marks.items():
        with suppress(sqlite3.DatabaseError):
            c.execute(
                'INSERT INTO highlights (id, article_id, start, "end", quote, prefix, suffix, '
                "color, note, created, detached) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (rowid, *v[1:]),
            )
    for rowid, v in exports.items():
        with suppress(sqlite3.DatabaseError):
            c.execute(
                "INSERT INTO exports (id, article_id, file, settings, created) VALUES (?,?,?,?,?)",
                (rowid, *v[1:]),
            )
    c.execute("COMMIT")
    if not (articles or bodies or texts or marks or exports):
        return None
    return unverified


# -- files ------------------------------------------------------------------------------


class _closing:
    """``contextlib.closing`` for connections, tolerating a second close."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _open_ro(path: Path) -> sqlite3.Connection:
    """A read-only connection: a damaged file is never written, not even checkpointed."""
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT
    )
    # Check each cell's size as it is read: damage shows as an error, not as garbage.
    connection.execute("PRAGMA cell_size_check = ON")
    return connection


def _new_database(path: Path) -> sqlite3.Connection:
    """An empty library at ``path`` in rollback-journal mode (one file, safe to rename).

    The first ordinary open switches it to WAL, as it does any new library.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA synchronous = FULL")
    schema.migrate(connection)
    return connection


def _new_library(path: Path) -> None:
    from reader.library import Library

    Library.open(path).close()


def _remove(path: Path) -> None:
    for tail in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{tail}").unlink(missing_ok=True)
