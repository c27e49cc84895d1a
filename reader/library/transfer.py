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
from reader.library.ids import MAX_ID
from reader.sanitize import one_line, safe_text, web_address

if TYPE_CHECKING:
    from reader.article import Article
    from reader.library import ImportResult, Library

FORMAT = "reader-library"
VERSION = 2
READS = (1, 2)  # versions import understands (1: before feeds)

# What a feed item's status may be (reader.library.feeds.record_item), and a feed's kind.
ITEM_STATUSES = ("added", "updated", "unchanged", "similar", "refused")
FEED_KINDS = ("rss", "atom", "json")


def dump(library: Library) -> dict[str, Any]:
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
            "feeds": _dump_feeds(c),
        }

    # One read transaction: a consistent snapshot even while another process writes.
    def snapshot(c: Any) -> dict[str, Any]:
        c.execute("BEGIN")
        try:
            return work(c)
        finally:
            c.execute("COMMIT")

    return library._read(snapshot)


def _dump_feeds(c: Any) -> list[dict[str, Any]]:
    """The feeds with their items, by id (the order they were taken in)."""
    items: dict[int, list[dict[str, Any]]] = {}
    for row in c.execute(
        "SELECT feed_id, guid, url, article_id, status, export_to, added FROM feed_items "
        "ORDER BY feed_id, id"
    ):
        items.setdefault(row[0], []).append(
            {
                "guid": row[1],
                "url": row[2],
                "article_id": row[3],
                "status": row[4],
                "export_to": row[5],
                "added": row[6],
            }
        )
    return [
        {
            "id": row[0],
            "url": row[1],
            "title": row[2],
            "site": row[3],
            "kind": row[4],
            "etag": row[5],
            "last_modified": row[6],
            "failures": row[7],
            "last_error": row[8],
            "last_ok": row[9],
            "last_checked": row[10],
            "added": row[11],
            "items": items.get(row[0], []),
        }
        for row in c.execute(
            "SELECT id, url, title, site, kind, etag, last_modified, failures, last_error, "
            "last_ok, last_checked, added FROM feeds ORDER BY id"
        )
    ]


def export_json(library: Library, path: Path) -> int:
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
# Strings that are one line of metadata: nothing longer is kept in a library.
MAX_LINE_CHARS = 10_000
_SURROGATE = re.compile("[\ud800-\udfff]")
# An ISO 639 code with optional subtags ("en", "pt-BR", "zh-Hant-TW"): what speech and
# stoplists look up, never a path.
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")


class _Invalid(Exception):
    """A value of the imported document that does not fit; ``where`` is its JSON path."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class _Doc:
    """Typed access to one JSON object of the document, naming the path in every error."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise _Invalid(where, f"expected an object, got {_kind(value)}")
        self.data: dict[str, Any] = value
        self.where = where

    def _get(self, key: str, required: bool) -> tuple[object, str]:
        where = f"{self.where}.{key}"
        if key not in self.data and required:
            raise _Invalid(where, "missing")
        return self.data.get(key), where

    def string(self, key: str, *, required: bool = False, line: bool = True) -> str | None:
        """A string (or null, when not required); ``line``: one line of metadata."""
        value, where = self._get(key, required)
        if value is None and not required:
            return None
        return _string(value, where, line=line)

    def integer(
        self, key: str, *, low: int = 0, high: int = MAX_ID, required: bool = False
    ) -> int | None:
        value, where = self._get(key, required)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(where, f"expected an integer, got {_kind(value)}")
        if not low <= value <= high:
            shown = str(value) if len(str(value)) <= 30 else str(value)[:29] + "…"
            raise _Invalid(where, f"{shown} is out of range ({low} to {high})")
        return value

    def child(self, key: str) -> _Doc:
        value, where = self._get(key, True)
        return _Doc(value, where)

    def boolean(self, key: str) -> bool:
        value, where = self._get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise _Invalid(where, f"expected a boolean, got {_kind(value)}")
        return value

    def items(self, key: str) -> list[tuple[object, str]]:
        """The elements of a list (absent or null: none), each with its path."""
        value, where = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise _Invalid(where, f"expected a list, got {_kind(value)}")
        return [(item, f"{where}[{n}]") for n, item in enumerate(value)]


def _string(value: object, where: str, *, line: bool = True) -> str:
    if not isinstance(value, str):
        raise _Invalid(where, f"expected a string, got {_kind(value)}")
    bad = _SURROGATE.search(value)
    if bad is not None:
        raise _Invalid(where, f"a lone surrogate (\\u{ord(bad.group()):04x}) is not text")
    if line and len(value) > MAX_LINE_CHARS:
        raise _Invalid(where, f"{len(value)} characters (at most {MAX_LINE_CHARS})")
    return value


def _check_strings(value: object, where: str, depth: int = 0) -> None:
    """Every string (and key) of free-form data (export settings) is text."""
    if depth > 32:
        raise _Invalid(where, "nested too deeply")
    if isinstance(value, str):
        _string(value, where, line=False)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _check_strings(item, f"{where}[{n}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _string(key, f"{where} (a key)", line=False)
            _check_strings(item, f"{where}.{key}", depth + 1)


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


class _FeedItem(NamedTuple):
    guid: str
    url: str | None
    article_id: int | None  # the article's id in the file
    status: str
    export_to: str | None
    added: str


class _Feed(NamedTuple):
    id: int | None
    url: str
    title: str | None
    site: str | None
    kind: str | None
    etag: str | None
    last_modified: str | None
    failures: int
    last_error: str | None
    last_ok: str | None
    last_checked: str | None
    added: str
    items: list[_FeedItem]


class _Document(NamedTuple):
    entries: list[_Entry]
    exports: list[_Export]
    feeds: list[_Feed]


def _line(value: str | None) -> str | None:
    return None if value is None else one_line(value)


def _article(doc: _Doc) -> tuple[Article, Article]:
    """The article as the file has it, and as it is kept (sanitized)."""
    from reader.article import BLOCK_KINDS, Article, Block

    blocks: list[tuple[str, str]] = []
    for item, where in doc.items("blocks"):
        block = _Doc(item, where)
        kind = block.string("kind") or "paragraph"
        if kind not in BLOCK_KINDS:
            raise _Invalid(f"{where}.kind", f"{kind!r} is not one of {', '.join(BLOCK_KINDS)}")
        blocks.append((kind, block.string("text", required=True, line=False) or ""))
    authors = [_string(item, where) for item, where in doc.items("authors")]
    language = doc.string("language")
    if language is not None and not _LANGUAGE.fullmatch(language):
        raise _Invalid(
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
        title=_line(title) or None,
        authors=tuple(a for a in map(one_line, authors) if a),
        date=_line(date) or None,
        site=_line(site) or None,
        url=_line(url) or None,
        language=language,
        title_from_body=title_from_body,
        source=_line(source) or None,
    )
    return raw, kept


def _marks(entry: _Doc, raw: Article, kept: Article) -> list[_Mark]:
    """The highlights, checked against the article's text as the file has it, and
    placed again in the kept text when sanitizing changed it."""
    from reader.library import anchor
    from reader.library.highlights import check_color

    marks = []
    for item, where in entry.items("highlights"):
        mark = _Doc(item, where)
        ident = mark.integer("id", low=1)
        start = mark.integer("start", required=True) or 0
        end = mark.integer("end", low=1, required=True) or 0
        if not start < end:
            raise _Invalid(f"{where}.end", f"{end} is not after start {start}")
        quote = mark.string("text", required=True, line=False) or ""
        detached = mark.boolean("detached")
        if not detached and raw.text[start:end] != quote:
            raise _Invalid(f"{where}.text", "does not match the article's text at start-end")
        color = mark.string("color")
        try:
            color = check_color(color)
        except InputError as error:
            raise _Invalid(f"{where}.color", error.reason) from None
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
                note=_line(mark.string("note", line=False)),
                created=one_line(mark.string("created", required=True) or ""),
                detached=detached,
            )
        )
    return marks


def _feed_url(doc: _Doc) -> str:
    """The feed's address: one http(s) URL, the only kind a sync fetches."""
    url = doc.string("url", required=True) or ""
    if not web_address(url):
        raise _Invalid(f"{doc.where}.url", f"{one_line(url)[:80]!r} is not an http(s) address")
    return url


def _choice(doc: _Doc, key: str, allowed: tuple[str, ...], *, required: bool = False) -> str | None:
    value = doc.string(key, required=required)
    if value is not None and value not in allowed:
        raise _Invalid(
            f"{doc.where}.{key}", f"{one_line(value)[:40]!r} is not one of {', '.join(allowed)}"
        )
    return value


def _feeds(top: _Doc) -> list[_Feed]:
    found = []
    for item, where in top.items("feeds"):
        feed = _Doc(item, where)
        items = []
        for entry, at in feed.items("items"):
            record = _Doc(entry, at)
            items.append(
                _FeedItem(
                    guid=one_line(record.string("guid", required=True) or ""),
                    url=_line(record.string("url")),
                    article_id=record.integer("article_id", low=1),
                    status=_choice(record, "status", ITEM_STATUSES, required=True) or "",
                    export_to=_line(record.string("export_to")),
                    added=one_line(record.string("added", required=True) or ""),
                )
            )
        found.append(
            _Feed(
                id=feed.integer("id", low=1),
                url=_feed_url(feed),
                title=_line(feed.string("title")),
                site=_line(feed.string("site")),
                kind=_choice(feed, "kind", FEED_KINDS),
                etag=_line(feed.string("etag")),
                last_modified=_line(feed.string("last_modified")),
                failures=feed.integer("failures") or 0,
                last_error=_line(feed.string("last_error")),
                last_ok=_line(feed.string("last_ok")),
                last_checked=_line(feed.string("last_checked")),
                added=one_line(feed.string("added", required=True) or ""),
                items=items,
            )
        )
    return found


def _validate(data: object) -> _Document:
    """The whole document checked and sanitized, or :class:`_Invalid` naming the first
    problem by its JSON path. Nothing is written before this has run to the end."""
    top = _Doc(data, "$")
    if top.data.get("format") != FORMAT:
        raise _Invalid("$.format", 'not a reader library export (no "format": "reader-library")')
    version = top.data.get("version")
    if isinstance(version, bool) or version not in READS:
        raise _Invalid(
            "$.version", f"export version {one_line(repr(version))[:40]} is not supported"
        )
    entries = []
    for item, where in top.items("articles"):
        entry = _Doc(item, where)
        raw, kept = _article(entry.child("article"))
        entries.append(
            _Entry(
                id=entry.integer("id", low=1),
                source=one_line(entry.string("source", required=True) or ""),
                added=one_line(entry.string("added", required=True) or ""),
                updated=_line(entry.string("updated")),
                opened=_line(entry.string("opened")),
                position=min(entry.integer("position") or 0, len(kept.text)),
                article=kept,
                marks=_marks(entry, raw, kept),
            )
        )
    exports = []
    for item, where in top.items("exports"):
        record = _Doc(item, where)
        settings = record.child("settings").data
        _check_strings(settings, f"{where}.settings")
        exports.append(
            _Export(
                id=record.integer("id", low=1, required=True),
                article_id=record.integer("article_id", low=1),
                file=one_line(record.string("file", required=True, line=False) or ""),
                settings=settings,
                created=one_line(record.string("created", required=True) or ""),
            )
        )
    return _Document(entries, exports, _feeds(top))


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


def import_json(library: Library, path: Path) -> ImportResult:
    from reader.library import ImportResult

    # Check everything before writing anything: a bad file changes nothing.
    try:
        document = _validate(_read(path))
    except _Invalid as error:
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
        feeds_added, items_added = _import_feeds(c, document.feeds, ids)
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
    from reader.library.articles import stored_body, stored_columns
    from reader.library.ids import source_key

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


def _import_feeds(
    c: sqlite3.Connection, feeds: list[_Feed], ids: dict[int, int]
) -> tuple[int, int]:
    """Follow the feeds not followed yet and remember the items not known yet (by GUID
    within their feed), linked to their articles' ids here; (feeds, items) added.

    A feed already followed keeps its own validators, failures and titles: they describe
    this library's last fetch of it. An item whose article is not in the file keeps no
    link (as an item whose article was removed).
    """
    feeds_added = items_added = 0
    for feed in feeds:
        row = c.execute("SELECT id FROM feeds WHERE url = ?", (feed.url,)).fetchone()
        if row is not None:
            ident = int(row[0])
        else:
            free = (
                feed.id is not None
                and c.execute("SELECT 1 FROM feeds WHERE id = ?", (feed.id,)).fetchone() is None
            )
            cursor = c.execute(
                "INSERT INTO feeds (id, url, title, site, kind, etag, last_modified, failures, "
                "last_error, last_ok, last_checked, added) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    feed.id if free else None,
                    feed.url,
                    feed.title,
                    feed.site,
                    feed.kind,
                    feed.etag,
                    feed.last_modified,
                    feed.failures,
                    feed.last_error,
                    feed.last_ok,
                    feed.last_checked,
                    feed.added,
                ),
            )
            ident = int(cursor.lastrowid or 0)
            feeds_added += 1
        for item in feed.items:
            linked = ids.get(item.article_id) if item.article_id is not None else None
            cursor = c.execute(
                "INSERT OR IGNORE INTO feed_items "
                "(feed_id, guid, url, article_id, status, export_to, added) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ident, item.guid, item.url, linked, item.status, item.export_to, item.added),
            )
            items_added += cursor.rowcount
    return feeds_added, items_added
