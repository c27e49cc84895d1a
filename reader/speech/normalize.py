"""Text for the ear: what eSpeak NG should read, with a map back to what is shown.

Articles are written for the eye. Read as they are, a URL is spelled out slash by
slash, an emoji becomes "grinning face", "$5.99" becomes "dollar five point nine
nine", "the 1990s" becomes "nineteen hundred and ninety s", "Dec. 5" gets a full stop
in the middle, "IPO" is read as a word. :func:`normalize` rewrites such forms (each
rule below was checked against what espeak-ng 1.52 actually says for it) and keeps,
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
from dataclasses import dataclass
from urllib.parse import urlsplit

Replacement = Callable[[re.Match[str]], str | None]

# A token this long without a space is no word (a hash, base64, a pasted blob): it is
# skipped rather than spelled out letter by letter for minutes.
MAX_TOKEN = 60


@dataclass(slots=True)
class Spoken:
    """Text to synthesize and, per character, the original span it came from.

    ``starts[i]``/``ends[i]`` are offsets into the original text (relative to the
    piece normalized). A character copied from the original maps to itself; every
    character of a replacement maps to the whole span replaced.
    """

    text: str
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> Spoken:
        return cls(text, list(range(len(text))), list(range(1, len(text) + 1)))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]`` (clamped to the text)."""
        n = len(self.text)
        if n == 0:
            return 0, 0
        start = max(0, min(start, n - 1))
        end = max(start + 1, min(end, n))
        return self.starts[start], self.ends[end - 1]

    def rewrite(self, pattern: re.Pattern[str], replace: Replacement) -> Spoken:
        """Replace each match of ``pattern`` by ``replace(match)`` (None: keep it)."""
        text = self.text
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        changed = False
        for match in pattern.finditer(text):
            new = replace(match)
            a, b = match.span()
            if new is None or new == text[a:b]:
                continue
            changed = True
            parts.append(text[pos:a])
            starts += self.starts[pos:a]
            ends += self.ends[pos:a]
            if new:
                if b > a:
                    origin = (self.starts[a], self.ends[b - 1])
                elif a < len(text):
                    origin = (self.starts[a], self.starts[a])
                else:
                    origin = (self.ends[-1], self.ends[-1]) if text else (0, 0)
                parts.append(new)
                starts += [origin[0]] * len(new)
                ends += [origin[1]] * len(new)
            pos = b
        if not changed:
            return self
        parts.append(text[pos:])
        starts += self.starts[pos:]
        ends += self.ends[pos:]
        return Spoken("".join(parts), starts, ends)


def _const(value: str) -> Replacement:
    return lambda _match: value


# -- every language ---------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff\ufe0e\ufe0f]+")
_PHONEME_BRACKETS = re.compile(r"\[\[|\]\]")
_DOUBLE_QUOTES = re.compile(r"[“”„‟«»″〝〞＂]")
_SINGLE_QUOTES = re.compile(r"[‘’‚‛′‹›`´]")
_DIGIT_DASH = re.compile(r"(?<=\d)\s?[–—‒]\s?(?=\d)")
_DASH = re.compile(r"\s*[—―‒]\s*|\s+[–-]\s+")
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
_BAR = re.compile(r"\s+\|\s+")  # "Home | News | Sport"
_URL = re.compile(
    r"\b(?:https?://|ftp://|www\.)[^\s<>\"'()\[\]{}]*[^\s<>\"'()\[\]{}.,;:!?]", re.IGNORECASE
)
_EMAIL = re.compile(r"\b[\w.%+-]+@((?:[\w-]+\.)+[a-z]{2,})\b", re.IGNORECASE)
_LONG_TOKEN = re.compile(rf"\S{{{MAX_TOKEN},}}")


def _url(match: re.Match[str]) -> str:
    raw = match.group(0)
    host = urlsplit(raw if "://" in raw else "http://" + raw).hostname or ""
    return host.removeprefix("www.") or "a link"


def _common(spoken: Spoken) -> Spoken:
    spoken = spoken.rewrite(_CONTROL, _const(" "))
    spoken = spoken.rewrite(_INVISIBLE, _const(""))
    spoken = spoken.rewrite(_PHONEME_BRACKETS, _const(" "))
    spoken = spoken.rewrite(_URL, _url)
    spoken = spoken.rewrite(_EMAIL, lambda m: m.group(1))
    spoken = spoken.rewrite(_LONG_TOKEN, _const(" "))
    spoken = spoken.rewrite(_BULLET, _const(""))
    spoken = spoken.rewrite(_DECORATION, _const(" "))
    spoken = spoken.rewrite(_RULE, _const(" "))
    spoken = spoken.rewrite(_BAR, _const(", "))
    spoken = spoken.rewrite(_DOUBLE_QUOTES, _const('"'))
    spoken = spoken.rewrite(_SINGLE_QUOTES, _const("'"))
    spoken = spoken.rewrite(_DIGIT_DASH, _const("-"))
    spoken = spoken.rewrite(_DASH, _const(", "))
    spoken = spoken.rewrite(_ELLIPSIS, _const("..."))
    return spoken


# -- English ----------------------------------------------------------------------------

_MONTHS = {
    "Jan": "January",
    "Feb": "February",
    "Mar": "March",
    "Apr": "April",
    "Jun": "June",
    "Jul": "July",
    "Aug": "August",
    "Sep": "September",
    "Sept": "September",
    "Oct": "October",
    "Nov": "November",
    "Dec": "December",
}
# Abbreviations eSpeak reads as a clipped word, followed by a pause for the period.
_TITLES = {
    "Gov": "Governor",
    "Sen": "Senator",
    "Rep": "Representative",
    "Gen": "General",
    "Lt": "Lieutenant",
    "Col": "Colonel",
    "Sgt": "Sergeant",
    "Capt": "Captain",
    "Cmdr": "Commander",
    "Adm": "Admiral",
    "Prof": "Professor",
    "Pres": "President",
    "Supt": "Superintendent",
    "Mt": "Mount",
    "Ft": "Fort",
    "Ave": "Avenue",
    "Blvd": "Boulevard",
    "Fig": "Figure",
    "Figs": "Figures",
    "Vol": "Volume",
    "Ch": "Chapter",
    "approx": "approximately",
    "Approx": "Approximately",
    "vs": "versus",
    "Jr": "Junior",
    "Sr": "Senior",
    "est": "established",
    "Est": "Established",
    "dept": "department",
    "Dept": "Department",
}
# Abbreviations eSpeak pronounces right but pauses after (the period): drop the period
# when the sentence goes on.
_KEEP_WORD = ("Mr", "Mrs", "Ms", "Dr", "St", "Inc", "Corp", "Ltd", "Co", "Bros", "Messrs")

_MONTH_ABBR = re.compile(r"\b(" + "|".join(_MONTHS) + r")\.(?=\s+\d)")
_TITLE_ABBR = re.compile(r"\b(" + "|".join(_TITLES) + r")\.(?=\s+\S)")
_KEEP_ABBR = re.compile(r"\b(" + "|".join(_KEEP_WORD) + r")\.(?=\s+\S)")
_NUMBER_ABBR = re.compile(r"\b(?:No|Nos|no|nos)\.\s*(?=\d)|#(?=\d)")
_CIRCA = re.compile(r"\bc(?:a)?\.(?=\s*\d{3,4}\b)")
_INITIALISM = re.compile(r"\b((?:[A-Z]\.){1,}[A-Z])\.(?=\s+\S)")  # "U.S. Army" -> "U.S Army"
_PHD = re.compile(r"\bPh\.\s?D\.?")

_CURRENCY = re.compile(
    r"([$£€¥])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
    r"(?:\s?(trillion|billion|million|thousand|tn|bn|mn|m|k)\b)?"
)
_CURRENCY_NAMES = {"$": "dollar", "£": "pound", "€": "euro", "¥": "yen"}
_SCALES = {
    "tn": "trillion",
    "bn": "billion",
    "mn": "million",
    "m": "million",
    "k": "thousand",
}
_DECADE = re.compile(r"(?<![\d,.])(1[0-9]|20)?([0-9])0s\b|(?<!\w)['’]([0-9])0s\b")
_TENS = {
    "1": "tens",
    "2": "twenties",
    "3": "thirties",
    "4": "forties",
    "5": "fifties",
    "6": "sixties",
    "7": "seventies",
    "8": "eighties",
    "9": "nineties",
}
_YEAR = re.compile(r"(?<![\d,.$£€¥#])\b(1[1-9])(\d\d)\b(?![,.]\d|%|\d)")
_FRACTION = re.compile(r"(?:(\d+)\s)?(?<![\d/])([1-3])/([234])(?![\d/])")
_FRACTIONS = {
    ("1", "2"): "a half",
    ("1", "3"): "a third",
    ("2", "3"): "two thirds",
    ("1", "4"): "a quarter",
    ("3", "4"): "three quarters",
}
_RANGE = re.compile(r"(?<![\d\-/.,:])(\d{1,4})-(\d{1,4})(?![\d\-/]|[.,:]\d)")
_OCLOCK = re.compile(r"\b(\d{1,2}):00\s?(?=[ap]\.?m\b)", re.IGNORECASE)
# All-caps words eSpeak reads as a word although they are letters (measured: UAE,
# ACLU, AARP, IPO, WHO...). Those that are said as words are kept.
_ACRONYM = re.compile(r"\b[A-Z]{2,4}\b")
_WORDLIKE = (
    "NASA NATO AIDS FIFA UEFA GIF ICE OPEC ISIS SARS MERS SWAT FOMO YOLO LOL JPEG "
    "POTUS FLOTUS SCOTUS NAFTA NIMBY COVID LASER RADAR SCUBA IKEA LEGO RAM ROM LAN "
    "WAN PIN SIM CAD GUI TED ZIP DARPA PAC ASEAN OSHA FEMA HUD NOAA UNICEF UNESCO "
    "NAND ASCII AJAX CRUD REST SOAP WASP YAML TOML JSON AWOL ANC ANZAC ARPA NEET "
    "BAFTA MENSA NICE SAT SIDS PETA CAPTCHA WIFI DOS EXE IMAX OLED"
)
_SAID_AS_WORDS = frozenset(_WORDLIKE.split())
_VOWEL = re.compile(r"[AEIOUY]")
_LOWER = re.compile(r"[a-z]")


def _currency(match: re.Match[str]) -> str:
    symbol, whole, decimals, scale = match.groups()
    unit = _CURRENCY_NAMES[symbol]
    if scale:
        number = whole + (f".{decimals}" if decimals else "")
        scale = _SCALES.get(scale.lower(), scale)
        return f"{number} {scale} {unit}{'' if unit == 'yen' else 's'}"
    plural = "" if whole == "1" or unit == "yen" else "s"
    if decimals and len(decimals) == 2 and decimals != "00":
        return f"{whole} {unit}{plural} {decimals}"
    return f"{whole} {unit}{plural}"


def _decade(match: re.Match[str]) -> str:
    century, tens, short = match.groups()
    if short is not None:
        return _TENS.get(short, f"{short}0s")
    if tens == "0":
        if century == "20":
            return "two thousands"
        if century is None:
            return match.group(0)
        return f"{century} hundreds"
    if century is None:
        return _TENS[tens]
    if century == "20" and tens == "1":
        return "twenty tens"
    return f"{century} {_TENS[tens]}"


def _year(match: re.Match[str]) -> str:
    high, low = match.groups()
    if low == "00":
        return f"{high} hundred"
    if low[0] == "0":
        return f"{high} oh {low[1]}"
    return f"{high} {low}"


def _fraction(match: re.Match[str]) -> str | None:
    whole, top, bottom = match.groups()
    name = _FRACTIONS.get((top, bottom))
    if name is None:
        return None
    if whole:
        return f"{whole} and {name}"
    return name.replace("a ", "one ", 1)


def _range(match: re.Match[str]) -> str | None:
    low, high = match.groups()
    if int(high) <= int(low) and len(high) >= len(low):
        return None  # "3-2" is a score, not a range
    return f"{low} to {high}"


def _acronym(match: re.Match[str]) -> str | None:
    word = match.group(0)
    if word in _SAID_AS_WORDS or not _VOWEL.search(word):
        return None  # said as a word, or spelled by eSpeak anyway (no vowel)
    return ".".join(word)


def _english(spoken: Spoken) -> Spoken:
    spoken = spoken.rewrite(_PHD, _const("PhD"))
    spoken = spoken.rewrite(_MONTH_ABBR, lambda m: _MONTHS[m.group(1)])
    spoken = spoken.rewrite(_TITLE_ABBR, lambda m: _TITLES[m.group(1)])
    spoken = spoken.rewrite(_KEEP_ABBR, lambda m: m.group(1))
    spoken = spoken.rewrite(_NUMBER_ABBR, _const("number "))
    spoken = spoken.rewrite(_CIRCA, _const("circa"))
    spoken = spoken.rewrite(_INITIALISM, lambda m: m.group(1))
    spoken = spoken.rewrite(_CURRENCY, _currency)
    spoken = spoken.rewrite(_DECADE, _decade)
    spoken = spoken.rewrite(_OCLOCK, lambda m: m.group(1) + " ")
    spoken = spoken.rewrite(_FRACTION, _fraction)
    spoken = spoken.rewrite(_RANGE, _range)
    spoken = spoken.rewrite(_YEAR, _year)
    if _LOWER.search(spoken.text):  # in an all-caps headline every word is all caps
        spoken = spoken.rewrite(_ACRONYM, _acronym)
    return spoken


_LANGUAGE_RULES: dict[str, Callable[[Spoken], Spoken]] = {"en": _english}


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
    rules = _LANGUAGE_RULES.get(primary_language(language))
    if rules is not None:
        spoken = rules(spoken)
    return spoken


def primary_language(language: str | None) -> str:
    """ "en-US" -> "en"; None -> "en" (the default voice's language)."""
    if not language:
        return "en"
    return language.lower().replace("_", "-").split("-")[0]
