"""Checking a library file for damage, and saving what is readable from a damaged one.

``reader library check`` runs SQLite's ``PRAGMA integrity_check`` and
``foreign_key_check``; ``reader library repair`` copies every readable row into a new
library file and puts it in place of the damaged one, which is kept under the dated
name :func:`reader.library.store.move_aside` uses.

The copy itself, table by table, and why it reads row by row, is
:mod:`reader.library.rescue`; reading a file's pages by hand, for a file SQLite cannot
open at all (:func:`salvage`) or rows no query reaches, is :mod:`reader.library.reading`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reader.errors import ReaderError
from reader.library import schema
from reader.library.reading import scan
from reader.library.records import Recovery, RepairReport
from reader.library.rescue import copy
from reader.library.rows import insert_row
from reader.library.store import (
    BUSY_TIMEOUT,
    FOREIGN,
    NOT_SQLITE,
    LibraryError,
    inspect_file,
    move_aside,
)

__all__ = ["CheckResult", "RepairReport", "check", "recover", "repair", "salvage"]

# A test replaces this to stop a repair half-way, as a crash would.
_progress: Callable[[str, int], None] = lambda what, n: None  # noqa: E731


# -- check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """What ``PRAGMA integrity_check`` and ``foreign_key_check`` said about a file."""

    path: Path
    status: Literal["ok", "missing", "damaged", "foreign"]
    problems: tuple[str, ...] = ()
    articles: int = 0
    highlights: int = 0

    def message(self) -> str:
        if self.status == "missing":
            return f"{self.path}: no library yet, nothing to check (adding an article makes one)"
        if self.status == "foreign":  # random bytes, another program's database
            return (
                f"{self.path}: not a reader library ({self.problems[0]}); `reader library "
                "repair` moves it aside (kept as it is) and starts a new library"
            )
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
    if problem in (NOT_SQLITE, FOREIGN):
        return CheckResult(path, "foreign", (str(problem),))
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


def _copy(
    source: sqlite3.Connection, target: sqlite3.Connection, report: RepairReport, path: Path
) -> None:
    """:func:`reader.library.rescue.copy`, telling :data:`_progress` as it goes."""
    copy(source, target, report, path, lambda what, n: _progress(what, n))


# -- salvage from a file SQLite cannot open -------------------------------------------------


def recover(recovery: Recovery) -> Recovery:
    """Read back what the file just moved aside holds into a new library in its place
    (what :class:`~reader.library.Library` gives its store to recover with).

    Not for another program's database (nothing of ours is in it). A salvage that fails
    leaves the moved file as it is, and the library starts empty as before.
    """
    from dataclasses import replace

    if recovery.reason == FOREIGN:
        return recovery
    try:
        report = salvage(recovery.moved_to, recovery.path)
    except (OSError, sqlite3.DatabaseError, ReaderError):
        return recovery
    return replace(recovery, salvaged=report) if report is not None else recovery


def salvage(broken: Path, path: Path) -> RepairReport | None:
    """Read back what the file ``broken`` holds into a new library at ``path``.

    For a file SQLite cannot open at all (a damaged first page, a file cut short, bytes
    flipped in the schema), which :meth:`Library.open` has moved aside: every record on
    its table leaf pages is read by hand (:func:`reader.library.reading.scan`), sorted into
    the library's tables by its shape, written into a staging library, and copied from there as
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
        if not (report.articles or report.highlights or report.stand_ins or report.feeds):
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


@dataclass
class _Found:
    """The records of a file read by hand, sorted into the library's tables by shape."""

    articles: dict[int, list[Any]] = field(default_factory=dict)
    bodies: dict[int, list[str]] = field(default_factory=dict)
    texts: dict[int, tuple[Any, str]] = field(default_factory=dict)
    marks: dict[int, list[Any]] = field(default_factory=dict)
    exports: dict[int, list[Any]] = field(default_factory=dict)
    feeds: dict[int, list[Any]] = field(default_factory=dict)
    items: dict[int, list[Any]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (
            self.articles or self.bodies or self.texts or self.marks or self.exports or self.feeds
        )


def _sort(broken: Path) -> _Found:
    """Every record on the table pages of ``broken``, by the table its shape says."""
    found = _Found()
    for rowid, v in scan(broken):
        if not v or v[0] is not None:
            continue  # every table of the library keys its rows by an INTEGER PRIMARY KEY
        width = len(v)
        if width == 15 and isinstance(v[1], str) and isinstance(v[10], str):
            found.articles.setdefault(rowid, v)
        elif width == 2 and isinstance(v[1], str) and v[1].startswith("{"):
            found.bodies.setdefault(rowid, []).append(v[1])
        elif width == 3 and isinstance(v[2], str) and (v[1] is None or isinstance(v[1], str)):
            found.texts.setdefault(rowid, (v[1], v[2]))
        elif width == 11 and all(isinstance(x, int) for x in v[1:4]) and isinstance(v[4], str):
            found.marks.setdefault(rowid, v)
        elif width == 5 and isinstance(v[2], str) and isinstance(v[3], str):
            found.exports.setdefault(rowid, v)
        elif width == 12 and isinstance(v[1], str) and isinstance(v[11], str):
            found.feeds.setdefault(rowid, v)
        elif width == 8 and isinstance(v[1], int) and all(isinstance(v[i], str) for i in (2, 5, 7)):
            found.items.setdefault(rowid, v)
    return found


def _stage(c: sqlite3.Connection, broken: Path) -> int | None:
    """The records of ``broken`` into the empty library ``c``, by shape.

    Returns how many article texts could not be checked against their hash, or
    ``None`` when nothing at all was found.
    """
    found = _sort(broken)
    c.execute("PRAGMA foreign_keys = OFF")  # highlights may outlive their article's row
    c.execute("BEGIN")
    _restore(c, "articles", found.articles)
    unverified = _stage_bodies(c, found)
    for rowid, (title, text) in found.texts.items():
        if c.execute("SELECT 1 FROM articles_fts WHERE rowid = ?", (rowid,)).fetchone() is None:
            with suppress(sqlite3.DatabaseError):
                c.execute(
                    "INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
                    (rowid, title, text),
                )
    _restore(c, "highlights", found.marks)
    _restore(c, "exports", found.exports)
    _restore(c, "feeds", found.feeds)
    _restore(c, "feed_items", found.items)
    c.execute("COMMIT")
    return None if found.empty() else unverified


# The columns of each table's salvaged rows, the row id first (the order _sort keeps them in).


def _restore(c: sqlite3.Connection, table: str, rows: dict[int, list[Any]]) -> None:
    """Insert ``rows`` (row id: the salvaged values, their own id first) into ``table``;
    a row the new file refuses is left out, the others go in."""
    insert = insert_row(table)
    for rowid, values in rows.items():
        with suppress(sqlite3.DatabaseError):
            c.execute(insert, (rowid, *values[1:]))


def _stage_bodies(c: sqlite3.Connection, found: _Found) -> int:
    """Each article's stored model, of the copies found; how many are unverified."""
    from reader.text.article import Article

    unverified = 0
    for rowid, candidates in found.bodies.items():
        # The article's row keeps the hash of its text: of the copies found (an old one
        # on a freed page may sit beside the current one, and a flipped byte inside a
        # text still parses), the one with that hash is the text as it was; failing
        # that, the search index's copy when it has that hash; else the first that
        # parses, counted as unverified.
        row = found.articles.get(rowid, [None] * 15)
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
        if not verified and rowid in found.texts:
            language = row[7] if isinstance(row[7], str) else ""
            digest = hashlib.sha256(language.encode() + b"\0" + found.texts[rowid][1].encode())
            if digest.hexdigest() == wanted:
                continue  # rebuilt from the search index's copy by _copy
        if chosen is not None:
            unverified += not verified
            with suppress(sqlite3.DatabaseError):
                c.execute(
                    "INSERT INTO article_bodies (article_id, article) VALUES (?, ?)",
                    (rowid, chosen),
                )
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
    from reader.library.store import Store

    Store(path).close()


def _remove(path: Path) -> None:
    for tail in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{tail}").unlink(missing_ok=True)
