"""Reading an imported JSON document: typed access that names the JSON path of the
first value that does not fit (``$.articles[3].title: expected a string, got a list``).

Used by ``reader library import`` (:mod:`reader.library.transfer`, and the feeds' part
in :mod:`reader.library.feeds.transfer`): everything is checked before anything is
written, and every string is text (no lone surrogates), one-line metadata bounded.
"""

from __future__ import annotations

import re
from typing import Any

from reader.library.ids import MAX_ID
from reader.text.sanitize import one_line

__all__ = [
    "MAX_LINE_CHARS",
    "Doc",
    "Invalid",
    "check_strings",
    "checked_string",
    "kind_of",
    "optional_line",
]

# Strings that are one line of metadata: nothing longer is kept in a library.
MAX_LINE_CHARS = 10_000
_SURROGATE = re.compile("[\ud800-\udfff]")


class Invalid(Exception):
    """A value of the imported document that does not fit; ``where`` is its JSON path."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")


def kind_of(value: object) -> str:
    """What a JSON value is, as an error says it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class Doc:
    """Typed access to one JSON object of the document, naming the path in every error."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise Invalid(where, f"expected an object, got {kind_of(value)}")
        self.data: dict[str, Any] = value
        self.where = where

    def _get(self, key: str, required: bool) -> tuple[object, str]:
        where = f"{self.where}.{key}"
        if key not in self.data and required:
            raise Invalid(where, "missing")
        return self.data.get(key), where

    def string(self, key: str, *, required: bool = False, line: bool = True) -> str | None:
        """A string (or null, when not required); ``line``: one line of metadata."""
        value, where = self._get(key, required)
        if value is None and not required:
            return None
        return checked_string(value, where, line=line)

    def timestamp(self, key: str, *, required: bool = False) -> str | None:
        """A date and time (ISO 8601, as the library stores them), or null when not
        required: ``9999-99-99T99:99:99`` would sort, list and compare as garbage."""
        from datetime import datetime

        value = self.string(key, required=required)
        if value is None:
            return None
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise Invalid(
                f"{self.where}.{key}",
                f"{one_line(value)[:40]!r} is not a date and time (ISO 8601, e.g. "
                "2024-05-01T10:00:00+00:00)",
            ) from None
        return value

    def integer(
        self, key: str, *, low: int = 0, high: int = MAX_ID, required: bool = False
    ) -> int | None:
        value, where = self._get(key, required)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(where, f"expected an integer, got {kind_of(value)}")
        if not low <= value <= high:
            shown = str(value) if len(str(value)) <= 30 else str(value)[:29] + "…"
            raise Invalid(where, f"{shown} is out of range ({low} to {high})")
        return value

    def child(self, key: str) -> Doc:
        value, where = self._get(key, True)
        return Doc(value, where)

    def boolean(self, key: str) -> bool:
        value, where = self._get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise Invalid(where, f"expected a boolean, got {kind_of(value)}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], *, required: bool = False) -> str | None:
        """One of ``allowed`` (or null, when not required)."""
        value = self.string(key, required=required)
        if value is not None and value not in allowed:
            raise Invalid(
                f"{self.where}.{key}",
                f"{one_line(value)[:40]!r} is not one of {', '.join(allowed)}",
            )
        return value

    def items(self, key: str) -> list[tuple[object, str]]:
        """The elements of a list (absent or null: none), each with its path."""
        value, where = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise Invalid(where, f"expected a list, got {kind_of(value)}")
        return [(item, f"{where}[{n}]") for n, item in enumerate(value)]


def checked_string(value: object, where: str, *, line: bool = True) -> str:
    """``value`` as text: a string, no lone surrogate, one line at most MAX_LINE_CHARS."""
    if not isinstance(value, str):
        raise Invalid(where, f"expected a string, got {kind_of(value)}")
    bad = _SURROGATE.search(value)
    if bad is not None:
        raise Invalid(where, f"a lone surrogate (\\u{ord(bad.group()):04x}) is not text")
    if line and len(value) > MAX_LINE_CHARS:
        raise Invalid(where, f"{len(value)} characters (at most {MAX_LINE_CHARS})")
    return value


def check_strings(value: object, where: str, depth: int = 0) -> None:
    """Every string (and key) of free-form data (export settings) is text."""
    if depth > 32:
        raise Invalid(where, "nested too deeply")
    if isinstance(value, str):
        checked_string(value, where, line=False)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            check_strings(item, f"{where}[{n}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            checked_string(key, f"{where} (a key)", line=False)
            check_strings(item, f"{where}.{key}", depth + 1)


def optional_line(value: str | None) -> str | None:
    """An optional string as one safe line."""
    return None if value is None else one_line(value)
