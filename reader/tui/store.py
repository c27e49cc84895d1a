"""What the TUI needs from the library.

Screens call a :class:`Store`; it calls :class:`reader.library.Library`. Highlights
cross as the library's own record (:class:`reader.text.highlight.Highlight`), the one type
the screens, dialogs and the article view display; the library list gets
:class:`ArticleRow` (a summary with the name of the feed it came from). The app
still opens an article (without saving anything) when the library cannot be opened,
saying so once (:class:`MemoryStore`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from reader.listening.shelf import LibraryShelf

if TYPE_CHECKING:
    from reader.library import Library
    from reader.text.article import Article
    from reader.text.highlight import Highlight


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
    feed: str = ""  # the feed it came from (reader feeds sync), if any
    new: bool = False  # brought by a feed, not opened nor listened to since
    listened: str | None = None  # when it was heard to the end

    @property
    def progress(self) -> float:
        return min(1.0, self.position / self.length) if self.length else 0.0


class Store(LibraryShelf):
    """The library as the TUI sees it (a :class:`reader.library.Library`); the session
    player's shelf too (:class:`reader.listening.shelf.LibraryShelf`)."""

    persistent = True
    notice: str | None = None  # something to tell the user once (a recovered file)

    def __init__(self, library: Library) -> None:
        super().__init__(library)
        if library.recovered is not None:
            self.notice = library.recovered.message()
        # This run of the app is one visit (reader.library.visits): the previous visit
        # is read once, when the list is first shown, and kept for the whole run so
        # that the marks stay while the user comes and goes; ``_seen`` is when the list
        # was last read, recorded when the visit ends.
        self._visit_started = False
        self._previous_visit: str | None = None
        self._seen: str | None = None

    @classmethod
    def open(cls) -> Store:
        """The user's library; a :class:`MemoryStore` saying why if it cannot be opened."""
        from reader.errors import ReaderError

        try:
            from reader.library import Library
        except ImportError:
            return MemoryStore("the library is not available in this build")
        try:
            return cls(Library.open())
        except ReaderError as error:
            return MemoryStore(str(error))

    def close(self) -> None:
        self.end_visit()
        self.library.close()

    # -- visits --------------------------------------------------------------------------

    @property
    def previous_visit(self) -> str | None:
        """When the library was looked at before this visit (``None``: never)."""
        self._start_visit()
        return self._previous_visit

    def _start_visit(self) -> None:
        if not self._visit_started:
            from reader.library.visits import previous_visit

            self._previous_visit = previous_visit(self.library)
            self._visit_started = True

    def new_articles(self) -> set[int]:
        """Articles brought by a feed and neither opened nor heard to the end since."""
        from reader.library import now
        from reader.library.visits import arrived_since

        self._start_visit()
        seen = now()  # before reading: what lands meanwhile arrived after this visit
        fresh = arrived_since(self.library, None)
        self._seen = seen
        return fresh

    def arrived_since_visit(self) -> set[int]:
        """The new articles that arrived after the previous visit."""
        from reader.library.visits import arrived_since

        self._start_visit()
        return arrived_since(self.library, self._previous_visit)

    def end_visit(self) -> None:
        """Record that the list was seen (the library screen is left, the app quits).

        The previous visit this one compares with does not change: the marks shown stay
        for the rest of the run. A library that cannot be written now just keeps the
        older visit (the marks come again next time), never an error at quitting.
        """
        from reader.errors import ReaderError
        from reader.library.visits import record_visit

        if self._seen is None:
            return
        try:
            record_visit(self.library, self._seen)
        except ReaderError:
            return
        self._seen = None  # recorded: nothing more to write until the list is read again

    # -- articles ------------------------------------------------------------------------

    def add(self, article: Article) -> int:
        return self.add_article(article)[0]

    def add_article(self, article: Article) -> tuple[int, str | None]:
        """Add (or find) ``article``; the id and a note when the library holds the same
        story from another source."""
        from reader.library import source_key

        # The library decides the key (text from stdin has no name and is kept under
        # stdin:<hash>, so one piped article does not replace the last).
        result = self.library.add(article, source_key(article))
        note = None
        if result.similar:
            best = max(result.similar, key=lambda s: s.similarity)
            note = (
                f"The library already tells this story: {best.title or best.source} "
                f"({round(best.similarity * 100)}% alike). Both are kept."
            )
        return int(result.id), note

    def get(self, article_id: int) -> tuple[Article, int]:
        """The article and its listening position (and records it as opened)."""
        stored = self.library.get(article_id, touch=True)
        return stored.article, int(stored.position)

    def articles(self, query: str = "") -> list[ArticleRow]:
        if query.strip():
            from reader.errors import ReaderError

            try:
                hits = self.library.search(query)
            except ReaderError:
                return []
            summaries = [self.library.summary(hit.id) for hit in hits]
        else:
            summaries = self.library.list()
        feeds = self.feed_names()
        fresh = self.new_articles()
        return [
            ArticleRow(
                id=int(s.id),
                title=s.title or s.source or "Untitled",
                site=s.site or "",
                date=(s.date or "")[:10],
                words=int(s.words),
                highlights=int(s.highlights),
                position=int(s.position),
                length=int(s.chars),
                feed=feeds.get(int(s.id), ""),
                new=int(s.id) in fresh,
                listened=s.listened,
            )
            for s in summaries
        ]

    def feed_names(self) -> dict[int, str]:
        """Article id -> the name of the feed it came from (only articles from feeds)."""
        from reader.library.feeds import article_feeds

        return article_feeds(self.library)

    def remove(self, article_id: int) -> None:
        self.library.remove(article_id)

    def set_position(self, article_id: int, offset: int) -> None:
        self.library.set_position(article_id, offset)

    # -- listening (the session player's shelf: reader.listening.shelf.Shelf) -------------

    # load, save_position, finished, queue, enqueue, dequeue: LibraryShelf's.

    def mark_listened(self, article_id: int, listened: bool) -> None:
        self.library.mark_listened(article_id, listened)

    def move_in_queue(self, article_id: int, steps: int) -> bool:
        return self.library.move_in_queue(article_id, steps)

    def clear_queue(self) -> int:
        return self.library.clear_queue()

    def unlistened(self, ids: Iterable[int] | None = None) -> list[int]:
        return self.library.unlistened(ids)

    # -- highlights ----------------------------------------------------------------------

    def highlights(self, article_id: int) -> list[Highlight]:
        """The article's placed highlights in text order (detached ones have no place)."""
        placed = [h for h in self.library.highlights(article_id) if not h.detached]
        return sorted(placed, key=lambda h: (h.start, h.end))

    def detached_highlights(self, article_id: int) -> list[Highlight]:
        """The article's highlights that could not be placed in its current text.

        The library keeps them (quote, note, old offsets) until the user deletes them
        or a later version of the text holds the passage again; the TUI lists them so a
        note is never lost without the user knowing.
        """
        return [h for h in self.library.highlights(article_id) if h.detached]

    def add_highlight(self, article_id: int, start: int, end: int, note: str = "") -> int:
        return int(self.library.add_highlight(article_id, start, end, note=note or None).id)

    def find_highlight(self, article_id: int, start: int, end: int) -> Highlight | None:
        """The article's placed highlight of exactly ``text[start:end]``, if saved (read
        afresh: another window or ``reader highlight`` may have saved it meanwhile)."""
        for highlight in self.highlights(article_id):
            if (highlight.start, highlight.end) == (start, end):
                return highlight
        return None

    def update_note(self, highlight_id: int, note: str) -> None:
        self.library.update_highlight(highlight_id, note=note or None)

    def remove_highlight(self, highlight_id: int) -> None:
        self.library.remove_highlight(highlight_id)

    def record_export(self, article_id: int, path: str, settings: dict[str, Any]) -> None:
        self.library.record_export(article_id, path, settings)


class MemoryStore(Store):
    """Keeps this session's article and highlights in memory (nothing is saved)."""

    persistent = False

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self._ids = itertools.count(1)
        self._articles: dict[int, tuple[Article, int]] = {}
        self._highlights: dict[int, Highlight] = {}
        self._listened: dict[int, str] = {}
        self._queue: list[int] = []

    def add(self, article: Article) -> int:
        for article_id, (known, _) in self._articles.items():
            if known.content_hash == article.content_hash:
                return article_id
        article_id = next(self._ids)
        self._articles[article_id] = (article, 0)
        return article_id

    def add_article(self, article: Article) -> tuple[int, str | None]:
        return self.add(article), None

    def close(self) -> None:
        pass

    def new_articles(self) -> set[int]:
        return set()

    def arrived_since_visit(self) -> set[int]:
        return set()

    def end_visit(self) -> None:
        pass

    @property
    def previous_visit(self) -> str | None:
        return None

    def feed_names(self) -> dict[int, str]:
        return {}

    def get(self, article_id: int) -> tuple[Article, int]:
        return self._articles[article_id]

    def articles(self, query: str = "") -> list[ArticleRow]:
        rows = []
        for article_id, (article, position) in self._articles.items():
            if query.lower() not in article.text.lower():
                continue
            count = sum(1 for h in self._highlights.values() if h.article_id == article_id)
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
                    listened=self._listened.get(article_id),
                )
            )
        return rows

    def remove(self, article_id: int) -> None:
        self._articles.pop(article_id, None)
        self._listened.pop(article_id, None)
        if article_id in self._queue:
            self._queue.remove(article_id)

    def load(self, article_id: int) -> tuple[Article, int]:
        from reader.library.errors import NotInLibrary

        if article_id not in self._articles:
            raise NotInLibrary(f"article {article_id}", "not in the library")
        return self._articles[article_id]

    def save_position(self, article_id: int, offset: int) -> None:
        self.set_position(article_id, offset)

    def finished(self, article_id: int) -> None:
        if article_id in self._articles:
            self.mark_listened(article_id, True)
            self.dequeue(article_id)

    def mark_listened(self, article_id: int, listened: bool) -> None:
        from datetime import UTC, datetime

        if listened:
            self._listened[article_id] = datetime.now(UTC).isoformat(timespec="microseconds")
            self.set_position(article_id, 0)
        else:
            self._listened.pop(article_id, None)

    def queue(self) -> list[int]:
        return list(self._queue)

    def enqueue(self, ids: Iterable[int], *, first: bool = False) -> list[int]:
        wanted = [i for i in dict.fromkeys(ids) if i in self._articles]
        rest = [i for i in self._queue if i not in wanted]
        self._queue = [*wanted, *rest] if first else [*rest, *wanted]
        return wanted

    def dequeue(self, article_id: int) -> bool:
        if article_id not in self._queue:
            return False
        self._queue.remove(article_id)
        return True

    def move_in_queue(self, article_id: int, steps: int) -> bool:
        if article_id not in self._queue:
            return False
        here = self._queue.index(article_id)
        self._queue.pop(here)
        self._queue.insert(max(0, min(len(self._queue), here + steps)), article_id)
        return True

    def clear_queue(self) -> int:
        count, self._queue = len(self._queue), []
        return count

    def unlistened(self, ids: Iterable[int] | None = None) -> list[int]:
        found = [i for i in sorted(self._articles) if i not in self._listened]
        return found if ids is None else [i for i in found if i in set(ids)]

    def set_position(self, article_id: int, offset: int) -> None:
        if article_id in self._articles:
            self._articles[article_id] = (self._articles[article_id][0], offset)

    def highlights(self, article_id: int) -> list[Highlight]:
        placed = [h for h in self._highlights.values() if h.article_id == article_id]
        return sorted(placed, key=lambda h: (h.start, h.end))

    def detached_highlights(self, article_id: int) -> list[Highlight]:
        return []  # nothing is re-extracted in memory: every highlight has its place

    def add_highlight(self, article_id: int, start: int, end: int, note: str = "") -> int:
        from datetime import UTC, datetime

        from reader.text.highlight import Highlight  # not the library's package: it may not load

        article = self._articles[article_id][0]
        highlight_id = next(self._ids)
        self._highlights[highlight_id] = Highlight(
            id=highlight_id,
            article_id=article_id,
            start=start,
            end=end,
            text=article.text[start:end],
            color=None,
            note=note or None,  # as the library stores it
            created=datetime.now(UTC).isoformat(timespec="microseconds"),
        )
        return highlight_id

    def update_note(self, highlight_id: int, note: str) -> None:
        highlight = self._highlights[highlight_id]
        self._highlights[highlight_id] = replace(highlight, note=note or None)

    def remove_highlight(self, highlight_id: int) -> None:
        self._highlights.pop(highlight_id, None)

    def record_export(self, article_id: int, path: str, settings: dict[str, Any]) -> None:
        pass
