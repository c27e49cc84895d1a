"""Repair puts a salvaged highlight back on its own article when the article id it
carries was damaged (a flipped bit) and its passage, with the text around it, is in
exactly one other article."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from reader import locations
from reader.library import Library
from tests.library.test_library_repair import build


def test_a_highlight_whose_article_id_was_damaged_goes_back_to_its_article(
    tmp_path: Path,
) -> None:
    sound = tmp_path / "sound.sqlite3"
    build(sound, count=6, marks=2)
    connection = sqlite3.connect(sound)
    (ident, owner), *_ = connection.execute(
        "SELECT id, article_id FROM highlights WHERE note = 'note 2-1'"
    ).fetchall()
    # The bit flip: the highlight now names article 2 ^ 4 = 6 (another article).
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute("UPDATE highlights SET article_id = ? WHERE id = ?", (owner ^ 4, ident))
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    data = bytearray(sound.read_bytes())
    data[:4096] = random.Random(1).randbytes(4096)  # SQLite cannot open it: salvaged
    path = locations.library_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))
    with Library.open(path) as library:
        assert library.recovered is not None
        notes = {h.note: h.article_id for h in library.highlights()}
        assert notes["note 2-1"] == owner != owner ^ 4
        assert notes["note 2-0"] == owner
        assert all(not h.detached for h in library.highlights())
