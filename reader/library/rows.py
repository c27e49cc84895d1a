"""Rows and the records they hold: how an article and a highlight are written as table
rows, and read back.

The codecs shared by the library's methods, its repair (which writes rows it read back
by hand) and its JSON transfer; a bottom module: it imports no other module of the
library but its records and errors' base.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reader.errors import InputError

if TYPE_CHECKING:
    from reader.library.records import Highlight
    from reader.text.article import Article

__all__ = [
    "COLORS",
    "COLUMNS",
    "HIGHLIGHT_SELECT",
    "check_color",
    "highlight_from_row",
    "stored_body",
    "stored_columns",
]

COLORS = ("yellow", "green", "blue", "pink", "purple", "orange")

# The columns of each table the repair copies row by row, in table order (the key first):
# one list for the repair's copy, its rescue of damaged files and their inserts.
COLUMNS = {
    "articles": (
        "id, source, url, title, site, authors, date, language, words, chars, "
        "content_hash, added, updated, opened, position"
    ),
    "highlights": (
        'id, article_id, start, "end", quote, prefix, suffix, color, note, created, detached'
    ),
    "exports": "id, article_id, file, settings, created",
    "feeds": (
        "id, url, kind, title, site, etag, last_modified, failures, last_error, last_ok, "
        "last_checked, added"
    ),
    "feed_items": "id, feed_id, guid, url, article_id, status, export_to, added",
}


def insert_row(table: str) -> str:
    """``INSERT INTO table (its COLUMNS) VALUES (?, ...)``: names from :data:`COLUMNS`
    only."""
    columns = COLUMNS[table]
    marks = ",".join("?" * (columns.count(",") + 1))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})"


def after_key(table: str) -> str:
    """The columns of ``table`` after its key."""
    return COLUMNS[table].split(", ", 1)[1]


HIGHLIGHT_SELECT = (
    'SELECT id, article_id, start, "end", quote, color, note, created, prefix, suffix, '
    "detached FROM highlights"
)


def highlight_from_row(row: Sequence[Any]) -> Highlight:
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


def check_color(color: str | None) -> str | None:
    if color is None:
        return None
    value = color.strip().lower()
    is_hex = (
        len(value) == 7 and value[0] == "#" and all(ch in "0123456789abcdef" for ch in value[1:])
    )
    if value in COLORS or is_hex:
        return value
    raise InputError(f"color {color!r}", "use one of " + ", ".join(COLORS) + " or #rrggbb")


def stored_body(article: Article) -> str:
    """The stored form: ``Article.to_dict()`` without its sentences.

    Sentences are derived from the blocks (``Article.from_dict`` ignores them and
    :attr:`Article.sentences` recomputes them on first use); leaving them out keeps
    the file about a third smaller. ``text`` stays: search and highlights read it.
    """
    import json

    data = article.to_dict()
    data.pop("sentences", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def stored_columns(article: Article) -> tuple[Any, ...]:
    """The queryable columns: url, title, site, authors, date, language, words, chars.

    The one-line ones are sanitized here, where text enters the library's columns
    (what `reader list` and the TUI's library read): a title from a page or a file
    may carry a terminal escape or a bidi override. The stored model is not changed:
    its title is part of the text that highlight offsets point into.
    """
    from reader.text.sanitize import one_line

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
