"""The whole library as one JSON file, and back (``reader library export|import``).

The file is a lossless copy: every article (its stored model, source, times and
listening position), highlight (offsets, quote and context, color, note, detached
flag, creation time) and export record, with their ids. Importing it into an empty
library and exporting again gives the same file byte for byte.

Importing into a library that already holds articles merges: an article with the
same source and the same text is the same article (its highlights are merged,
skipping ones already there); any other keeps its id when that id is free and gets
a new one otherwise, its highlights following it.

Format (``"format": "reader-library"``, ``"version": 1``)::

    {"format": "reader-library", "version": 1, "exported": "...",
     "articles": [{"id", "source", "added", "updated", "opened", "position",
                   "article": {...Article.to_dict()...},
                   "highlights": [{"id", "start", "end", "text", "prefix", "suffix",
                                   "color", "note", "created", "detached"}]}],
     "exports": [{"id", "article_id", "file", "settings", "created"}]}
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.errors import InputError

if TYPE_CHECKING:
    from reader.library import ImportResult, Library

FORMAT = "reader-library"
VERSION = 1


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
        return {"format": FORMAT, "version": VERSION, "articles": articles, "exports": exports}

    # One read transaction: a consistent snapshot even while another process writes.
    def snapshot(c: Any) -> dict[str, Any]:
        c.execute("BEGIN")
        try:
            return work(c)
        finally:
            c.execute("COMMIT")

    return library._read(snapshot)


def export_json(library: Library, path: Path) -> int:
    data = dump(library)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    target = path.expanduser()
    if target.is_dir():
        raise InputError(str(path), "is a folder; give a file name ending in .json")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise InputError(str(path), f"cannot be written ({error.strerror})") from None
    return len(data["articles"])


def import_json(library: Library, path: Path) -> ImportResult:
    from reader.article import Article
    from reader.library import ImportResult, _body, _check_color, _meta, source_key

    try:
        data = json.loads(path.expanduser().read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(str(path), f"cannot be read as JSON ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(str(path), 'not a reader library export (no "format": "reader-library")')
    if data.get("version") != VERSION:
        raise InputError(str(path), f"export version {data.get('version')!r} is not supported")

    # Check everything before writing anything: a bad file changes nothing.
    entries = []
    try:
        for entry in data.get("articles", []):
            article = Article.from_dict(entry["article"])
            text = article.text
            for mark in entry.get("highlights", []):
                if not 0 <= int(mark["start"]) < int(mark["end"]):
                    raise ValueError(f"highlight {mark.get('id')}: bad offsets")
                if not mark.get("detached") and text[mark["start"] : mark["end"]] != mark["text"]:
                    raise ValueError(f"highlight {mark.get('id')}: text does not match the article")
                _check_color(mark.get("color"))
            entries.append((entry, article))
        exports = [
            (
                int(e["id"]),
                e.get("article_id"),
                str(e["file"]),
                dict(e["settings"]),
                str(e["created"]),
            )
            for e in data.get("exports", [])
        ]
    except (KeyError, TypeError, ValueError, InputError) as error:
        raise InputError(str(path), f"not a valid library export ({error})") from None

    added = merged = marks_added = exports_added = 0
    ids: dict[int, int] = {}
    with library._write() as c:
        for entry, article in entries:
            body = _body(article)
            source = source_key(article, entry["source"])  # "-" from older exports
            same = c.execute(
                "SELECT id FROM articles WHERE source = ? AND content_hash = ? ORDER BY id LIMIT 1",
                (source, article.content_hash),
            ).fetchone()
            if same is not None:
                ident = int(same[0])
                merged += 1
            else:
                wanted = entry.get("id")
                free = (
                    isinstance(wanted, int)
                    and c.execute("SELECT 1 FROM articles WHERE id = ?", (wanted,)).fetchone()
                    is None
                )
                cursor = c.execute(
                    "INSERT INTO articles (id, source, url, title, site, authors, date, language, "
                    "words, chars, content_hash, added, updated, opened, position) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        wanted if free else None,
                        source,
                        *_meta(article),
                        article.content_hash,
                        entry["added"],
                        entry.get("updated"),
                        entry.get("opened"),
                        max(0, int(entry.get("position") or 0)),
                    ),
                )
                ident = int(cursor.lastrowid or 0)
                c.execute(
                    "INSERT INTO article_bodies (article_id, article) VALUES (?, ?)", (ident, body)
                )
                added += 1
            if isinstance(entry.get("id"), int):
                ids[entry["id"]] = ident
            for mark in entry.get("highlights", []):
                there = c.execute(
                    'SELECT 1 FROM highlights WHERE article_id = ? AND start = ? AND "end" = ? '
                    "AND quote = ? AND created = ?",
                    (ident, mark["start"], mark["end"], mark["text"], mark["created"]),
                ).fetchone()
                if there is not None:
                    continue
                wanted = mark.get("id")
                free = (
                    isinstance(wanted, int)
                    and c.execute("SELECT 1 FROM highlights WHERE id = ?", (wanted,)).fetchone()
                    is None
                )
                c.execute(
                    'INSERT INTO highlights (id, article_id, start, "end", quote, prefix, suffix, '
                    "color, note, created, detached) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        wanted if free else None,
                        ident,
                        mark["start"],
                        mark["end"],
                        mark["text"],
                        mark.get("prefix", ""),
                        mark.get("suffix", ""),
                        mark.get("color"),
                        mark.get("note"),
                        mark["created"],
                        int(bool(mark.get("detached"))),
                    ),
                )
                marks_added += 1
        for ident, article_id, file, settings, created in exports:
            linked = ids.get(article_id) if isinstance(article_id, int) else None
            there = c.execute(
                "SELECT 1 FROM exports WHERE file = ? AND created = ? AND article_id IS ?",
                (file, created, linked),
            ).fetchone()
            if there is not None:
                continue
            free = c.execute("SELECT 1 FROM exports WHERE id = ?", (ident,)).fetchone() is None
            c.execute(
                "INSERT INTO exports (id, article_id, file, settings, created) VALUES (?,?,?,?,?)",
                (
                    ident if free else None,
                    linked,
                    file,
                    json.dumps(settings, sort_keys=True, default=str),
                    created,
                ),
            )
            exports_added += 1
    return ImportResult(
        articles_added=added,
        articles_merged=merged,
        highlights_added=marks_added,
        exports_added=exports_added,
        ids=ids,
    )
