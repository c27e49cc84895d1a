"""Every regular expression that runs on outside text stays linear (issue 11, point 1).

A pattern with nested or overlapping quantifiers (``(?:<!--.*?-->\\s*)*``) or one that
rescans a long run from each of its characters (``\\s*,\\s*`` searched through 30,000
spaces) takes exponential or quadratic time on a small hostile input. Each pattern found
in the modules below (module-level patterns, and those kept in module-level lists, dicts
and objects, so a new one is covered without being listed) is searched, matched and
iterated over generated strings of about 30,000 characters: long runs of its own literal
characters and fragments, of pairs of them, and of the usual suspects (spaces, digits,
letters, dots, comment markers), each with a tail that makes the match fail. A linear
pattern needs milliseconds; a quadratic one minutes, and the test's timeout fails it.
No time is measured: the timeout is the only bound.

The user's own lexicon patterns (``/regex/`` keys in lexicon.toml) are the user's to
write and are not checked here.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODULES = (
    "reader.text.sanitize",
    "reader.text.language",
    "reader.extract.sources",
    "reader.extract.ear",
    "reader.extract.dates",
    "reader.extract.bylines",
    "reader.extract.html",
    "reader.extract.plaintext",
    "reader.extract.textlines",
    "reader.extract.textmeta",
    "reader.text.titles",
    "reader.extract.fetch",
    "reader.extract.consensus",
    "reader.extract.candidates",
    "reader.speech.normalize",
    "reader.speech.normalize_units",
    "reader.speech.normalize_en",
    "reader.speech.normalize_de",
    "reader.speech.spoken",
    "reader.speech.lexicon",
    "reader.speech.plan",
    "reader.export.names",
    "reader.cli.extract",
    "reader.library.anchor",
    "reader.library.similar",
    "reader.text.segment",
)
LENGTH = 30_000
GENERIC: tuple[str, ...] = (" ", "\t", "\n", " \n", "1", "12 ", "1.", "1,", "a", "aa ", "A")
GENERIC += ("Z.", "A. ", ".", "-", " - ", "–", "/", "<", "<!--", "-->", "&#", "@", "a@", "é")
GENERIC += ("\u202e",)
TAILS = ("", "x", "!", "\x00", " ", "\n", ". x")


def _find(value: Any, depth: int = 0) -> Iterator[re.Pattern[Any]]:
    if isinstance(value, re.Pattern):
        yield value
    elif depth >= 3:
        return
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _find(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _find(item, depth + 1)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _find(getattr(value, name, None), depth + 1)


def _patterns() -> dict[str, re.Pattern[Any]]:
    found: dict[str, re.Pattern[Any]] = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if isinstance(value, type):
                continue
            for index, pattern in enumerate(_find(value)):
                key = f"{module_name}.{name}" + (f"[{index}]" if index else "")
                found.setdefault(key, pattern)
    from reader.extract import ear

    found["reader.extract.ear._chrome_phrases()"] = ear._chrome_phrases()[0]
    return found


PATTERNS = _patterns()

# Literal pieces of a pattern's source: the tokens a hostile input would repeat.
_FRAGMENT = re.compile(r"[^\\()\[\]|?*+{}^$]{1,12}")
_ESCAPED = re.compile(r"\\([^\w\s])")


def _tokens(pattern: re.Pattern[Any]) -> list[str]:
    source = pattern.pattern
    if isinstance(source, bytes):
        source = source.decode("latin-1")
    pieces = {m.group() for m in _FRAGMENT.finditer(source)}
    pieces |= {m.group(1) for m in _ESCAPED.finditer(source)}
    singles = {ch for piece in pieces for ch in piece if not ch.isspace()}
    return sorted(pieces | singles)[:200] or ["x"]


def _exercise(pattern: re.Pattern[Any], text: str) -> None:
    subject: Any = text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text
    pattern.search(subject)
    pattern.match(subject)
    for _match in pattern.finditer(subject):
        pass


def _run(unit: str, tail: str) -> str:
    return unit * (LENGTH // max(1, len(unit)) + 1) + tail


def test_the_patterns_are_found() -> None:
    assert len(PATTERNS) > 100
    assert "reader.speech.normalize._EMAIL" in PATTERNS
    assert "reader.extract.dates._DATE_PATTERNS[3]" in PATTERNS


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_is_linear_on_long_runs(name: str) -> None:
    pattern = PATTERNS[name]
    for unit in GENERIC:  # the usual suspects, every time
        for tail in ("", "x"):
            _exercise(pattern, _run(unit, tail))
    tokens = _tokens(pattern)

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.sampled_from(tokens),
        st.sampled_from(["", *tokens, *GENERIC]),
        st.sampled_from(TAILS),
    )
    def check(first: str, second: str, tail: str) -> None:
        _exercise(pattern, _run(first + second, tail))

    check()


# -- the functions that run these patterns on outside text ------------------------------------


def _functions() -> dict[str, Any]:
    from reader.cli.extract import output_stem
    from reader.export.names import safe_stem
    from reader.extract import ear, html, plaintext, sources
    from reader.speech.normalize import normalize
    from reader.text.sanitize import one_line, safe_text

    return {
        "sniff": lambda t: sources.sniff(t, "page.txt"),
        "load_bytes": lambda t: _quiet(sources.load_bytes, t.encode("utf-8"), "x"),
        "decode": lambda t: sources.decode(t.encode("latin-1", "replace")),
        "clean_text": lambda t: _quiet(plaintext.clean_text, t),
        "extract_html": lambda t: _quiet(html.extract_html, t),
        "declared_language": html.declared_language,
        "unspoken": ear.unspoken,
        "parse_byline": ear.parse_byline,
        "find_dates": ear.find_dates,
        "chrome_kind": ear.chrome_kind,
        "normalize en": lambda t: normalize(t, "en"),
        "normalize de": lambda t: normalize(t, "de"),
        "one_line": one_line,
        "safe_text": safe_text,
        "safe_stem": safe_stem,
        "output_stem": output_stem,
        "url_hint": sources.url_hint,
    }


def _quiet(function: Any, *args: Any) -> Any:
    from reader.errors import InputError

    try:
        return function(*args)
    except InputError:  # "no article" is a fine answer; a hang is not
        return None


FUNCTIONS = _functions()
HOSTILE_UNITS = (
    "<!---->",
    "<!--",
    "<html",
    "<meta",
    "<meta charset=",
    "&#27;",
    "\t",
    " ",
    "1",
    "1.",
    "Z.",
    "a@",
    "By Jane Doe, ",
    "Photo: ",
    "© ",
    " | ",
    " - ",
    "12. März ",
    "Foto: dpa / ",
    "read more ",
)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_is_bounded_on_hostile_text(name: str) -> None:
    function = FUNCTIONS[name]

    @settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.sampled_from(HOSTILE_UNITS),
        st.sampled_from(("", *HOSTILE_UNITS)),
        st.sampled_from(TAILS),
    )
    def check(first: str, second: str, tail: str) -> None:
        function(_run(first + second, tail)[: LENGTH // 3])

    check()
