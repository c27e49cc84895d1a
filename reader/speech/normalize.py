"""Text for the ear: what eSpeak NG should read, with a map back to what is shown.

Articles are written for the eye. Read as they are, a URL is spelled out slash by
slash, an emoji becomes "grinning face", "$5.99" becomes "dollar five point nine
nine", "the 1990s" becomes "nineteen hundred and ninety s", "Dec. 5" gets a full stop
in the middle, "IPO" is read as a word. :func:`normalize` rewrites such forms (each
rule was checked against what espeak-ng 1.52 actually says for it: those for every
language here, the language's own in :mod:`reader.speech.normalize_en` and
:mod:`reader.speech.normalize_de`, units in :mod:`reader.speech.normalize_units`) and keeps,
for every character of the result, the span of the original it came from, so word
times from the engine land on the right words of the displayed text.

Everything here works on one sentence at a time (a few hundred characters), so the
per-character offset lists stay small.

SSML-like ``<tags>`` are not touched: we never enable eSpeak's SSML mode, so they
are read as text. eSpeak's ``[[phonemes]]`` are read as text too (phoneme input is
never enabled), and ``[[``/``]]`` are blanked on top of that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from reader.speech.spoken import Replacement as Replacement
from reader.speech.spoken import Spoken as Spoken
from reader.speech.spoken import const
from reader.text.language import base

# A token this long without a space is no word (a hash, base64, a pasted blob): it is
# skipped rather than spelled out letter by letter for minutes.
MAX_TOKEN = 60


# -- every language ---------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff\ufe0e\ufe0f]+")
_PHONEME_BRACKETS = re.compile(r"\[\[|\]\]")
_DOUBLE_QUOTES = re.compile(r"[“”„‟«»″〝〞＂]")
_SINGLE_QUOTES = re.compile(r"[‘’‚‛′‹›`´]")
_DIGIT_DASH = re.compile(r"(?<=\d)\s?[–—‒]\s?(?=\d)")
# Patterns that open with a repeated class start only where its run starts ((?<!\s),
# (?<!\d)...): searched from every character of a long run, they were quadratic.
_DASH = re.compile(r"(?<!\s)\s*[—―‒]\s*|(?<!\s)\s+[–-]\s+")
_ELLIPSIS = re.compile(r"…")
_BULLET = re.compile(r"^[\s•◦▪▫‣⁃●○■□◆◇►▶▸➤➢❯»·∙*+\-–—]+\s")
_DECORATION = re.compile(
    "["
    "\u2190-\u21ff"  # arrows
    "\u2300-\u23ff"  # technical symbols (⌘, ⏰)
    "\u2500-\u25ff"  # box drawing, blocks, geometric shapes
    "\u2600-\u27bf"  # miscellaneous symbols, dingbats (★ ✓ ❤)
    "\u2900-\u297f"  # supplemental arrows
    "\u2b00-\u2bff"  # more arrows and shapes
    "\u2022\u2023\u2043\u2219\u00b7\u2122\u00ae"  # bullets, ™ ®
    "\U0001f000-\U0001faff"  # emoji, pictographs, flags
    "\U0001fb00-\U0001fbff"
    "]+"
)
_RULE = re.compile(r"([*=_~#|^<>+\-])\1{2,}")  # ***, ===, ---, ~~~ (decoration)
_BAR = re.compile(r"(?<!\s)\s+\|\s+")  # "Home | News | Sport"
_URL = re.compile(
    r"\b(?:https?://|ftp://|www\.)[^\s<>\"'()\[\]{}]*[^\s<>\"'()\[\]{}.,;:!?]", re.IGNORECASE
)
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@((?:[\w-]+\.)+[a-z]{2,})\b", re.IGNORECASE)
_LONG_TOKEN = re.compile(rf"\S{{{MAX_TOKEN},}}")


def _url(match: re.Match[str]) -> str:
    raw = match.group(0)
    host = urlsplit(raw if "://" in raw else "http://" + raw).hostname or ""
    return host.removeprefix("www.") or "a link"


def _common(spoken: Spoken) -> Spoken:
    spoken = spoken.rewrite(_CONTROL, const(" "))
    spoken = spoken.rewrite(_INVISIBLE, const(""))
    spoken = spoken.rewrite(_PHONEME_BRACKETS, const(" "))
    spoken = spoken.rewrite(_URL, _url)
    spoken = spoken.rewrite(_EMAIL, lambda m: m.group(1))
    spoken = spoken.rewrite(_LONG_TOKEN, const(" "))
    spoken = spoken.rewrite(_BULLET, const(""))
    spoken = spoken.rewrite(_DECORATION, const(" "))
    spoken = spoken.rewrite(_RULE, const(" "))
    spoken = spoken.rewrite(_BAR, const(", "))
    spoken = spoken.rewrite(_DOUBLE_QUOTES, const('"'))
    spoken = spoken.rewrite(_SINGLE_QUOTES, const("'"))
    spoken = spoken.rewrite(_DIGIT_DASH, const("-"))
    spoken = spoken.rewrite(_DASH, const(", "))
    spoken = spoken.rewrite(_ELLIPSIS, const("..."))
    return spoken


def _rules(language: str) -> Callable[[Spoken], Spoken] | None:
    """The rules for ``language`` (a primary code), None when it has none; imported on
    first use (German's compile at import: 14 ms of every English start without them)."""
    if language == "en":
        from reader.speech.normalize_en import english

        return english
    if language == "de":
        from reader.speech.normalize_de import german

        return german
    return None


def normalize(
    text: str,
    language: str | None = None,
    lexicon: Iterable[tuple[re.Pattern[str], Replacement]] = (),
) -> Spoken:
    """``text`` rewritten for the ear, with its offset map.

    Order: cleanup for every language (controls, ``[[``, URLs, e-mail addresses,
    symbols, quotes, dashes), then the user's lexicon (so its entries win over the
    language rules and see plain quotes), then the language's rules.
    """
    spoken = _common(Spoken.of(text))
    for pattern, replace in lexicon:
        spoken = spoken.rewrite(pattern, replace)
    rules = _rules(primary_language(language))
    if rules is not None:
        spoken = rules(spoken)
    return spoken


def primary_language(language: str | None) -> str:
    """ "en-US" -> "en"; None -> "en" (the default voice's language)."""
    return base(language) if language else "en"
