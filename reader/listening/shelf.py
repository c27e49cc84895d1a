"""What the session player needs of the library, and writing to it off the audio path.

:class:`Shelf` is the library as the player sees it: load an article, keep its place,
mark it heard, read and change the queue. :class:`LibraryShelf` is the real library
(``reader listen``, the TUI); the TUI's in-memory store (a library that could not be
opened) is another. :class:`Writer` does the player's writes on a thread of its own:
another process (a feed sync, an export) may hold the library's write lock for seconds,
and the audio must not wait for it. Positions are coalesced (the latest per article
wins) and written as the voice goes, so a killed process resumes within the sentence
that was playing.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from reader.errors import ReaderError

if TYPE_CHECKING:
    from reader.library import Library
    from reader.text.article import Article

log = logging.getLogger(__name__)


class Shelf(Protocol):
    """The library as the session player uses it (every method may raise ReaderError)."""

    def load(self, article_id: int) -> tuple[Article, int]:
        """The article and its saved listening position; NotInLibrary when deleted."""
        ...

    def save_position(self, article_id: int, offset: int) -> None: ...

    def finished(self, article_id: int) -> None:
        """Heard to the end: listened, position back to the start, out of the queue."""
        ...

    def queue(self) -> list[int]: ...

    def enqueue(self, ids: Iterable[int], *, first: bool = False) -> list[int]: ...

    def dequeue(self, article_id: int) -> bool: ...


class LibraryShelf:
    """The library file as the player's shelf."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def load(self, article_id: int) -> tuple[Article, int]:
        stored = self.library.get(article_id)
        return stored.article, int(stored.position)

    def save_position(self, article_id: int, offset: int) -> None:
        self.library.set_position(article_id, offset)

    def finished(self, article_id: int) -> None:
        self.library.finished(article_id)

    def queue(self) -> list[int]:
        return self.library.queue()

    def enqueue(self, ids: Iterable[int], *, first: bool = False) -> list[int]:
        return self.library.enqueue(ids, first=first)

    def dequeue(self, article_id: int) -> bool:
        return self.library.dequeue(article_id)


class Writer:
    """The player's library writes, in order, on a thread of their own.

    ``position()`` keeps only the latest place per article; ``do()`` runs a write
    after the positions given before it. A failed write (a busy or broken library) is
    reported once through ``on_error`` and never stops listening.
    """

    def __init__(self, shelf: Shelf, on_error: Callable[[str], None]) -> None:
        self.shelf = shelf
        self.on_error = on_error
        self._positions: dict[int, int] = {}
        self._jobs: queue.SimpleQueue[Callable[[], object] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._told = False
        self._thread = threading.Thread(target=self._run, name="listening-writer", daemon=True)
        self._thread.start()

    def position(self, article_id: int, offset: int) -> None:
        with self._lock:
            fresh = article_id not in self._positions
            self._positions[article_id] = offset
        if fresh:
            self._jobs.put(self._write_positions)

    def do(self, job: Callable[[], object]) -> None:
        self._jobs.put(self._write_positions)
        self._jobs.put(job)

    def _write_positions(self) -> None:
        with self._lock:
            pending, self._positions = self._positions, {}
        for article_id, offset in pending.items():
            self.shelf.save_position(article_id, offset)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            except ReaderError as error:
                from reader.library.errors import NotInLibrary

                if isinstance(error, NotInLibrary):
                    continue  # deleted while it played: nothing to keep
                if not self._told:
                    self._told = True
                    self.on_error(f"listening position not saved: {error}")
            except Exception as error:  # never let a write stop listening
                log.warning("listening write failed: %r", error)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is pending (waiting at most ``timeout`` seconds) and stop."""
        self._jobs.put(self._write_positions)
        self._jobs.put(None)
        self._thread.join(timeout)
