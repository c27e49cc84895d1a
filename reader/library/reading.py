"""Reading what a damaged library file still holds: table rows by seek, pages by hand.

:class:`TableRows` reads one table through SQLite, stepping over the key ranges of
damaged pages (see :mod:`reader.library.rescue` for why row by row);
:func:`named_ids` reads the ids an index names. Pages by hand are what SQLite's
``.recover`` does, narrowly: every table leaf page of the file (and the
newer copies of pages its write-ahead log holds) is parsed by hand, record by record
(:func:`scan`). A repair uses it for rows a damaged interior page hides from every
query (:func:`from_pages`); a salvage of a file SQLite cannot open at all reads the
whole file this way (:func:`reader.library.repair.salvage`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["TableRows", "from_pages", "indexed_values", "named_ids", "scan", "table_names"]

# SQLite's rowids are signed 64-bit integers.
_LOW = -(2**63)
_HIGH = 2**63 - 1
_BATCH = 256


class TableRows:
    """Reads one rowid table tolerating damaged pages; counts what it had to skip."""

    def __init__(self, c: sqlite3.Connection, table: str, key: str, columns: str) -> None:
        self.c = c
        self.table = table
        self.key = key
        self.columns = columns
        self.unreadable: set[int] = set()  # keys seen whose row could not be read
        self.skipped = 0  # key ranges skipped because no seek into them worked

    def _seek(self, after: int) -> int | None:
        row = self.c.execute(
            f"SELECT {self.key} FROM {self.table} WHERE {self.key} > ? ORDER BY {self.key} LIMIT 1",
            (after,),
        ).fetchone()
        return None if row is None else int(row[0])

    def _can_seek(self, after: int) -> bool:
        try:
            self._seek(after)
        except sqlite3.DatabaseError:
            return False
        return True

    def _skip(self, last: int) -> int | None:
        """The smallest ``p > last`` from which a seek works, or ``None`` if none does.

        A seek for ``key > p`` starts by positioning at ``p``, so it fails while ``p``
        lies in the key range of a damaged page (up to and including its last key) and
        works on both sides of it: probe ``last + 1, + 2, + 4...`` until one works,
        then bisect back to the first that does, so no readable row after the damage
        is stepped over.
        """
        bad, step = last, 1
        while True:
            probe = min(last + step, _HIGH)
            if self._can_seek(probe):
                break
            bad = probe
            if probe >= _HIGH:
                return None
            step *= 2
        good = probe
        while good - bad > 1:
            middle = (bad + good) // 2
            if self._can_seek(middle):
                good = middle
            else:
                bad = middle
        return good

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Every readable row, by key (the key first, then ``columns``)."""
        select = f"SELECT {self.key}, {self.columns} FROM {self.table}"
        last = _LOW
        while True:
            try:
                batch = self.c.execute(
                    f"{select} WHERE {self.key} > ? ORDER BY {self.key} LIMIT {_BATCH}", (last,)
                ).fetchall()
            except sqlite3.DatabaseError:
                batch = None
            if batch is not None:
                if not batch:
                    return
                yield from batch
                last = int(batch[-1][0])
                continue
            # Something in the next batch is damaged: go one row at a time.
            try:
                following = self._seek(last)
            except sqlite3.DatabaseError:
                skipped_to = self._skip(last)
                self.skipped += 1
                if skipped_to is None:
                    return
                # ``key > p`` positions at ``p`` first, so the row keyed ``p`` itself (the
                # first of the next sound page) is read by a lookup, not by the scan.
                last = skipped_to
                with suppress(sqlite3.DatabaseError):
                    first = self.c.execute(f"{select} WHERE {self.key} = ?", (last,)).fetchone()
                    if first is not None:
                        yield first
                continue
            if following is None:
                return
            try:
                row = self.c.execute(f"{select} WHERE {self.key} = ?", (following,)).fetchone()
            except sqlite3.DatabaseError:
                row = None  # the key is in a sound page; its payload (overflow) is not
                self.unreadable.add(following)
            if row is not None:
                yield row
            last = following


def named_ids(c: sqlite3.Connection, query: str) -> tuple[set[int], bool]:
    """Integer ids a query names, read forwards and backwards up to any damage.

    The flag says whether the whole of it could be read (the ids are then all there).
    """
    found: set[int] = set()
    whole = False
    for order in ("ASC", "DESC"):
        try:
            for row in c.execute(query.format(order=order)):
                if isinstance(row[0], int):
                    found.add(row[0])
        except sqlite3.DatabaseError:
            continue
        whole = True
        break
    return found, whole


def indexed_values(c: sqlite3.Connection, query: str) -> tuple[dict[int, Any], bool]:
    """``{id: value}`` from a query of ``id, value`` through a covering index, read
    forwards and backwards up to any damage (as :func:`named_ids`): an index keeps its
    column's value for rows whose own page is lost (an article's source, its date)."""
    found: dict[int, Any] = {}
    whole = False
    for order in ("ASC", "DESC"):
        try:
            for row in c.execute(query.format(order=order)):
                if isinstance(row[0], int):
                    found.setdefault(row[0], row[1])
        except sqlite3.DatabaseError:
            continue
        whole = True
        break
    return found, whole


def table_names(c: sqlite3.Connection) -> set[str]:
    return {str(r[0]) for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def small_table(
    c: sqlite3.Connection, tables: set[str], table: str, columns: str
) -> list[tuple[Any, ...]]:
    """Every row of a small table of derived state (``tables``: those the file has), read
    whole; none when it is missing or its read fails: such a table's loss costs a mark
    or a place, never an article."""
    if table not in tables:
        return []
    try:
        return [tuple(row) for row in c.execute(f"SELECT {columns} FROM {table}")]
    except sqlite3.DatabaseError:
        return []


# A test replaces this to stop a repair half-way, as a crash would.


# -- pages by hand --------------------------------------------------------------------


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's big-endian varint at ``at``: its value and where the next field starts."""
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    return (value << 8) | data[at + 8], at + 9


def _record(payload: bytes) -> list[Any]:
    """The values of one record (SQLite's record format); raises on anything malformed."""
    size, at = _varint(payload, 0)
    types = []
    while at < size:
        kind, at = _varint(payload, at)
        types.append(kind)
    values: list[Any] = []
    at = size
    widths = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}
    for kind in types:
        if kind == 0:
            values.append(None)
        elif kind in widths:
            width = widths[kind]
            chunk = payload[at : at + width]
            if len(chunk) != width:
                raise ValueError("record ends early")
            values.append(int.from_bytes(chunk, "big", signed=True))
            at += width
        elif kind == 7:
            import struct

            values.append(struct.unpack(">d", payload[at : at + 8])[0])
            at += 8
        elif kind in (8, 9):
            values.append(kind - 8)
        elif kind >= 12:
            length = (kind - 12) // 2
            chunk = payload[at : at + length]
            if len(chunk) != length:
                raise ValueError("record ends early")
            values.append(chunk.decode("utf-8") if kind % 2 else chunk)
            at += length
        else:
            raise ValueError(f"reserved serial type {kind}")
    return values


def from_pages(path: Path, wanted: dict[int, set[int]]) -> dict[int, dict[int, list[Any]]]:
    """Rows with the wanted rowids found on any table leaf page of the file, by width.

    What SQLite's ``.recover`` does, narrowly: each page that is not on the freelist and
    is a table leaf is parsed by hand (:func:`scan`), and a record is taken when its
    number of columns says which table it belongs to (11 highlights, 5 exports, 15
    articles, 12 feeds, 8 feed items: no other table of the library has those widths)
    and the indexes named its rowid as missing, so a deleted row left on an old page
    never comes back.
    """
    found: dict[int, dict[int, list[Any]]] = {width: {} for width in wanted}
    for rowid, values in scan(path):
        width = len(values)
        if width in wanted and rowid in wanted[width] and values[0] is None:
            found[width].setdefault(rowid, values)
    return found


# Pages are read one at a time; a record is never assembled past this many bytes (a
# library's largest, an article model, is well under a megabyte).
_MAX_PAYLOAD = 64 << 20
_PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
_WAL_MAGIC = (0x377F0682, 0x377F0683)


class _Pages:
    """The pages of a database file (and of its write-ahead log, which holds newer
    copies of some), read by number; tolerant of a damaged or missing header."""

    def __init__(self, path: Path) -> None:
        self.handle = path.open("rb")
        header = self.handle.read(100)
        size = int.from_bytes(header[16:18], "big") if len(header) >= 18 else 0
        size = 65536 if size == 1 else size
        self.trusted = header.startswith(b"SQLite format 3\x00") and size in _PAGE_SIZES
        self.page_size = size if self.trusted else self._guess_size()
        self.usable = self.page_size - (header[20] if self.trusted and header[20] < 64 else 0)
        self.count = os.fstat(self.handle.fileno()).st_size // self.page_size
        self.wal: dict[int, int] = {}  # page number -> offset of its latest frame
        self.wal_handle: BinaryIO | None = None
        self.free: set[int] = self._freelist(header) if self.trusted else set()
        wal = Path(f"{path}-wal")
        if wal.is_file():
            self._read_wal(wal)

    def close(self) -> None:
        self.handle.close()
        if self.wal_handle is not None:
            self.wal_handle.close()

    def _guess_size(self) -> int:
        """The page size under which most pages start like a b-tree page (header lost)."""
        best, score = 4096, -1
        for size in _PAGE_SIZES:
            hits = 0
            for number in range(2, 258):
                self.handle.seek((number - 1) * size)
                head = self.handle.read(8)
                if len(head) < 8:
                    break
                cells = int.from_bytes(head[3:5], "big")
                if head[0] in (2, 5, 10, 13) and 0 < cells <= size // 4:
                    hits += 1
            if hits > score:
                best, score = size, hits
        return best

    def _freelist(self, header: bytes) -> set[int]:
        free: set[int] = set()
        trunk = int.from_bytes(header[32:36], "big")
        while 0 < trunk <= self.count and trunk not in free:
            free.add(trunk)
            data = self.read(trunk) or b""
            count = min(int.from_bytes(data[4:8], "big"), (self.usable - 8) // 4)
            free.update(int.from_bytes(data[8 + 4 * i : 12 + 4 * i], "big") for i in range(count))
            trunk = int.from_bytes(data[0:4], "big")
        return free

    def _read_wal(self, wal: Path) -> None:
        """Index the log's frames whose salt is the log header's (the current ones)."""
        handle = wal.open("rb")
        header = handle.read(32)
        if len(header) < 32 or int.from_bytes(header[0:4], "big") not in _WAL_MAGIC:
            handle.close()
            return
        if int.from_bytes(header[8:12], "big") != self.page_size:
            handle.close()
            return
        salt = header[16:24]
        frames = (os.fstat(handle.fileno()).st_size - 32) // (24 + self.page_size)
        for n in range(frames):
            offset = 32 + n * (24 + self.page_size)
            handle.seek(offset)
            head = handle.read(24)
            number = int.from_bytes(head[0:4], "big")
            if head[8:16] == salt and number > 0:
                self.wal[number] = offset + 24
                self.count = max(self.count, number)
        self.wal_handle = handle

    def read(self, number: int) -> bytes | None:
        if number in self.wal and self.wal_handle is not None:
            self.wal_handle.seek(self.wal[number])
            data = self.wal_handle.read(self.page_size)
        else:
            self.handle.seek((number - 1) * self.page_size)
            data = self.handle.read(self.page_size)
        return data if len(data) == self.page_size else None

    def payload(self, data: bytes, at: int, length: int) -> bytes | None:
        """A cell's payload from ``at`` on its page, following its overflow pages."""
        usable = self.usable
        most = usable - 35
        if length <= most:
            chunk = data[at : at + length]
            return chunk if len(chunk) == length and at + length <= usable else None
        if length > _MAX_PAYLOAD:
            return None
        least = ((usable - 12) * 32 // 255) - 23
        local = least + ((length - least) % (usable - 4))
        local = local if local <= most else least
        if at + local + 4 > usable:
            return None
        parts = [data[at : at + local]]
        remaining = length - local
        following = int.from_bytes(data[at + local : at + local + 4], "big")
        seen: set[int] = set()
        while remaining > 0:
            if not 0 < following <= self.count or following in seen:
                return None
            seen.add(following)
            page = self.read(following)
            if page is None:
                return None
            chunk = page[4 : 4 + min(remaining, usable - 4)]
            parts.append(chunk)
            remaining -= len(chunk)
            following = int.from_bytes(page[0:4], "big")
        return b"".join(parts)


def scan(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """Every record on the table leaf pages of the file at ``path``: (rowid, values).

    Pages on the freelist are skipped when the header can be trusted to name it; a
    page, a cell or a record that does not parse is skipped.
    """
    pages = _Pages(path)
    try:
        for number in range(1, pages.count + 1):
            if number in pages.free:
                continue
            data = pages.read(number)
            start = 100 if number == 1 else 0
            if data is None or data[start] != 0x0D:
                continue
            cells = min(int.from_bytes(data[start + 3 : start + 5], "big"), pages.usable // 4)
            for i in range(cells):
                with suppress(IndexError, ValueError, UnicodeDecodeError):
                    at = int.from_bytes(data[start + 8 + 2 * i : start + 10 + 2 * i], "big")
                    if not start + 8 <= at < pages.usable:
                        continue
                    length, at = _varint(data, at)
                    rowid, at = _varint(data, at)
                    payload = pages.payload(data, at, length)
                    if payload is None:
                        continue
                    yield (rowid if rowid < 2**63 else rowid - 2**64), _record(payload)
    finally:
        pages.close()
