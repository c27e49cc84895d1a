"""Full-text search over the library's articles (SQLite FTS5, ranked by bm25).

User words become an FTS5 query of quoted terms (:func:`fts_query`): operators are
taken literally, and the size of a query is bounded because FTS5's matching grows with
its number of terms.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

from reader.errors import InputError
from reader.library.store import Store

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TERMS",
    "MAX_TERM_CHARS",
    "Search",
    "SearchHit",
    "fts_query",
]


class SearchHit(NamedTuple):
    id: int
    title: str | None
    source: str
    snippet: str  # matched words in [brackets]
    rank: float  # bm25: lower is better


class Search(Store):
    """The library's search method (see :class:`reader.library.Library`)."""

    def search(self, words: str | Sequence[str], *, limit: int = 20) -> builtins.list[SearchHit]:
        """Articles matching every word, best first (FTS5, bm25; title words weigh more).

        Words are matched as given (case and accents ignored); a word ending in ``*``
        matches as a prefix. Quotes and FTS operators are taken literally.
        """
        query = fts_query(words)
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


# What a search may ask: FTS5's matching and snippets grow with the number of terms
# and repeats of one term (400 times "a" took 3 s, 1,600 times 50 s), so terms are
# deduplicated and these limits refused with one line.
MAX_QUERY_CHARS = 16_384
MAX_QUERY_TERMS = 32
MAX_TERM_CHARS = 256


def fts_query(words: str | Sequence[str]) -> str:
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
