"""The user's pronunciation lexicon: words or regular expressions to spoken forms.

A TOML file (``Settings.lexicon_path()``, by default ``lexicon.toml`` in the config
folder) with one table per language (ISO 639-1 code) and ``"*"`` for every
language::

    [en]
    Nguyen = "Win"                      # a word: whole words only
    gif = "jif"                         # all lowercase: any case (gif, GIF, Gif)
    "/\\b(\\d+)\\s?BCE\\b/" = "\\1 before the common era"   # /regex/: Python syntax

    ["*"]
    "Wi-Fi" = "why fye"

A key with an uppercase letter matches that exact case; an all-lowercase key matches
any case. A key written ``/.../`` is a regular expression; its spoken form may refer
to groups (``\\1``). Entries are applied in file order before the built-in rules of
:mod:`reader.speech.normalize`, with the same offset map, so highlighting stays on
the original words. A bad entry is a :class:`~reader.errors.ConfigError` naming the
file and the entry. ``version`` (a hash of the file) is part of the speech cache key.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from reader.errors import ConfigError
from reader.files import read_user_file
from reader.speech.normalize import Replacement, primary_language

ANY_LANGUAGE = "*"
MAX_BYTES = 1024 * 1024  # a lexicon of a megabyte is some 30,000 entries
_LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Lexicon:
    version: str = "none"
    entries: dict[str, tuple[tuple[re.Pattern[str], Replacement], ...]] = field(
        default_factory=dict
    )

    def rules(self, language: str | None) -> tuple[tuple[re.Pattern[str], Replacement], ...]:
        """The entries for ``language`` ("*" entries first)."""
        return self.entries.get(ANY_LANGUAGE, ()) + self.entries.get(primary_language(language), ())


EMPTY = Lexicon()


def load_lexicon(path: Path) -> Lexicon:
    """The lexicon in ``path`` (empty when the file does not exist); cached by mtime."""
    try:
        stat = path.stat()
    except OSError:
        return EMPTY
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@cache
def _load(path: str, _mtime: int, _size: int) -> Lexicon:
    # A regular file of at most MAX_BYTES: a named pipe or /dev/zero is refused, not read.
    return parse_lexicon(read_user_file(path, MAX_BYTES, error=ConfigError), path)


def parse_lexicon(raw: bytes, source: str) -> Lexicon:
    """Parse lexicon TOML; raise :class:`ConfigError` naming ``source`` and the entry."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(source, f"cannot be read ({error})") from None
    entries: dict[str, tuple[tuple[re.Pattern[str], Replacement], ...]] = {}
    for language, table in data.items():
        if language != ANY_LANGUAGE and not _LANGUAGE_KEY.match(language):
            raise ConfigError(
                source, f'[{language}]: not a language code (use e.g. [en], or ["*"])'
            )
        if not isinstance(table, dict):
            raise ConfigError(
                source, f"{language} = {table!r}: entries go in a table, e.g. [{language}]"
            )
        rules = []
        for key, spoken in table.items():
            rules.append(_entry(source, language, key, spoken))
        code = ANY_LANGUAGE if language == ANY_LANGUAGE else primary_language(language)
        entries[code] = entries.get(code, ()) + tuple(rules)
    version = hashlib.sha256(raw).hexdigest()[:16]
    return Lexicon(version, entries)


def _entry(
    source: str, language: str, key: str, spoken: object
) -> tuple[re.Pattern[str], Replacement]:
    where = f"[{language}] {key!r}"
    if not isinstance(spoken, str):
        raise ConfigError(source, f"{where}: the spoken form must be a string, not {spoken!r}")
    if "[[" in spoken or "\n" in spoken:
        raise ConfigError(source, f"{where}: the spoken form may not hold '[[' or a line break")
    if not key.strip():
        raise ConfigError(source, f"{where}: empty word")
    if len(key) >= 2 and key.startswith("/") and key.endswith("/"):
        try:
            pattern = re.compile(key[1:-1])
        except re.error as error:
            raise ConfigError(source, f"{where}: bad regular expression ({error})") from None
        if pattern.match(""):
            raise ConfigError(source, f"{where}: the regular expression matches empty text")
        risky = backtracking(key[1:-1])
        if risky:
            raise ConfigError(
                source,
                f"{where}: {risky} can take exponential time on some text; write it "
                "without the nesting (a+ rather than (a+)+, [ab]+ rather than (a|b)+)",
            )
        try:
            pattern.sub(spoken, "")  # parses the template: checks group references
        except (re.error, IndexError) as error:
            raise ConfigError(source, f"{where}: bad spoken form ({error})") from None

        def expand(match: re.Match[str]) -> str:
            try:
                return match.expand(spoken)
            except (re.error, IndexError):
                return match.group(0)

        return pattern, expand
    flags = re.IGNORECASE if key == key.lower() else 0
    pattern = re.compile(r"(?<!\w)" + re.escape(key) + r"(?!\w)", flags)
    return pattern, lambda _match: spoken


_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def backtracking(expression: str) -> str | None:
    """What in ``expression`` makes Python's backtracking engine exponential, or None.

    A lexicon is the user's own file, but a typo (``/(a+)+$/``) must not hang ``say``:
    Python's ``re`` has no timeout, so such patterns are refused when the lexicon is
    read. Refused: a repetition of varying length inside a repetition (``(a+)+``,
    ``(\\w+\\s?)*``, ``(?:\\d{1,3},)+``) and alternatives inside a repetition
    (``(a|aa)+``). Allowed: a fixed count inside (``\\d{1,3}(?:,\\d{3})+``), and single
    characters as alternatives (a character set to the parser).
    """
    import re._parser as parser  # the standard parser behind re.compile (sre_parse)

    return _walk(parser.parse(expression), repeated=False)


def _walk(items: Any, repeated: bool) -> str | None:
    for op, value in items:
        name = str(op)
        found: str | None = None
        if name in _REPEATS:
            low, high, body = value
            if repeated and high > 1 and low != high:  # a fixed count ({3}) is one way
                return "a repetition inside a repetition"
            found = _walk(body, repeated or high > 1)
        elif name == "BRANCH":
            if repeated and len(value[1]) > 1:
                return "alternatives inside a repetition"
            found = next((f for b in value[1] if (f := _walk(b, repeated))), None)
        elif name == "ATOMIC_GROUP":
            found = _walk(value, repeated)
        elif name in ("SUBPATTERN", "ASSERT", "ASSERT_NOT"):
            found = _walk(value[-1], repeated)
        elif name == "GROUPREF_EXISTS":
            found = _walk(value[1], repeated) or (value[2] and _walk(value[2], repeated))
        if found:
            return found
    return None
