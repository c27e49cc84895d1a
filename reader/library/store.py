"""The library file: connections, threads, transactions, and opening it whatever it holds.

:class:`Store` is the base of :class:`reader.library.Library`: it opens the file
(creating or migrating it, :mod:`reader.library.schema`), keeps one SQLite connection
per thread and runs reads and write transactions; the other modules of the package add
the library's methods on top of it.

**Threads.** A library may be shared by threads (the TUI calls it from workers): each
thread gets its own SQLite connection on first use, because sqlite3 connections must
stay in the thread that made them. :meth:`Store.close` closes them all.

**Processes.** Every write is one ``BEGIN IMMEDIATE`` transaction and waits up to
:data:`BUSY_TIMEOUT` seconds for another writer; only after that does a
:class:`LibraryBusy` error say so.

**Damage.** A file that is not a reader library is moved aside under a dated name
(:func:`move_aside`) and what its pages still hold is read back into a fresh library
(:func:`reader.library.repair.salvage`). Damage deeper in the file raises
:class:`LibraryError` naming ``reader library repair``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Self, TypeVar

from reader import locations
from reader.errors import ReaderError
from reader.library import schema
from reader.library.errors import LibraryBusy, LibraryError, NotInLibrary

if TYPE_CHECKING:
    from reader.library.records import Recovery

__all__ = [
    "BUSY_TIMEOUT",
    "FOREIGN",
    "SQLITE_HEADER",
    "LibraryBusy",
    "LibraryError",
    "NotInLibrary",
    "Store",
    "inspect_file",
    "move_aside",
]

BUSY_TIMEOUT = 15.0  # seconds a write waits for another process before giving up
SQLITE_HEADER = b"SQLite format 3\x00"
FOREIGN = "an SQLite database of another program"
NOT_SQLITE = "not an SQLite database"

_T = TypeVar("_T")


class Store:
    """A library file's connections (one per thread) and transactions."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        recover: Callable[[Recovery], Recovery] | None = None,
    ) -> None:
        """Open (creating or migrating) the library at ``path``; same as :meth:`open`.

        A file that is not a library is moved aside; ``recover`` (the library's salvage,
        :func:`reader.library.repair.recover`) may then read back what it held. The store
        is told how to recover rather than importing the repair, which is built on it.
        """
        target = Path(path) if path is not None else locations.library_file()
        self.path = target
        self.recovered: Recovery | None = None
        self._local = threading.local()
        self._holders: weakref.WeakSet[_Holder] = weakref.WeakSet()
        self._lock = threading.Lock()
        locations.writable(target.parent)  # SQLite makes its -wal and -shm files there
        problem = inspect_file(target)
        if problem is not None:
            self.recovered = move_aside(target, problem)
            if recover is not None:
                self.recovered = recover(self.recovered)
        try:
            schema.migrate(self._connection())
        except schema.NewerSchema as newer:
            self.close()
            raise LibraryError(
                str(target),
                f"written by a newer version of reader (library version {newer.version}, "
                f"this reader knows up to {schema.LATEST}); update reader to use it",
            ) from None
        except sqlite3.DatabaseError as error:
            self.close()
            raise _translate(error, target) from None

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str | None = None) -> Self:
        """Open (creating or migrating) the library at ``path``.

        ``path`` defaults to :func:`reader.locations.library_file`. A file that is not
        a reader library is moved aside (see :class:`Recovery` and :attr:`recovered`);
        one written by a newer reader raises :class:`LibraryError` and is left alone.
        """
        return cls(path)

    def close(self) -> None:
        """Close every thread's connection. The library can be used again afterwards."""
        with self._lock:
            holders = list(self._holders)
            self._holders = weakref.WeakSet()
            self._local = threading.local()
        for holder in holders:
            holder.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        holder: _Holder | None = getattr(self._local, "holder", None)
        if holder is None:
            holder = _Holder(_connect(self.path))
            self._local.holder = holder
            with self._lock:
                self._holders.add(holder)
        return holder.connection

    # -- plumbing -----------------------------------------------------------------------

    def _read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        try:
            return work(self._connection())
        except sqlite3.DatabaseError as error:
            raise _translate(error, self.path) from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with the write lock up front.

        ``BEGIN IMMEDIATE`` rather than a deferred transaction: a deferred one that
        reads first and then writes can fail with SQLITE_BUSY at once, without waiting,
        when another process committed in between; an immediate one just waits.
        """
        connection = self._connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise _translate(error, self.path) from None
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException as error:
            with suppress(sqlite3.DatabaseError):
                connection.execute("ROLLBACK")
            if isinstance(error, sqlite3.DatabaseError):
                raise _translate(error, self.path) from None
            raise

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` or the problems found."""
        rows = self._read(lambda c: c.execute("PRAGMA integrity_check").fetchall())
        return "\n".join(str(r[0]) for r in rows)


class _Holder:
    """One thread's connection, closed when the thread ends and its locals go.

    Textual starts a thread per worker; without this every worker would leave a
    connection open until the program ends.
    """

    __slots__ = ("__weakref__", "connection")

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def close(self) -> None:
        self.connection.close()

    def __del__(self) -> None:
        self.connection.close()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(
        # Each connection is used by one thread only (Library keeps them per thread);
        # not checking lets a finished thread's connection be closed from another.
        path,
        timeout=BUSY_TIMEOUT,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        connection.execute("PRAGMA foreign_keys = ON")
        # FULL: a commit is on disk before the call returns, even across a power cut.
        connection.execute("PRAGMA synchronous = FULL")
        _use_wal(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode (a new library; later opens find it so already).

    Switching needs the file to itself, and SQLite reports "database is locked" at
    once instead of waiting when another process has it open (two readers creating
    a library at the same moment): retry until the other is done, up to
    ``BUSY_TIMEOUT``. Usually the other process has switched it meanwhile.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                return
            connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            text = str(error)
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _translate(error: sqlite3.DatabaseError, path: Path) -> ReaderError:
    """SQLite's errors as one line for the user; "database is locked" never reaches them."""
    text = str(error)
    if isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return LibraryBusy(
            str(path),
            f"another reader kept the library busy for over {BUSY_TIMEOUT:.0f} s; try again",
        )
    if isinstance(error, sqlite3.OperationalError) and "readonly" in text:
        return LibraryError(str(path), "cannot write to the library (read-only file or folder)")
    if isinstance(error, sqlite3.OperationalError) and "unable to open" in text:
        return LibraryError(str(path), "cannot open the library file")
    if isinstance(error, sqlite3.OperationalError):
        return LibraryError(str(path), f"library error: {text}")
    return LibraryError(
        str(path),
        f"the library file is damaged ({text}); run `reader library repair` to save every "
        "readable article and highlight into a new library",
    )


def inspect_file(path: Path) -> str | None:
    """Why the file at ``path`` is not a usable library, or ``None`` if it is (or is absent).

    A newer library is *usable* here (it is refused later, without being moved).
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise LibraryError(str(path), "is a folder, not a library file") from None
    except OSError as error:
        raise LibraryError(str(path), f"cannot be read ({error.strerror})") from None
    if not header:
        return None  # an empty file is an empty database
    if header != SQLITE_HEADER:
        return NOT_SQLITE
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
        try:
            app_id = connection.execute("PRAGMA application_id").fetchone()[0]
            tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            return None  # in use by another process: certainly a database
        return f"cannot be read as a database: {error}"
    except sqlite3.DatabaseError as error:
        return f"damaged: {error}"
    if app_id == schema.APPLICATION_ID:
        return None
    if app_id == 0 and tables == 0 and version == 0:
        return None  # an empty SQLite file
    return FOREIGN


def move_aside(path: Path, reason: str) -> Recovery:
    """Rename the file (and its -wal/-shm companions) to a dated name that is free."""
    from datetime import datetime

    from reader.library.records import Recovery

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        suffix = "" if attempt == 1 else f"-{attempt}"
        target = path.with_name(f"{path.name}.broken-{stamp}{suffix}")
        companions = [Path(f"{target}{tail}") for tail in ("-wal", "-shm", "-journal")]
        if not target.exists() and not any(c.exists() for c in companions):
            break
    else:  # pragma: no cover - a thousand damaged libraries in one second
        raise LibraryError(str(path), "damaged, and no free name to move it aside")
    try:
        os.rename(path, target)
    except FileNotFoundError:
        pass  # another process moved it first
    except OSError as error:
        raise LibraryError(
            str(path), f"not a usable library ({reason}) and cannot be moved aside: {error}"
        ) from None
    for tail in ("-wal", "-shm", "-journal"):
        companion = Path(f"{path}{tail}")
        if companion.exists():
            with suppress(OSError):
                os.rename(companion, Path(f"{target}{tail}"))
    return Recovery(path=path, moved_to=target, reason=reason)
