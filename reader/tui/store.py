"""What the TUI needs from the library, in the TUI's own small types.

Screens call a :class:`Store`; it calls :class:`reader.library.Library`. Keeping the
mapping in one place means the screens do not care about the library's row types,
and the app still opens an article (without saving anything) when the library
cannot be opened, saying so once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reader.article import Article


@dataclass(frozen=True)
class HighlightRow:
    id: int
    start: int
    end: int
    text: str
    note: str = ""


@dataclass(frozen=True)
class ArticleRow:
    id: int
    title: str
    site: str
    date: str
    words: int
    highlights: int
    position: int
    length: int

    @property
    def progress(self) -> float:
        return min(1.0, self.position / self.length) if self.length else 0.0


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


class Store:
    """The library as the TUI sees it."""

    persistent = True

    def __init__(self, library: Any) -> None:
        self.library = library

    @classmethod
    def open(cls) -> Store:
        """The user's library; a :class:`MemoryStore` if it cannot be opened."""
        try:
            from reader.library import Library
        except ImportError:
            return MemoryStore("the library is not available in this build")
        return cls(Library())

    # -- articles ------------------------------------------------------------------------

    def add(self, article: Article) -> int:
        result = self.library.add(article)
        return int(_get(result, "id", result))

    def get(self, article_id: int) -> tuple[Article, int]:
        """The article and its listening position."""
        record = self.library.get(article_id)
        article = _get(record, "article", record)
        return article, int(_get(record, "position", 0) or 0)

    def articles(self, query: str = "") -> list[ArticleRow]:
        records = self.library.search(query) if query.strip() else self.library.list()
        return [self._row(record) for record in records]

    def _row(self, record: Any) -> ArticleRow:
        article = _get(record, "article")
        title = _get(record, "title") or (article.title if article else None) or "Untitled"
        words = _get(record, "word_count") or (article.word_count if article else 0)
        length = _get(record, "length") or (len(article.text) if article else 0)
        highlights = _get(record, "highlight_count", None)
        if highlights is None:
            highlights = len(self.library.highlights(_get(record, "id")))
        return ArticleRow(
            id=int(_get(record, "id")),
            title=str(title),
            site=str(_get(record, "site") or (article.site if article else "") or ""),
            date=str(_get(record, "date") or (article.date if article else "") or "")[:10],
            words=int(words or 0),
            highlights=int(highlights),
            position=int(_get(record, "position", 0) or 0),
            length=int(length or 0),
        )

    def remove(self, article_id: int) -> None:
        self.library.remove(article_id)

    def set_position(self, article_id: int, offset: int) -> None:
        self.library.set_position(article_id, offset)

    # -- highlights ----------------------------------------------------------------------

    def highlights(self, article_id: int) -> list[HighlightRow]:
        rows = [
            HighlightRow(
                id=int(_get(h, "id")),
                start=int(_get(h, "start")),
                end=int(_get(h, "end")),
                text=str(_get(h, "text", "") or ""),
                note=str(_get(h, "note", "") or ""),
            )
            for h in self.library.highlights(article_id)
        ]
        return sorted(rows, key=lambda h: (h.start, h.end))

    def add_highlight(self, article_id: int, start: int, end: int, note: str = "") -> int:
        result = self.library.add_highlight(article_id, start, end, note=note or None)
        return int(_get(result, "id", result))

    def update_note(self, highlight_id: int, note: str) -> None:
        self.library.update_highlight(highlight_id, note=note)

    def remove_highlight(self, highlight_id: int) -> None:
        self.library.remove_highlight(highlight_id)


class MemoryStore(Store):
    """Keeps this session's article and highlights in memory (nothing is saved)."""

    persistent = False

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self._ids = itertools.count(1)
        self._articles: dict[int, tuple[Article, int]] = {}
        self._highlights: dict[int, tuple[int, HighlightRow]] = {}

    def add(self, article: Article) -> int:
        for article_id, (known, _) in self._articles.items():
            if known.content_hash == article.content_hash:
                return article_id
        article_id = next(self._ids)
        self._articles[article_id] = (article, 0)
        return article_id

    def get(self, article_id: int) -> tuple[Article, int]:
        return self._articles[article_id]

    def articles(self, query: str = "") -> list[ArticleRow]:
        rows = []
        for article_id, (article, position) in self._articles.items():
            if query.lower() not in article.text.lower():
                continue
            count = sum(1 for a, _ in self._highlights.values() if a == article_id)
            rows.append(
                ArticleRow(
                    article_id,
                    article.title or "Untitled",
                    article.site or "",
                    (article.date or "")[:10],
                    article.word_count,
                    count,
                    position,
                    len(article.text),
                )
            )
        return rows

    def remove(self, article_id: int) -> None:
        self._articles.pop(article_id, None)

    def set_position(self, article_id: int, offset: int) -> None:
        if article_id in self._articles:
            self._articles[article_id] = (self._articles[article_id][0], offset)

    def highlights(self, article_id: int) -> list[HighlightRow]:
        rows = [h for a, h in self._highlights.values() if a == article_id]
        return sorted(rows, key=lambda h: (h.start, h.end))

    def add_highlight(self, article_id: int, start: int, end: int, note: str = "") -> int:
        article = self._articles[article_id][0]
        highlight_id = next(self._ids)
        row = HighlightRow(highlight_id, start, end, article.text[start:end], note)
        self._highlights[highlight_id] = (article_id, row)
        return highlight_id

    def update_note(self, highlight_id: int, note: str) -> None:
        article_id, row = self._highlights[highlight_id]
        self._highlights[highlight_id] = (article_id, replace(row, note=note))

    def remove_highlight(self, highlight_id: int) -> None:
        self._highlights.pop(highlight_id, None)
