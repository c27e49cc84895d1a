"""The whole library as one JSON file, and back (``reader library export|import``).

The file is a lossless copy: every article (its stored model, source, times and
listening position), highlight (offsets, quote and context, color, note, detached
flag, creation time) and export record, with their ids, and every feed followed with
the items taken from it (their GUIDs and links, so that a sync after an import adds
nothing twice, and the article each became). Importing it into an empty library and
exporting again gives the same file byte for byte.

Importing into a library that already holds articles merges: an article with the
same source and the same text is the same article (its highlights are merged,
skipping ones already there); any other keeps its id when that id is free and gets
a new one otherwise, its highlights following it. A feed the library follows already
(the same address) keeps its own state and gains the items it did not know; another
keeps its id when free. Items follow their articles' ids.

Format (``"format": "reader-library"``, ``"version": 2``; version 1, without
``feeds``, is read too)::

    {"format": "reader-library", "version": 2,
     "articles": [{"id", "source", "added", "updated", "opened", "position",
                   "article": {...Article.to_dict()...},
                   "highlights": [{"id", "start", "end", "text", "prefix", "suffix",
                                   "color", "note", "created", "detached"}]}],
     "exports": [{"id", "article_id", "file", "settings", "created"}],
     "feeds": [{"id", "url", "title", "site", "kind", "etag", "last_modified",
                "failures", "last_error", "last_ok", "last_checked", "added",
                "items": [{"guid", "url", "article_id", "status", "export_to",
                           "added"}]}]}
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from reader.errors import InputError
from reader.files import write_atomic
from reader.library.feeds.transfer import Feed, dump_feeds, import_feeds, read_feeds
from reader.library.jsondoc import Doc, Invalid, check_strings, checked_string, optional_line
from reader.text.sanitize import one_line, safe_text

if TYPE_CHECKING:
    from reader.library.records import ImportResult
    from reader.library.store import Store
    from reader.text.article import Article

FORMAT = "reader-library"
VERSION = 2
READS = (1, 2)  # versions import understands (1: before feeds)


def dump(library: Store) -> dict[str, Any]:
    """The library as JSON data (ordered by id, so equal libraries give equal files)."""

    def work(c: Any) -> dict[str, Any]:
        marks: dict[int, list[dict[str, Any]]] = {}
        for row in c.execute(
            'SELECT id, article_id, start, "end", quote, prefix, suffix, color, note, '
            "created, detached FROM highlights ORDER BY article_id, id"
        ):
            marks.setdefault(row[1], []).append(
                {
                    "id": row[0],
                    "start": row[2],
                    "end": row[3],
                    "text": row[4],
                    "prefix": row[5],
                    "suffix": row[6],
                    "color": row[7],
                    "note": row[8],
                    "created": row[9],
                    "detached": bool(row[10]),
                }
            )
        articles = []
        for row in c.execute(
            "SELECT a.id, a.source, a.added, a.updated, a.opened, a.position, b.article "
            "FROM articles a JOIN article_bodies b ON b.article_id = a.id ORDER BY a.id"
        ):
            articles.append(
                {
                    "id": row[0],
                    "source": row[1],
                    "added": row[2],
                    "updated": row[3],
                    "opened": row[4],
                    "position": row[5],
                    "article": json.loads(row[6]),
                    "highlights": marks.get(row[0], []),
                }
            )
        exports = [
            {
                "id": row[0],
                "article_id": row[1],
                "file": row[2],
                "settings": json.loads(row[3]),
                "created": row[4],
            }
            for row in c.execute(
                "SELECT id, article_id, file, settings, created FROM exports ORDER BY id"
            )
        ]
        return {
            "format": FORMAT,
            "version": VERSION,
            "articles": articles,
            "exports": exports,
            "feeds": dump_feeds(c),
        }

    # One read transaction: a consistent snapshot even while another process writes.
    def snapshot(c: Any) -> dict[str, Any]:
        c.execute("BEGIN")
        try:
            return work(c)
        finally:
            c.execute("COMMIT")

    return library._read(snapshot)


def export_json(library: Store, path: Path) -> int:
    data = dump(library)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    target = path.expanduser()
    if target.is_dir():
        raise InputError(str(path), "is a folder; give a file name ending in .json")
    try:
        write_atomic(target, text.encode("utf-8"))
    except OSError as error:
        raise InputError(str(path), f"cannot be written ({error.strerror})") from None
    return len(data["articles"])


# -- import: read, check everything, then write ------------------------------------------

# An export holds every article's text twice (model and text); a library of 10,000
# long articles is about 1 GB. Anything larger is refused before it is read.
MAX_IMPORT_BYTES = 1 << 30
# An ISO 639 code with optional subtags ("en", "pt-BR", "zh-Hant-TW"): what speech and
# stoplists look up, never a path.
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")


class _Mark(NamedTuple):
    id: int | None
    start: int
    end: int
    text: str
    prefix: str
    suffix: str
    color: str | None
    note: str | None
    created: str
    detached: bool


class _Entry(NamedTuple):
    id: int | None
    source: str
    added: str
    updated: str | None
    opened: str | None
    position: int
    article: Article
    marks: list[_Mark]


class _Export(NamedTuple):
    id: int | None
    article_id: int | None
    file: str
    settings: dict[str, Any]
    created: str


class _Document(NamedTuple):
    entries: list[_Entry]
    exports: list[_Export]
    feeds: list[Feed]


def _article(doc: Doc) -> tuple[Article, Article]:
    """The article as the file has it, and as it is kept (sanitized)."""
    from reader.text.article import BLOCK_KINDS, Article, Block

    blocks: list[tuple[str, str]] = []
    for item, where in doc.items("blocks"):
        block = Doc(item, where)
        kind = block.string("kind") or "paragraph"
        if kind not in BLOCK_KINDS:
            raise Invalid(f"{where}.kind", f"{kind!r} is not one of {', '.join(BLOCK_KINDS)}")
        blocks.append((kind, block.string("text", required=True, line=False) or ""))
    authors = [checked_string(item, where) for item, where in doc.items("authors")]
    language = doc.string("language")
    if language is not None and not _LANGUAGE.fullmatch(language):
        raise Invalid(
            f"{doc.where}.language", f"{one_line(language)[:40]!r} is not a language code"
        )
    title, date, site = doc.string("title"), doc.string("date"), doc.string("site")
    url, source = doc.string("url"), doc.string("source")
    title_from_body = doc.boolean("title_from_body")
    raw = Article(
        blocks=tuple(Block(kind, text) for kind, text in blocks),  # type: ignore[arg-type]
        title=title,
        authors=tuple(authors),
        date=date,
        site=site,
        url=url,
        language=language,
        title_from_body=title_from_body,
        source=source,
    )
    kept = Article(
        blocks=tuple(Block(kind, safe_text(text)) for kind, text in blocks),  # type: ignore[arg-type]
        title=optional_line(title) or None,
        authors=tuple(a for a in map(one_line, authors) if a),
        date=optional_line(date) or None,
        site=optional_line(site) or None,
        url=optional_line(url) or None,
        language=language,
        title_from_body=title_from_body,
        source=optional_line(source) or None,
    )
    return raw, kept


def _marks(entry: Doc, raw: Article, kept: Article) -> list[_Mark]:
    """The highlights, checked against the article's text as the file has it, and
    placed again in the kept text when sanitizing changed it."""
    from reader.library import anchor
    from reader.library.rows import check_color

    marks = []
    for item, where in entry.items("highlights"):
        mark = Doc(item, where)
        ident = mark.integer("id", low=1)
        start = mark.integer("start", required=True) or 0
        end = mark.integer("end", low=1, required=True) or 0
        if not start < end:
            raise Invalid(f"{where}.end", f"{end} is not after start {start}")
        quote = mark.string("text", required=True, line=False) or ""
        detached = mark.boolean("detached")
        if not detached and raw.text[start:end] != quote:
            raise Invalid(f"{where}.text", "does not match the article's text at start-end")
        color = mark.string("color")
        try:
            color = check_color(color)
        except InputError as error:
            raise Invalid(f"{where}.color", error.reason) from None
        prefix = safe_text(mark.string("prefix", line=False) or "")
        suffix = safe_text(mark.string("suffix", line=False) or "")
        quote = safe_text(quote)
        if kept.text != raw.text and not detached:
            place = anchor.reanchor(anchor.Anchor(quote, prefix, suffix, start), kept.text)
            if place is None:
                detached = True
            else:
                start, end = place
                quote = kept.text[start:end]
        marks.append(
            _Mark(
                id=ident,
                start=start,
                end=end,
                text=quote,
                prefix=prefix,
                suffix=suffix,
                color=color,
                note=optional_line(mark.string("note", line=False)),
                created=one_line(mark.timestamp("created", required=True) or ""),
                detached=detached,
            )
        )
    return marks


def _validate(data: object) -> _Document:
    """The whole document checked and sanitized, or :class:`Invalid` naming the first
    problem by its JSON path. Nothing is written before this has run to the end."""
    top = Doc(data, "$")
    if top.data.get("format") != FORMAT:
        raise Invalid("$.format", 'not a reader library export (no "format": "reader-library")')
    version = top.data.get("version")
    if isinstance(version, bool) or version not in READS:
        raise Invalid(
            "$.version", f"export version {one_line(repr(version))[:40]} is not supported"
        )
    entries = []
    for item, where in top.items("articles"):
        entry = Doc(item, where)
        raw, kept = _article(entry.child("article"))
        entries.append(
            _Entry(
                id=entry.integer("id", low=1),
                source=one_line(entry.string("source", required=True) or ""),
                added=one_line(entry.timestamp("added", required=True) or ""),
                updated=optional_line(entry.timestamp("updated")),
                opened=optional_line(entry.timestamp("opened")),
                position=min(entry.integer("position") or 0, len(kept.text)),
                article=kept,
                marks=_marks(entry, raw, kept),
            )
        )
    exports = []
    for item, where in top.items("exports"):
        record = Doc(item, where)
        settings = record.child("settings").data
        check_strings(settings, f"{where}.settings")
        exports.append(
            _Export(
                id=record.integer("id", low=1, required=True),
                article_id=record.integer("article_id", low=1),
                file=one_line(record.string("file", required=True, line=False) or ""),
                settings=settings,
                created=one_line(record.timestamp("created", required=True) or ""),
            )
        )
    return _Document(entries, exports, read_feeds(top))


def _read(path: Path) -> object:
    """The file's JSON: a regular file, at most :data:`MAX_IMPORT_BYTES`, parsed safely
    (200,000 nested ``[`` make the parser raise RecursionError)."""
    from reader.files import read_user_file

    raw = read_user_file(path.expanduser(), MAX_IMPORT_BYTES, subject=str(path))

    def constant(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=constant)
    except UnicodeDecodeError as error:
        raise InputError(str(path), f"not UTF-8 (byte {error.start})") from None
    except RecursionError:
        raise InputError(str(path), "cannot be read as JSON (nested too deeply)") from None
    except ValueError as error:  # json.JSONDecodeError, and numbers too long to convert
        raise InputError(str(path), f"cannot be read as JSON ({one_line(str(error))})") from None


def import_json(library: Store, path: Path) -> ImportResult:
    from reader.library.records import ImportResult

    # Check everything before writing anything: a bad file changes nothing.
    try:
        document = _validate(_read(path))
    except Invalid as error:
        raise InputError(str(path), str(error)) from None
    except RecursionError:
        raise InputError(str(path), "nested too deeply") from None

    added = merged = marks_added = exports_added = 0
    ids: dict[int, int] = {}
    with library._write() as c:
        for entry in document.entries:
            ident, new = _import_article(c, entry)
            added += new
            merged += not new
            if entry.id is not None:
                ids[entry.id] = ident
            marks_added += _import_marks(c, ident, entry.marks)
        exports_added = _import_exports(c, document.exports, ids)
        feeds_added, items_added = import_feeds(c, document.feeds, ids)
    return ImportResult(
        articles_added=added,
        articles_merged=merged,
        highlights_added=marks_added,
        exports_added=exports_added,
        feeds_added=feeds_added,
        feed_items_added=items_added,
        ids=ids,
    )


def _import_article(c: sqlite3.Connection, entry: _Entry) -> tuple[int, bool]:
    """The id the entry's article has in the library, and whether it was added (else it
    was there already, with the same source and text)."""
    from reader.library.ids import source_key
    from reader.library.rows import stored_body, stored_columns

    article = entry.article
    body = stored_body(article)
    source = source_key(article, entry.source)  # "-" from older exports
    same = c.execute(
        "SELECT id FROM articles WHERE source = ? AND content_hash = ? ORDER BY id LIMIT 1",
        (source, article.content_hash),
    ).fetchone()
    if same is not None:
        return int(same[0]), False
    wanted = entry.id
    free = (
        wanted is not None
        and c.execute("SELECT 1 FROM articles WHERE id = ?", (wanted,)).fetchone() is None
    )
    cursor = c.execute(
        "INSERT INTO articles (id, source, url, title, site, authors, date, language, "
        "words, chars, content_hash, added, updated, opened, position) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            wanted if free else None,
            source,
            *stored_columns(article),
            article.content_hash,
            entry.added,
            entry.updated,
            entry.opened,
            entry.position,
        ),
    )
    ident = int(cursor.lastrowid or 0)
    c.execute("INSERT INTO article_bodies (article_id, article) VALUES (?, ?)", (ident, body))
    return ident, True


def _import_marks(c: sqlite3.Connection, ident: int, marks: list[_Mark]) -> int:
    """Add the highlights of article ``ident`` not there yet; return how many."""
    added = 0
    for mark in marks:
        there = c.execute(
            'SELECT 1 FROM highlights WHERE article_id = ? AND start = ? AND "end" = ? '
            "AND quote = ? AND created = ?",
            (ident, mark.start, mark.end, mark.text, mark.created),
        ).fetchone()
        if there is not None:
            continue
        free = (
            mark.id is not None
            and c.execute("SELECT 1 FROM highlights WHERE id = ?", (mark.id,)).fetchone() is None
        )
        c.execute(
            'INSERT INTO highlights (id, article_id, start, "end", quote, prefix, suffix, '
            "color, note, created, detached) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                mark.id if free else None,
                ident,
                mark.start,
                mark.end,
                mark.text,
                mark.prefix,
                mark.suffix,
                mark.color,
                mark.note,
                mark.created,
                int(mark.detached),
            ),
        )
        added += 1
    return added


def _import_exports(c: sqlite3.Connection, exports: list[_Export], ids: dict[int, int]) -> int:
    """Add the export records not there yet, linked to the articles' new ids."""
    added = 0
    for record in exports:
        linked = ids.get(record.article_id) if record.article_id is not None else None
        there = c.execute(
            "SELECT 1 FROM exports WHERE file = ? AND created = ? AND article_id IS ?",
            (record.file, record.created, linked),
        ).fetchone()
        if there is not None:
            continue
        free = (
            record.id is not None
            and c.execute("SELECT 1 FROM exports WHERE id = ?", (record.id,)).fetchone() is None
        )
        c.execute(
            "INSERT INTO exports (id, article_id, file, settings, created) VALUES (?,?,?,?,?)",
            (
                record.id if free else None,
                linked,
                record.file,
                json.dumps(record.settings, sort_keys=True, default=str),
                record.created,
            ),
        )
        added += 1
    return added
