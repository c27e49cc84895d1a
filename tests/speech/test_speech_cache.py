"""The speech cache: round trip, corruption, LRU bound, atomic writes, two processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reader.speech.cache import Entry, SpeechCache, cache_key


def entry(size: int, seed: int = 1) -> Entry:
    return Entry(bytes([seed % 256]) * size, 22050, ((0, 5, 0), (6, 4, 1000)))


def test_round_trip_and_key_depends_on_everything(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, 10_000_000)
    key = cache_key("espeak-ng 1.52", "gmw/en", 175, 50, 1.0, "Hello.", "none")
    assert cache.get(key) is None
    cache.put(key, entry(1000))
    assert cache.get(key) == entry(1000)
    others = {
        cache_key("espeak-ng 1.51", "gmw/en", 175, 50, 1.0, "Hello.", "none"),
        cache_key("espeak-ng 1.52", "gmw/en-US", 175, 50, 1.0, "Hello.", "none"),
        cache_key("espeak-ng 1.52", "gmw/en", 176, 50, 1.0, "Hello.", "none"),
        cache_key("espeak-ng 1.52", "gmw/en", 175, 51, 1.0, "Hello.", "none"),
        cache_key("espeak-ng 1.52", "gmw/en", 175, 50, 0.9, "Hello.", "none"),
        cache_key("espeak-ng 1.52", "gmw/en", 175, 50, 1.0, "Hello!", "none"),
        cache_key("espeak-ng 1.52", "gmw/en", 175, 50, 1.0, "Hello.", "abc"),
    }
    assert key not in others and len(others) == 7


def test_corrupt_entry_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, 10_000_000)
    key = "ab" + "0" * 38
    cache.put(key, entry(5000))
    (path,) = list(tmp_path.rglob("*.pcm"))
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    assert cache.get(key) is None
    assert not path.exists()
    cache.put(key, entry(5000))
    path.write_bytes(path.read_bytes()[:-10])  # truncated
    assert cache.get(key) is None
    cache.put(key, entry(5000))
    assert cache.get(key) == entry(5000)


def test_lru_eviction_keeps_the_recently_used(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, 50_000)
    keys = [f"{i:02x}" + "0" * 38 for i in range(8)]
    for i, key in enumerate(keys[:4]):
        cache.put(key, entry(10_000, i))
        os.utime(cache._path(key), (1000 + i, 1000 + i))
    assert cache.get(keys[0]) is not None  # touched: now the most recent
    cache.put(keys[4], entry(10_000, 4))  # over the bound: evicts down to 90 %
    assert cache.size() <= 45_000
    assert cache.get(keys[1]) is None  # the least recently used went first
    assert cache.get(keys[0]) is not None
    assert cache.get(keys[2]) is not None
    assert cache.get(keys[4]) is not None


def test_writes_leave_no_temporary_files_and_disabled_cache_stores_nothing(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path / "on", 1_000_000)
    cache.put("cd" + "1" * 38, entry(100))
    assert [p.name for p in (tmp_path / "on").rglob("*") if p.is_file()] == [
        "cd" + "1" * 38 + ".pcm"
    ]
    off = SpeechCache(tmp_path / "off", 0)
    off.put("cd" + "1" * 38, entry(100))
    assert off.get("cd" + "1" * 38) is None and not (tmp_path / "off").exists()


def test_two_processes_writing_and_reading_the_same_entries(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from reader.speech.cache import Entry, SpeechCache\n"
        "cache = SpeechCache(Path(sys.argv[1]), 400_000)\n"
        "bad = 0\n"
        "for round in range(30):\n"
        "    for i in range(10):\n"
        "        key = f'{i:02x}' + '0' * 38\n"
        "        e = Entry(bytes([i]) * 20000, 22050, ((0, 1, 0),))\n"
        "        got = cache.get(key)\n"
        "        if got is not None and got != e: bad += 1\n"
        "        cache.put(key, e)\n"
        "print(bad)\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs == ["0", "0"]  # never a torn or wrong entry
    assert not [p for p in tmp_path.rglob("*.tmp")]
