"""The copy at the heart of a repair: every readable row of a damaged library into a new one.

**Why row by row.** A damaged page makes SQLite raise ``database disk image is
malformed`` for any query whose cursor touches it, so one plain ``SELECT *`` loses a
whole table to one bad page. SQLite's own recovery (the ``.recover`` command of the
``sqlite3`` shell, built on the ``sqlite3_recover`` C API) is not reachable from
Python's :mod:`sqlite3` module, nor is ``sqlite_dbpage`` in the usual builds. So
:class:`reader.library.reading.TableRows` walks each table by rowid the way a seek does:
batches of ``rowid > last``; when a batch fails, one row at a time; when even the seek
to the next row fails, it probes ever further rowids (then bisects back) for the first
seek that succeeds, skipping exactly the key range whose page is damaged. Every row on
an undamaged page is read; a damaged leaf costs only its own rows. A damaged interior
page hides sound leaves from every query: rows the indexes name but no query reached are
then read from the file's table pages by hand (:func:`reader.library.reading.from_pages`).

**What is saved, from where** (:func:`copy`, one step per table). Articles: the stored
model (``article_bodies``), else the text kept by the search index
(``articles_fts_content``: the same displayed text, so highlight offsets still hold;
paragraphs are kept, headings and lists become paragraphs), with source, dates and
listening position from ``articles``. Highlights, export records, the feeds followed
and the library's own values (``meta``: the last visit) as they are. The items taken
from feeds are kept with their article; an item whose article was lost is forgotten
(and its feed's validators cleared), so that the next sync takes it again
(:mod:`reader.library.feeds.rescue`). A
highlight whose article's text is lost everywhere is kept in a *stand-in* article under
the same source, holding the highlighted passages: ``reader add SOURCE`` later brings
the real text back and re-anchors them (:meth:`Library.add` replacing an article).
Same-story sketches and the search index are derived and made again. What is lost is
counted from the ids the indexes (separate pages) and the other tables still name.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reader.errors import ReaderError
from reader.library.feeds.rescue import FeedRows, copy_feeds, copy_meta
from reader.library.ids import STAND_IN_PREFIX, now, stored_source
from reader.library.reading import (
    TableRows,
    from_pages,
    indexed_values,
    named_ids,
    small_table,
    table_names,
)
from reader.library.records import RepairReport
from reader.library.rows import check_color, insert_row, stored_body, stored_columns
from reader.text.article import BLOCK_SEPARATOR, Article, Block

__all__ = ["RepairReport", "copy"]


# -- the salvage ------------------------------------------------------------------------


def copy(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    report: RepairReport,
    path: Path,
    progress: Callable[[str, int], None] = lambda what, n: None,
) -> None:
    """Copy every readable row of ``source`` (the file at ``path``) into the empty
    library ``target``, one step per table; ``report`` says what was saved and lost.

    ``progress`` hears of each article and highlight written (a test stops there).
    """
    run = _Copy(source, target, report, progress)
    run.find_hidden_rows(path)
    target.execute("BEGIN")
    run.articles_from_bodies()
    run.articles_from_search_index()
    run.highlights()
    run.exports()
    copy_feeds(
        run.feed_rows,
        target,
        set(run.texts),
        {ident for ident, _, _ in report.stand_ins},
        report,
    )
    copy_meta(source, target, run.tables)
    stand_ins = {ident for ident, _, _ in report.stand_ins}
    copy_listening(source, target, run.tables, set(run.texts) - stand_ins)
    target.execute("COMMIT")
    run.count_losses()


# The listening state (schema version 8): what was heard to the end, and the queue.
_LISTENING = (("listened", "article_id, at", str), ("queue", "article_id, rank", int))


def copy_listening(
    source: sqlite3.Connection, target: sqlite3.Connection, tables: set[str], kept: set[int]
) -> None:
    """The listened marks and the queue of the articles ``kept`` with their text (not a
    stand-in, which has only highlights to show); a damaged read is let go."""
    for table, columns, kind in _LISTENING:
        for ident, value in small_table(source, tables, table, columns):
            if isinstance(ident, int) and ident in kept and isinstance(value, kind):
                target.execute(
                    f"INSERT OR IGNORE INTO {table} ({columns}) VALUES (?, ?)", (ident, value)
                )


class _Copy:
    """One copy's state: the rows read from ``source`` and what went into ``target``."""

    def __init__(
        self,
        source: sqlite3.Connection,
        target: sqlite3.Connection,
        report: RepairReport,
        progress: Callable[[str, int], None],
    ) -> None:
        self.source = source
        self.target = target
        self.report = report
        self.progress = progress
        self.texts: dict[int, str] = {}  # article id -> displayed text, for the highlights
        self.saved_highlights: set[int] = set()
        self.saved_exports: set[int] = set()
        self.tables = table_names(source)
        self._read_article_rows()
        self._read_highlight_rows()
        self._read_export_rows()
        self.feed_rows = FeedRows.read(source, self.tables)

    # -- reading: each table's rows, and the ids that should be there ------------------
    # What the indexes (other pages) and references name.

    def _read_article_rows(self) -> None:
        """Articles' own rows: source, dates, position (small; read them all first)."""
        self.rows_of = TableRows(
            self.source, "articles", "id", "source, language, added, updated, opened, position"
        )
        self.articles: dict[int, tuple[Any, ...]] = {int(r[0]): r for r in self.rows_of.rows()}
        self.expected_articles = set(self.articles) | self.rows_of.unreadable
        # The indexes keep the source and the date added of rows whose page is lost.
        self.indexed: dict[str, dict[int, Any]] = {}
        self.articles_named = False
        for index, column in (
            ("articles_source", "source"),
            ("articles_hash", "content_hash"),
            ("articles_added", "added"),
        ):
            self.indexed[column], whole = indexed_values(
                self.source,
                f"SELECT id, {column} FROM articles INDEXED BY {index} ORDER BY {column} {{order}}",
            )
            self.expected_articles |= set(self.indexed[column])
            self.articles_named = self.articles_named or whole
        self.expected_articles |= named_ids(
            self.source, "SELECT article_id FROM article_bodies ORDER BY 1 {order}"
        )[0]

    def _read_highlight_rows(self) -> None:
        self.marks_of = TableRows(
            self.source,
            "highlights",
            "id",
            'article_id, start, "end", quote, prefix, suffix, color, note, created, detached',
        )
        self.marks: list[tuple[Any, ...]] = list(self.marks_of.rows())
        self.expected_articles |= {int(r[1]) for r in self.marks if isinstance(r[1], int)}
        ids, self.highlights_named = named_ids(
            self.source,
            "SELECT id FROM highlights INDEXED BY highlights_article "
            "ORDER BY article_id {order}, start {order}",
        )
        self.expected_highlights = {int(r[0]) for r in self.marks} | self.marks_of.unreadable | ids

    def _read_export_rows(self) -> None:
        self.exports_of = TableRows(
            self.source, "exports", "id", "article_id, file, settings, created"
        )
        self.export_rows: list[tuple[Any, ...]] = list(self.exports_of.rows())
        ids, self.exports_named = named_ids(
            self.source,
            "SELECT id FROM exports INDEXED BY exports_article ORDER BY article_id {order}",
        )
        self.expected_exports = (
            {int(r[0]) for r in self.export_rows} | self.exports_of.unreadable | ids
        )

    def find_hidden_rows(self, path: Path) -> None:
        """Rows an index names but no query reached (a damaged interior page of a table
        hides the sound leaves under it): read them straight from the file's table pages."""
        wanted = {
            11: self.expected_highlights - {int(r[0]) for r in self.marks},
            5: self.expected_exports - {int(r[0]) for r in self.export_rows},
            15: self.expected_articles - set(self.articles),
            **self.feed_rows.hidden(),
        }
        if not any(wanted.values()):
            return
        found = from_pages(path, wanted)
        self.marks += [(ident, *values[1:]) for ident, values in sorted(found[11].items())]
        self.export_rows += [(ident, *values[1:]) for ident, values in sorted(found[5].items())]
        self.feed_rows.add_hidden(found)
        for ident, v in found[15].items():
            self.articles[ident] = (ident, v[1], v[7], v[11], v[12], v[13], v[14])
        self.report.from_pages = sum(len(rows) for rows in found.values())

    # -- writing: one step per table ----------------------------------------------------

    def _store(self, ident: int, article: Article) -> bool:
        """Write one article with its own row's source, dates and position (if read)."""
        row = self.articles.get(ident)
        if row is None:  # the row's page is lost: its source and date from the indexes
            src, added = self.indexed["source"].get(ident), self.indexed["added"].get(ident)
            updated, opened, position = None, None, 0
            self.report.dates_lost += not isinstance(added, str)
        else:
            _, src, _, added, updated, opened, position = row
        text = article.text
        try:
            position = max(0, min(int(position or 0), len(text)))
        except (TypeError, ValueError):
            position = 0
        target = self.target
        target.execute("SAVEPOINT article")
        try:
            target.execute(
                insert_row("articles"),
                (
                    ident,
                    src if isinstance(src, str) else stored_source(article),
                    *stored_columns(article),
                    article.content_hash,
                    added if isinstance(added, str) else now(),
                    updated if isinstance(updated, str) else None,
                    opened if isinstance(opened, str) else None,
                    position,
                ),
            )
            target.execute(
                "INSERT INTO article_bodies (article_id, article) VALUES (?, ?)",
                (ident, stored_body(article)),
            )
        except sqlite3.DatabaseError:
            target.execute("ROLLBACK TO article")
            target.execute("RELEASE article")
            return False
        target.execute("RELEASE article")
        self.texts[ident] = text
        self.progress("article", ident)
        return True

    def articles_from_bodies(self) -> None:
        """The stored article models, streamed (the bulk of the file)."""
        bodies = TableRows(self.source, "article_bodies", "article_id", "article")
        for ident, stored in bodies.rows():
            try:
                article = Article.from_dict(json.loads(stored))
            except (TypeError, ValueError, KeyError, AttributeError):
                continue  # garbage in a readable cell: try the search index's copy below
            if self._store(int(ident), article):
                self.report.articles += 1

    def articles_from_search_index(self) -> None:
        """Articles without a readable model: the search index keeps their title and text."""
        missing = sorted(self.expected_articles - set(self.texts))
        if not missing or "articles_fts_content" not in self.tables:
            return
        for ident in missing:
            try:
                found = self.source.execute(
                    "SELECT c0, c1 FROM articles_fts_content WHERE id = ?", (ident,)
                ).fetchone()
            except sqlite3.DatabaseError:
                continue
            if found is None or not isinstance(found[1], str) or not found[1]:
                continue
            title, text = found[0] if isinstance(found[0], str) else None, found[1]
            row = self.articles.get(ident)
            language = row[2] if row is not None and isinstance(row[2], str) else None
            article = _from_text(title, text, language, Article, Block, BLOCK_SEPARATOR)
            if article is None:
                continue
            if row is not None and isinstance(row[1], str):
                article = _with_source(article, row[1])
            if self._store(ident, article):
                self.report.articles += 1
                self.report.from_search_index += 1

    def highlights(self) -> None:
        """Highlights: onto their article, else onto a stand-in holding their passages."""
        by_article: dict[int, list[tuple[Any, ...]]] = {}
        for mark in self.marks:
            if isinstance(mark[1], int):
                owner = _owner(mark, self.texts)
                by_article.setdefault(owner, []).append((mark[0], owner, *mark[2:]))
        self._stand_ins(by_article)
        for ident, marks in by_article.items():
            if ident not in self.texts:
                continue
            for mark in marks:
                if _store_highlight(self.target, mark, self.texts[ident]):
                    self.saved_highlights.add(int(mark[0]))
                    self.progress("highlight", int(mark[0]))
        self.report.highlights = len(self.saved_highlights)

    def _stand_ins(self, by_article: dict[int, list[tuple[Any, ...]]]) -> None:
        """A stand-in article for each article with highlights but no text saved; its
        highlights in ``by_article`` are moved onto their passages in it."""
        for ident in sorted(set(by_article) - set(self.texts)):
            row = self.articles.get(ident)
            original = row[1] if row is not None else self.indexed["source"].get(ident)
            original = original if isinstance(original, str) else None
            stand_in = _stand_in(ident, original, by_article[ident], Article, Block)
            if stand_in is None:
                continue
            article, places = stand_in
            if self._store(ident, article):
                self.texts[ident] = article.text
                self.report.stand_ins.append((ident, stored_source(article), len(places)))
                by_article[ident] = [
                    (*m[:2], *places[m[0]], *m[4:10], 0) if m[0] in places else m
                    for m in by_article[ident]
                ]

    def exports(self) -> None:
        """Export records, unlinked from an article whose text was not saved."""
        for ident, article_id, file, settings, created in self.export_rows:
            try:
                data = json.loads(settings) if isinstance(settings, str) else None
                if not isinstance(data, dict) or not isinstance(file, str):
                    continue
                self.target.execute(
                    insert_row("exports"),
                    (
                        ident,
                        article_id if article_id in self.texts else None,
                        file,
                        json.dumps(data, sort_keys=True, default=str),
                        created if isinstance(created, str) else now(),
                    ),
                )
            except (sqlite3.DatabaseError, ValueError):
                continue
            self.saved_exports.add(int(ident))
        self.report.exports = len(self.saved_exports)

    # -- what was lost -------------------------------------------------------------------

    def count_losses(self) -> None:
        report, articles = self.report, self.articles
        stood_in = {ident for ident, _, _ in report.stand_ins}
        lost = sorted((self.expected_articles - set(self.texts)) | stood_in)
        report.articles_lost = len(lost)
        for ident in lost:
            if ident not in stood_in:
                row = articles.get(ident)
                known = row[1] if row is not None else self.indexed["source"].get(ident)
                report.lost_articles.append((ident, known if isinstance(known, str) else None))
        # Saved with their text but not their own row: position and dates were reset.
        report.positions_lost = len(set(self.texts) - stood_in - set(articles))
        # A skipped range held at least one row. When no index could be read whole to name
        # the rows it held, the counts are lower bounds, and say so.
        report.highlights_lost = len(self.expected_highlights - self.saved_highlights)
        if not self.highlights_named:
            report.highlights_lost = max(report.highlights_lost, self.marks_of.skipped)
        report.exports_lost = len(self.expected_exports - self.saved_exports)
        if not self.exports_named:
            report.exports_lost = max(report.exports_lost, self.exports_of.skipped)
        rows_of, articles_named = self.rows_of, self.articles_named
        if rows_of.skipped and not articles_named and not (self.expected_articles - set(articles)):
            report.articles_lost += rows_of.skipped  # rows nothing else named: at least one each
        report.uncertain = bool(
            (self.marks_of.skipped and not self.highlights_named)
            or (self.exports_of.skipped and not self.exports_named)
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
            insert_row("highlights"),
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
