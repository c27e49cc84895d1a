"""The names the library gives and takes: source keys, ids and counts users type, times.

One parser per kind of input (:func:`parse_id`, :func:`parse_limit`, :func:`library_id`)
and one place deciding the source an article is kept under (:func:`source_key`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import InputError
from reader.library.errors import NotInLibrary

if TYPE_CHECKING:
    from reader.text.article import Article

__all__ = [
    "MAX_ID",
    "STAND_IN_PREFIX",
    "STDIN_PREFIX",
    "library_id",
    "now",
    "parse_id",
    "parse_limit",
    "source_key",
]

STDIN_PREFIX = "stdin:"
# The source of a stand-in article a repair made for highlights whose article's text and
# source were both lost (reader.library.repair): a name, never a path to resolve.
STAND_IN_PREFIX = "recovered:article-"


def source_key(article: Article, source: str | None = None) -> str:
    """The source ``article`` is kept under in the library: the one place that decides.

    ``source`` (what the user gave), else the article's own source, else its URL. Text
    with no name (``-``: stdin or a paste, without a URL) is named by its content:
    ``stdin:`` and the first 16 hex digits of its content hash, the key export uses
    for such items too. Two different piped articles are then two articles, and the
    same text piped again is the one already kept (a shared ``-`` would make the
    second replace the first, as a re-fetched URL replaces its old text).
    A file is kept under its absolute path, so ``reader add notes.txt`` in one folder
    and ``reader open ~/notes.txt`` in another find the same article.
    """
    for name in (source, article.source, article.url):
        if name and name != "-":
            if "://" in name or name.startswith((STDIN_PREFIX, "library:", STAND_IN_PREFIX)):
                return name
            return str(Path(name).expanduser().resolve())
    return STDIN_PREFIX + article.content_hash[:16]


def stored_source(article: Article) -> str:
    """The source an article's stored model names, as the library keeps sources, but
    never resolved against the current folder: a repair runs wherever the next command
    runs. Stored models name the absolute path (:meth:`Library.add`); a relative name
    kept by an older version stays as it is rather than pointing into the wrong folder."""
    for name in (article.source, article.url):
        if name and name != "-":
            return str(Path(name).expanduser()) if name.startswith("~") else name
    return STDIN_PREFIX + article.content_hash[:16]


# SQLite's integers (ids, offsets, LIMIT) are signed 64-bit: anything larger raises
# OverflowError when bound, so every number a user or a file gives is checked first.
MAX_ID = 2**63 - 1


def _number(text: str) -> int | None:
    """``text`` as a whole number from 0 to :data:`MAX_ID` (ASCII digits only), or None.

    ``str.isdigit`` alone also accepts digits ``int`` refuses ("²"), and ``int`` of a
    100,000-digit string is slow and refused by Python: the length is checked first.
    """
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(MAX_ID)):
        return None
    value = int(digits)
    return value if value <= MAX_ID else None


def _shown(text: str, width: int = 40) -> str:
    """What the user typed, as one safe line for a message."""
    from reader.text.sanitize import one_line

    flat = one_line(text)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def parse_id(text: str, what: str = "article") -> int:
    """The id a user typed (``reader show ID``, ``rm``, ``highlight``...): the one parser.

    Not a whole number: :class:`~reader.errors.InputError`. A number no row can have
    (0, or beyond SQLite's 64-bit integers): :class:`NotInLibrary`, as any absent id.
    """
    if not (text.strip().isascii() and text.strip().isdigit()):
        raise InputError(
            _shown(text) or repr(text), f"not an {what} id (a whole number, as `reader list` shows)"
        )
    value = _number(text)
    if value is None or value < 1:
        raise NotInLibrary(f"{what} {_shown(text.strip())}", "not in the library")
    return value


def parse_limit(text: str, option: str = "--limit") -> int:
    """A count a user typed (``--limit N``): a whole number from 1 to :data:`MAX_ID`."""
    value = _number(text)
    if value is None or value < 1:
        raise InputError(f"{option} {_shown(text)}", f"give a whole number from 1 to {MAX_ID}")
    return value


def library_id(label: str) -> int | None:
    """The library article an input names: ``library:12``, or ``12`` when no file is
    called so (``reader open 12``, ``reader export 12``); parsed by :func:`parse_id`."""
    text = label.removeprefix("library:")
    if (
        text.isascii()
        and text.isdigit()
        and (label.startswith("library:") or not Path(label).exists())
    ):
        return parse_id(text)
    return None


def now() -> str:
    """The current time as stored: ISO 8601, UTC, to the microsecond (sorts as text)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="microseconds")
