"""The speech cache: synthesized sentences on disk, so replaying costs no synthesis.

One file per sentence under ``reader.locations.speech_cache_dir()``, named by a hash
of everything that changes the audio: engine (and its version), voice, rate, pitch,
volume, the normalized text and the lexicon version. A file holds a small header,
the word events (positions in the normalized text) and the PCM, with a CRC32 over
all of it: a truncated or corrupt entry reads as a miss and is rewritten.

Writes go to a unique temporary name in the same folder and are renamed into place
(``os.replace``), so a reader never sees half a file, and two processes writing the
same entry both end with a whole one. Reads touch the file's mtime; when the total
size passes ``Settings.cache_mb`` the oldest files (least recently used) are deleted
down to 90 % of the bound. Files vanishing under us (another process evicting) are
misses, never errors. The cache never raises for an I/O problem: it is an
optimization, so a full or read-only disk only costs speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

from reader import locations
from reader.files import atomic_writer

MAGIC = b"RSC1"
_HEADER = struct.Struct("<4sIIQI")  # magic, sample_rate, word count, pcm bytes, crc32
_WORD = struct.Struct("<III")  # start, length, sample
SUFFIX = ".pcm"


@dataclass(frozen=True, slots=True)
class Entry:
    pcm: bytes
    sample_rate: int
    words: tuple[tuple[int, int, int], ...]  # (start, length, sample) in the normalized text


def cache_key(
    engine: str, voice: str, rate: int, pitch: int, volume: float, text: str, lexicon: str
) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in (MAGIC.decode(), engine, voice, str(rate), str(pitch), f"{volume:.3f}", lexicon):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class SpeechCache:
    """A size-bounded LRU cache of synthesized sentences in one folder."""

    def __init__(self, folder: Path | None = None, limit_bytes: int | None = None) -> None:
        if folder is None:
            folder = locations.speech_cache_dir()
        if limit_bytes is None:  # the default setting; the user's comes with the options
            from reader.config import Settings

            limit_bytes = Settings.cache_mb << 20
        self.folder = folder
        self.limit = limit_bytes
        self._lock = threading.Lock()
        self._size: int | None = None  # estimate of the folder's size, None: not scanned

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / (key + SUFFIX)

    def get(self, key: str) -> Entry | None:
        if not self.enabled:
            return None
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        entry = _decode(data)
        if entry is None:  # corrupt: drop it, the caller rewrites it
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used
        return entry

    def put(self, key: str, entry: Entry) -> None:
        if not self.enabled:
            return
        parts = _encode(entry)
        total = sum(len(part) for part in parts)
        if total > self.limit:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_writer(path) as handle:
                for part in parts:  # no concatenated copy of the PCM
                    handle.write(part)
        except OSError:
            return
        with self._lock:
            if self._size is None:
                self._size = self._scan_size()
            else:
                self._size += total
            over = self._size > self.limit
        if over:
            self.evict()

    def _scan_size(self) -> int:
        return sum(size for _path, size, _mtime in self._files())

    def _files(self) -> list[tuple[Path, int, float]]:
        found = []
        try:
            folders = list(os.scandir(self.folder))
        except OSError:
            return []
        for folder in folders:
            try:
                if not folder.is_dir():
                    continue
                for item in os.scandir(folder.path):
                    if item.name.endswith(SUFFIX) and not item.name.startswith("."):
                        stat = item.stat()
                        found.append((Path(item.path), stat.st_size, stat.st_mtime))
            except OSError:
                continue
        return found

    def evict(self) -> None:
        """Delete least recently used entries until the cache is at 90 % of its bound."""
        with self._lock:
            files = self._files()
            total = sum(size for _p, size, _m in files)
            target = int(self.limit * 0.9)
            for path, size, _mtime in sorted(files, key=lambda item: item[2]):
                if total <= target:
                    break
                with contextlib.suppress(OSError):  # another process got there first
                    path.unlink()
                total -= size
            self._size = total

    def size(self) -> int:
        return self._scan_size()


def _encode(entry: Entry) -> tuple[bytes, ...]:
    words = b"".join(_WORD.pack(*word) for word in entry.words)
    crc = zlib.crc32(entry.pcm, zlib.crc32(words))
    header = _HEADER.pack(MAGIC, entry.sample_rate, len(entry.words), len(entry.pcm), crc)
    return header, words, entry.pcm


def _decode(data: bytes) -> Entry | None:
    if len(data) < _HEADER.size:
        return None
    magic, rate, count, pcm_bytes, crc = _HEADER.unpack_from(data)
    words_end = _HEADER.size + count * _WORD.size
    if magic != MAGIC or rate <= 0 or len(data) != words_end + pcm_bytes:
        return None
    view = memoryview(data)
    if zlib.crc32(view[_HEADER.size :]) != crc:
        return None
    words = tuple(_WORD.unpack_from(data, _HEADER.size + i * _WORD.size) for i in range(count))
    return Entry(bytes(view[words_end:]), rate, words)
