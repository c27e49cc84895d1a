"""The library: articles, highlights, listening positions and exports, kept in SQLite.

One file (``reader.locations.library_file()``, moved by ``READER_HOME``) in WAL mode
with foreign keys on and a schema version migrated forwards on open
(:mod:`reader.library.schema`). Typical use::

    library = Library.open()
    result = library.add(article, source)          # AddResult: id, status, similar
    stored = library.get(result.id)                # StoredArticle with its highlights
    library.add_highlight(result.id, 120, 180, note="check this")

**Threads.** A :class:`Library` may be shared by threads (the TUI calls it from
workers): each thread gets its own SQLite connection on first use, because sqlite3
connections must stay in the thread that made them. :meth:`Library.close` closes them
all; call it when the program ends.

**Processes.** Several processes may use one library at once (the TUI and a batch
``reader add``): every write is one ``BEGIN IMMEDIATE`` transaction and waits up to
:data:`BUSY_TIMEOUT` seconds for another writer; only after that does a
:class:`LibraryBusy` error (a :class:`~reader.errors.ReaderError`) say so. A write is
committed when the method returns (``synchronous=FULL``): killing the process loses
at most the write in flight.

**Damage.** A file that is not a reader library (garbage, a truncated or foreign
SQLite file) is moved aside under a dated name and a fresh library is created;
:attr:`Library.recovered` says what happened so front ends can tell the user. Damage
deeper in the file (a page only some queries reach) raises :class:`LibraryError` naming
``reader library repair`` (:mod:`reader.library.repair`), which saves every readable
row into a new file. A library written by a newer reader is refused and left alone.

Offsets (highlights, position) are character offsets into :attr:`Article.text`.

The package is split by job: :mod:`~reader.library.store` (the file, connections,
transactions, opening and damage on open), :mod:`~reader.library.ids` (source keys
and the ids users type), :mod:`~reader.library.articles`,
:mod:`~reader.library.stories` (the same-story index),
:mod:`~reader.library.highlights`, :mod:`~reader.library.search`,
:mod:`~reader.library.exports` and :mod:`~reader.library.listening` (listened state and
the queue); :class:`Library` is their methods together.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.library.articles import Articles, ArticleSummary
from reader.library.errors import LibraryBusy, LibraryError, NotInLibrary
from reader.library.exports import ExportRecords
from reader.library.highlights import Highlights
from reader.library.ids import (
    MAX_ID,
    STAND_IN_PREFIX,
    STDIN_PREFIX,
    library_id,
    now,
    parse_id,
    parse_limit,
    source_key,
)
from reader.library.listening import Listening
from reader.library.rows import COLORS
from reader.library.search import Search, SearchHit
from reader.library.store import BUSY_TIMEOUT

# json, datetime and the dataclass records are imported where they are used: `reader
# list` and `reader search` need none of them, and start-up is most of their time.
if TYPE_CHECKING:
    from reader.library.records import (
        AddResult,
        ExportRecord,
        Highlight,
        ImportResult,
        Recovery,
        Similar,
        StoredArticle,
    )

__all__ = [
    "BUSY_TIMEOUT",
    "COLORS",
    "MAX_ID",
    "STAND_IN_PREFIX",
    "STDIN_PREFIX",
    "AddResult",
    "ArticleSummary",
    "ExportRecord",
    "Highlight",
    "ImportResult",
    "Library",
    "LibraryBusy",
    "LibraryError",
    "NotInLibrary",
    "Recovery",
    "SearchHit",
    "Similar",
    "StoredArticle",
    "library_id",
    "now",
    "parse_id",
    "parse_limit",
    "source_key",
]

# The dataclass records, imported from reader.library.records on first use (PEP 562).
_RECORDS = frozenset(
    (
        "AddResult",
        "ExportRecord",
        "Highlight",
        "ImportResult",
        "Recovery",
        "Similar",
        "StoredArticle",
    )
)


def __getattr__(name: str) -> Any:
    if name in _RECORDS:
        from reader.library import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Library(Highlights, Articles, Search, ExportRecords, Listening):
    """A reader library file. Use :meth:`open`; see the module docstring for threads."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        recover: Callable[[Recovery], Recovery] | None = None,
    ) -> None:
        # A file that is not a library is moved aside and read back (the repair's salvage).
        super().__init__(path, recover=recover or _recover)

    def export_json(self, path: str | Path) -> int:
        """Write the whole library to a JSON file (atomically); return the article count."""
        from reader.library import transfer

        return transfer.export_json(self, Path(path))

    def import_json(self, path: str | Path) -> ImportResult:
        """Add a file written by :meth:`export_json` (see :mod:`reader.library.transfer`)."""
        from reader.library import transfer

        return transfer.import_json(self, Path(path))


def _recover(recovery: Recovery) -> Recovery:
    """The repair's salvage, imported when a file must be recovered (rarely)."""
    from reader.library.repair import recover

    return recover(recovery)
