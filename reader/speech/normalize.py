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

from reader.language import MONTHS_DE, MONTHS_EN

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


# -- units after a number (English and German) ----------------------------------------
# eSpeak NG spells unit symbols letter by letter: "120 km/h" is "K M slash H" (German
# "ka em ha"), "20 °C" "degrees C", "5 kWh" "K double-u H", "100 m" "M", and "1 km" in
# German "eins ka em". After a number they are said as the words; "3 km²" and "3 lbs"
# it reads right already. Some units count only after a space (``needs_space``: "5m" is
# five million in English headlines; in German "5t" and "10l" are rarely units).
_UNIT_SPACE = "[ \u00a0\u202f]"


@dataclass(frozen=True, slots=True)
class _Units:
    words: dict[str, tuple[str, str]]  # symbol -> (after "1", after other numbers)
    needs_space: frozenset[str]
    one: tuple[str, dict[str, str]]  # "1" before a unit is said as: default, per symbol
    pattern: re.Pattern[str]
    after: re.Pattern[str]  # a unit right after a number's end (for the year rules)
    attributive: bool  # English: a quantity before a noun takes the singular

    @classmethod
    def of(
        cls,
        words: dict[str, tuple[str, str]],
        needs_space: str,
        one: tuple[str, dict[str, str]] = ("1", {}),
        attributive: bool = False,
    ) -> _Units:
        symbols = sorted(words, key=len, reverse=True)
        alternation = "|".join(re.escape(s).replace("°", "° ?") for s in symbols)
        unit = f"({alternation})(?![\\w/²³])"
        return cls(
            words,
            frozenset(needs_space.split()),
            one,
            re.compile(f"(?<![\\w.,\\-−])([-−](?=\\d))?(\\d+(?:[.,]\\d+)*)({_UNIT_SPACE}?){unit}"),
            re.compile(f"{_UNIT_SPACE}?{unit}"),
            attributive,
        )

    def replace(self, match: re.Match[str]) -> str | None:
        sign, number, space, found = match.groups()
        symbol = found.replace(" ", "")
        if symbol in self.needs_space and not space:
            return None
        singular, plural = self.words[symbol]
        if self.attributive and _attributive(match):
            plural = singular  # "a 10 ft wall": "a ten foot wall", not "ten feet wall"
        if number == "1":
            default, by_symbol = self.one
            one = by_symbol.get(symbol, default)
            # "-1 °C": "-ein" loses its minus in eSpeak's German
            minus = "minus " if sign and one != number else (sign or "")
            return f"{minus}{one} {singular}"
        return f"{sign or ''}{number} {plural}"

    def follows(self, match: re.Match[str]) -> bool:
        """Whether a unit this rule reads comes right after ``match`` ("1500 km")."""
        found = self.after.match(match.string, match.end())
        return found is not None and not (
            found.group(1) in self.needs_space and found.start(1) == found.start()
        )


# "the 100 m final", "a 5 GB file": a determiner before the number and a noun after the
# unit; "it is 1500 km away", "500 g of flour", "the 5 km were hard" keep the plural.
_DETERMINER_BEFORE = re.compile(
    r"(?i)\b(?:a|an|the|this|that|its|their|his|her|our|your|my)\s+[-−]?$"
)
_WORD_AFTER = re.compile(r"(?<!\s)\s+([a-z][a-z-]*)\b")
_NOT_A_NOUN = frozenset(
    {
        "of",
        "per",
        "in",
        "on",
        "at",
        "to",
        "and",
        "or",
        "but",
        "from",
        "for",
        "with",
        "by",
        "into",
        "than",
        "as",
        "away",
        "long",
        "wide",
        "high",
        "deep",
        "tall",
        "thick",
        "ago",
        "later",
        "apart",
        "above",
        "below",
        "under",
        "over",
        "behind",
        "ahead",
        "north",
        "south",
        "east",
        "west",
        "each",
        "a",
        "an",
        "the",
        "is",
        "was",
        "are",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
        "must",
        "should",
        "do",
        "does",
        "did",
        "that",
        "which",
        "who",
    }
)


def _attributive(match: re.Match[str]) -> bool:
    text = match.string
    if not _DETERMINER_BEFORE.search(text, max(0, match.start() - 12), match.start()):
        return False
    word = _WORD_AFTER.match(text, match.end())
    return word is not None and word.group(1) not in _NOT_A_NOUN


def _same(*pairs: tuple[str, str]) -> dict[str, tuple[str, str]]:
    return {symbol: (word, word) for symbol, word in pairs}


_EN_UNITS = _Units.of(
    {
        "km/h": ("kilometer per hour", "kilometers per hour"),
        "kph": ("kilometer per hour", "kilometers per hour"),
        "mph": ("mile per hour", "miles per hour"),
        "m/s": ("meter per second", "meters per second"),
        "°C": ("degree Celsius", "degrees Celsius"),
        "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
        "m²": ("square meter", "square meters"),
        "km": ("kilometer", "kilometers"),
        "cm": ("centimeter", "centimeters"),
        "mm": ("millimeter", "millimeters"),
        "m": ("meter", "meters"),
        "kg": ("kilogram", "kilograms"),
        "g": ("gram", "grams"),
        "mg": ("milligram", "milligrams"),
        "ml": ("milliliter", "milliliters"),
        "kWh": ("kilowatt hour", "kilowatt hours"),
        "kW": ("kilowatt", "kilowatts"),
        "MW": ("megawatt", "megawatts"),
        "GW": ("gigawatt", "gigawatts"),
        "GB": ("gigabyte", "gigabytes"),
        "MB": ("megabyte", "megabytes"),
        "TB": ("terabyte", "terabytes"),
        "ft": ("foot", "feet"),
    },
    "m",
    attributive=True,
)
_DE_UNITS = _Units.of(
    {
        **_same(
            ("km/h", "Kilometer pro Stunde"),
            ("m/s", "Meter pro Sekunde"),
            ("°C", "Grad Celsius"),
            ("°F", "Grad Fahrenheit"),
            ("km²", "Quadratkilometer"),
            ("m²", "Quadratmeter"),
            ("m³", "Kubikmeter"),
            ("km", "Kilometer"),
            ("cm", "Zentimeter"),
            ("mm", "Millimeter"),
            ("m", "Meter"),
            ("kg", "Kilogramm"),
            ("g", "Gramm"),
            ("mg", "Milligramm"),
            ("l", "Liter"),
            ("ml", "Milliliter"),
            ("ha", "Hektar"),
            ("kW", "Kilowatt"),
            ("MW", "Megawatt"),
            ("GW", "Gigawatt"),
        ),
        "t": ("Tonne", "Tonnen"),
        "kWh": ("Kilowattstunde", "Kilowattstunden"),
    },
    "m t l",
    ("ein", {"t": "eine", "kWh": "eine"}),  # eSpeak says "eins Kilometer" for "1 Kilometer"
)


# -- English ----------------------------------------------------------------------------

# "Sep." and "Sept."; "May" has no abbreviation.
_MONTHS = {
    short: name
    for name in MONTHS_EN
    if name != "May"
    for short in ((name[:3], name[:4]) if name == "September" else (name[:3],))
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
# "U.S. Army" -> "U.S Army"; (?<![\w.]): not from inside a run of initials (quadratic)
_INITIALISM = re.compile(r"(?<![\w.])((?:[A-Z]\.){1,}[A-Z])\.(?=\s+\S)")
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
_FRACTION = re.compile(r"(?:(?<!\d)(\d+)\s)?(?<![\d/])([1-3])/([234])(?![\d/])")
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


def _year(match: re.Match[str]) -> str | None:
    if _EN_UNITS.follows(match):
        return None  # "1500 km": a distance
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
    spoken = spoken.rewrite(_EN_UNITS.pattern, _EN_UNITS.replace)
    if _LOWER.search(spoken.text):  # in an all-caps headline every word is all caps
        spoken = spoken.rewrite(_ACRONYM, _acronym)
    return spoken


# -- German -----------------------------------------------------------------------------
# Each rule below fixes a reading measured with espeak-ng 1.52's German voice ("de",
# phonemes through espeak_TextToPhonemes); forms it already reads right (percentages,
# "1.500", "12,5", "5 €", most acronyms) are left alone. The before/after readings are
# in tests/test_speech_german.py.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DE_MONTHS = MONTHS_DE
_DE_ONES = (
    "",
    "ein",
    "zwei",
    "drei",
    "vier",
    "fünf",
    "sechs",
    "sieben",
    "acht",
    "neun",
    "zehn",
    "elf",
    "zwölf",
    "dreizehn",
    "vierzehn",
    "fünfzehn",
    "sechzehn",
    "siebzehn",
    "achtzehn",
    "neunzehn",
)
_DE_TENS = (
    "",
    "",
    "zwanzig",
    "dreißig",
    "vierzig",
    "fünfzig",
    "sechzig",
    "siebzig",
    "achtzig",
    "neunzig",
)
_DE_ORDINAL_STEMS = {1: "erst", 3: "dritt", 7: "siebt", 8: "acht"}

# Abbreviations eSpeak spells out or clips, and usually follows with a full stop's
# pause ("z. B." -> "zet | be", "Nr." -> "en er |", "usw." -> "usf"). Keys are
# regular expressions for the abbreviation without its last period; a space may
# follow each inner period ("z. B." and "z.B.").
_DE_ABBREVIATIONS = {
    r"[zZ]\.\s?B": "zum Beispiel",
    r"[dD]\.\s?h": "das heißt",
    r"[uU]\.\s?a": "unter anderem",
    r"[uU]\.\s?U": "unter Umständen",
    r"[vV]\.\s?a": "vor allem",
    r"[zZ]\.\s?T": "zum Teil",
    r"[iI]\.\s?d\.\s?R": "in der Regel",
    r"[oO]\.\s?[äÄ]": "oder Ähnliches",
    r"v\.\s?Chr": "vor Christus",
    r"n\.\s?Chr": "nach Christus",
    r"[bB]zw": "beziehungsweise",
    r"[cC]a": "zirka",  # "circa" is read with a k
    r"[uU]sw": "und so weiter",
    r"etc": "et zetera",  # "et cetera" is read with a k
    r"[vV]gl": "vergleiche",
    r"[bB]spw": "beispielsweise",
    r"[eE]vtl": "eventuell",
    r"[gG]gf": "gegebenenfalls",
    r"[iI]nkl": "inklusive",
    r"[mM]ind": "mindestens",
    r"[mM]ax": "maximal",
    r"Nr": "Nummer",
    r"Dr": "Doktor",
    r"Prof": "Professor",
    r"Tel": "Telefon",
    r"Hbf": "Hauptbahnhof",
    r"Jh": "Jahrhundert",
    r"Jhd": "Jahrhundert",
}
_DE_ABBREVIATION = re.compile(
    r"(?<![\w.])(" + "|".join(f"(?:{key})" for key in _DE_ABBREVIATIONS) + r")\.(?!\w)"
)
_DE_ABBREVIATION_KEYS = [(re.compile(key), spoken) for key, spoken in _DE_ABBREVIATIONS.items()]
# Only before a number: "S. 12", "Art. 5", "Abs. 2", "Bd. 3", "Kap. 5", "Abb. 2".
_DE_BEFORE_NUMBER = {
    "S": "Seite",
    "Art": "Artikel",
    "Abs": "Absatz",
    "Bd": "Band",
    "Kap": "Kapitel",
    "Abb": "Abbildung",
    "geb": "geboren",
    "gest": "gestorben",
}
_DE_NUMBERED = re.compile(r"(?<![\w.])(" + "|".join(_DE_BEFORE_NUMBER) + r")\.(?=\s?\d)")
_DE_SANKT = re.compile(r"(?<!\d\s)(?<![\w.])St\.(?=\s[A-ZÄÖÜ])")  # not "3 St." (Stück)
_DE_STREET = re.compile(r"\b(\w+)str\.(?=\s|$)")
_DE_SO_CALLED = re.compile(r"(?<![\w.])sog\.(?=\s)")
# "3 Mio. Euro", "1,2 Mrd.", "1 Std.": the number decides singular or plural.
_DE_SCALE_WORDS = {
    "Tsd": ("Tausend", "Tausend"),
    "Mio": ("Million", "Millionen"),
    "Mrd": ("Milliarde", "Milliarden"),
    "Bio": ("Billion", "Billionen"),
    "Std": ("Stunde", "Stunden"),
    "Min": ("Minute", "Minuten"),
}
_DE_SCALE = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+)(,\d+)?\s?(" + "|".join(_DE_SCALE_WORDS) + r")\b"
    r"(?:\.(?=\s+\S))?"  # the period of "Mio." mid-sentence, not the one ending it
)
# Money: "5,99 €" -> "5 Euro 99" (eSpeak: "fünf Komma neun neun Euro"), "€ 5" -> "5 Euro"
# (eSpeak: "Euro fünf"), "0,99 €" -> "99 Cent", "EUR" (spelled by eSpeak) -> "Euro".
_DE_AMOUNT = r"(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}|-|–))?"
_DE_CURRENCY_NAMES = {"€": "Euro", "EUR": "Euro", "Euro": "Euro", "$": "Dollar", "£": "Pfund"}
_DE_SCALE_AFTER = r"(?:\s(Tausend|Millionen|Million|Milliarden|Milliarde|Billionen|Billion)\b)?"
_DE_MONEY_BEFORE = re.compile(r"(?<![\w$€£])(€|EUR|\$|£)\s?" + _DE_AMOUNT + _DE_SCALE_AFTER)
_DE_MONEY_AFTER = re.compile(r"(?<![\d.,])" + _DE_AMOUNT + r"\s?(€|EUR\b|Euro\b)")
# "03.12.2025", "3.12.", "24.12.25" -> "3. Dezember 2025" (eSpeak: "null drei Punkt
# zwölf Punkt ..."); the ordinal rule then reads the day.
_DE_DATE = re.compile(
    r"(?<![\d.,])(0?[1-9]|[12]\d|3[01])\.\s?(0?[1-9]|1[0-2])\.(?:\s?((?:1[1-9]|20)\d\d|\d\d))?"
    r"(?![\d,]|\.\d)"
)
# "14.30 Uhr" (eSpeak: "vierzehn Punkt dreißig Uhr") and "14:30 Uhr" ("vierzehn Uhr
# dreißig Uhr") -> "14 Uhr 30"; "9.15 bis 10.30 Uhr" -> "9 Uhr 15 bis 10 Uhr 30".
_DE_CLOCK = r"([01]?\d|2[0-4])[.:]([0-5]\d)"
_DE_TIME_RANGE = re.compile(
    r"(?<![\d.,:])" + _DE_CLOCK + r"\s?(?:-|bis)\s?" + _DE_CLOCK + r"\s?Uhr\b"
)
_DE_TIME = re.compile(r"(?<![\d.,:])" + _DE_CLOCK + r"\s?Uhr\b")
# "am 3. Dezember": eSpeak reads a number with a period as an ordinal only when a
# lowercase word follows, and then always as "dritte"; before a capital (every noun
# and month) it says "drei" and pauses as at the end of a sentence.
_DE_ORDINAL = re.compile(r"(?<![\d.,:])(?<!\d\s)\b([1-9]\d{0,2})\.(?=\s+(\S+))")
# Nouns counted with a cardinal ("Platz 3", "Seite 12"): after them "3." ends a sentence.
_DE_CARDINAL_NOUNS = _words(
    "Platz Rang Nummer Seite Seiten Kapitel Artikel Absatz Paragraf Paragraph Band "
    "Gleis Runde Spieltag Stufe Klasse Tor Minute Jahr Tag Woche Folge Teil Zimmer "
    "Abbildung Tabelle Punkt Punkte Prozent Euro Dollar Uhr"
)
# Capitalized words that begin a sentence far more often than they follow an ordinal.
_DE_SENTENCE_STARTS = _words(
    "Der Die Das Den Dem Des Ein Eine Einer Eines Einem Einen Er Sie Es Ich Wir Ihr Du "
    "Man Dann Doch Aber Und Oder Auch Nun So Da Dort Hier Im Am In Auf Mit Bei Nach "
    "Vor Von Zum Zur Für Um An Aus Als Wenn Weil Dass Dies Diese Dieser Dieses Diesem "
    "Jetzt Heute Morgen Gestern Damit Dabei Danach Deshalb Daher Trotzdem Allerdings "
    "Zudem Außerdem Inzwischen Bereits Schon Noch Nur Sein Seine Ihre Unser Mein Was Wer "
    "Wie Wo Warum Wann Welche Kein Keine Alle Viele Mehr Laut Seit Bis Gegen Ohne Unter "
    "Über Zwischen Während Wegen Trotz Insgesamt Später Zuvor Zunächst Schließlich"
)
# After these the ordinal takes -en ("am dritten", "vom ersten", "des zweiten").
_DE_WEAK_DATIVE = _words(
    "am im vom zum beim dem den des einem einen eines zur seinem seinen seines ihrem "
    "ihren ihres unserem unseren unseres diesem diesen dieses jedem jeden jedes ab bis "
    "seit vor nach"
)
_DE_PREPOSITIONS = _words(
    "in an auf bei mit nach von zu aus seit vor unter über hinter neben zwischen "
    "während wegen trotz bis für gegen"
)
_DE_WORD_BEFORE = re.compile(r"(?<!\w)(\w+)\W*$")
_DE_RANGE = re.compile(r"(?<![\d\-/.,:])(\d{1,4})-(\d{1,4})(?![\d\-/]|[.,:]\d)")
# Years 1100-1999 are said "neunzehnhundertneunzig"; eSpeak says "eintausend
# neunhundertneunzig" (and "eintausend neunhundert neunziger" for "1990er").
_DE_YEAR = re.compile(r"(?<![\d.,€$£¥#])\b(1[1-9])(\d\d)(er\w*)?\b(?![.,]\d|\d|\s?[%€$£])")
_DE_YEAR_CONTEXT = _words(
    "im jahr jahre jahres jahren seit von vom bis ab um vor nach zwischen und oder anfang "
    "ende mitte sommer winter herbst frühjahr frühling bereits schon geboren gestorben "
    "gegründet " + " ".join(_DE_MONTHS).lower()
)
_DE_CAPITAL_NEXT = re.compile(r"(?<!\s)\s+[A-ZÄÖÜ]")
# All-caps words eSpeak reads as a word although they are letters (measured: "die USA,"
# -> "uza", EZB -> "etsp", OECD, ÖVP, ORF, OSZE, SED, SUV, IT, ADAC); spelled with dots
# ("E.Z.B") they are read letter by letter without pauses. Kept: those said as words,
# Roman numerals and German words written in capitals for emphasis.
_DE_ACRONYM = re.compile(r"(?<![\w.])[A-ZÄÖÜ]{2,5}(?!\w|\.\w)")
_DE_SAID_AS_WORDS = _words(
    "NATO UNESCO UNICEF NASA FIFA UEFA OPEC AIDS DAX TÜV ISO DIN PISA NABU EFTA ASEAN "
    "LIDL ALDI IKEA COVID ESA ISIS SARS GAU KITA VERDI EFSF CERN FRONTEX INTERPOL "
    "EUROPOL BAFÖG"
)
_DE_CAPS_WORDS = _words(
    "NICHT KEIN KEINE NUR AUCH SEHR NEU JA NEIN UND ODER DER DIE DAS DEN DEM DES EIN "
    "EINE IST SIND MIT FÜR VON AUF WIR ICH SIE ER ES DU IHR ALLE MEHR JETZT HIER GUT "
    "LIVE NEWS EIL OK ALS WIE WAS WER NOCH SO ZU IM AM AN IN BEI VOR NACH AUS"
)
_DE_ROMAN = re.compile(r"[IVXLCDM]+")
_DE_SPELLED = {"AfD": "A.F.D", "UNO": "Uhno", "Uno": "Uhno"}
_DE_SPELLED_WORD = re.compile(r"\b(" + "|".join(_DE_SPELLED) + r")\b")


def _de_cardinal(n: int) -> str:
    """German words for 1 <= n <= 999 ("einundzwanzig", "dreihundertzwölf")."""
    hundreds, rest = divmod(n, 100)
    words = _DE_ONES[hundreds] + "hundert" if hundreds else ""
    if rest < 20:
        return words + _DE_ONES[rest]
    tens, ones = divmod(rest, 10)
    return words + (_DE_ONES[ones] + "und" if ones else "") + _DE_TENS[tens]


def _de_ordinal_stem(n: int) -> str:
    """ "dritt" for 3, "zwanzigst" for 20, "hunderterst" for 101 (1 <= n <= 999)."""
    rest = n % 100
    if 0 < rest < 20:
        head = _de_cardinal(n - rest) if n >= 100 else ""
        return head + _DE_ORDINAL_STEMS.get(rest, _DE_ONES[rest] + "t")
    return _de_cardinal(n) + "st"


def _de_ending(before: str, follows_month: bool, previous: str | None) -> str:
    """The ordinal's ending from the words before it ("am" -> "en", "der" -> "e").

    ``previous`` is the ending of an ordinal just before ("vom 3. bis 5. Mai": the
    second takes the first's ending). Without an article a date reads "dritter
    Dezember" (a dateline), anything else "dritte" ("2. Bundesliga").
    """
    words = re.findall(r"[\wäöüÄÖÜß]+", before)
    last = words[-1] if words else ""
    lower = last.lower()
    if previous is not None and lower in ("bis", "und", "oder") and before.rstrip()[-1:].isalpha():
        return previous
    if lower in _DE_WEAK_DATIVE:
        return "en"
    if lower == "der" and len(words) > 1 and words[-2].lower() in _DE_PREPOSITIONS:
        return "en"  # "in der 3. Runde"
    if lower in ("der", "die", "das") or (last and last[0].islower()):
        return "e"
    return "er" if follows_month else "e"


def _de_abbreviation(match: re.Match[str]) -> str:
    found = match.group(1)
    for pattern, spoken in _DE_ABBREVIATION_KEYS:
        if pattern.fullmatch(found):
            if found[0].isupper() and spoken[0].islower():
                spoken = spoken[0].upper() + spoken[1:]
            break
    else:  # pragma: no cover - the alternation is built from the same keys
        return match.group(0)
    rest = match.string[match.end() :]
    return spoken + ("." if not rest.strip() else "")


def _de_scale(match: re.Match[str]) -> str:
    whole, decimals, unit = match.groups()
    one, many = _DE_SCALE_WORDS[unit]
    if whole == "1" and not decimals:
        article = "eine" if one[-1] == "e" or one.endswith("on") else "ein"
        return f"{article} {one}" if one != "Tausend" else "eintausend"
    return f"{whole}{decimals or ''} {many}"


def _de_money(
    whole: str, cents: str | None, unit: str, scale: str | None, before: bool
) -> str | None:
    """Spoken money; None where eSpeak already reads it right ("5 €": "fünf Euro")."""
    name = _DE_CURRENCY_NAMES[unit]
    if scale:
        return f"{whole}{',' + cents if cents and cents.isdigit() else ''} {scale} {name}"
    if not cents or not cents.isdigit() or int(cents) == 0:
        return f"{whole} {name}" if cents or unit == "EUR" or before else None
    if len(cents) == 1:
        return f"{whole},{cents} {name}"  # "2,5 €": "zwei Komma fünf Euro"
    if whole == "0":
        return f"{int(cents)} Cent"
    return f"{whole} {name} {cents}"


def _de_date(match: re.Match[str]) -> str:
    day, month, year = match.groups()
    spoken = f"{int(day)}. {_DE_MONTHS[int(month) - 1]}"
    return f"{spoken} {year}" if year else spoken


def _de_clock(hour: str, minute: str) -> str:
    return f"{int(hour)} Uhr" + ("" if minute == "00" else f" {int(minute)}")


def _de_ordinals(spoken: Spoken) -> Spoken:
    previous: list[str | None] = [None]

    def ordinal(match: re.Match[str]) -> str | None:
        number, following = match.groups()
        text = match.string
        before = text[: match.start()]
        word_before = _DE_WORD_BEFORE.search(before)
        if word_before and word_before.group(1) in _DE_CARDINAL_NOUNS:
            return None  # "Platz 3." ends a sentence
        month = following.rstrip(".,;:") in _DE_MONTHS
        if not (month or following[0].islower() or following[0].isupper()):
            return None  # followed by a digit or a symbol
        if following[0].isupper() and not month and following in _DE_SENTENCE_STARTS:
            return None
        ending = _de_ending(before, month, previous[0])
        previous[0] = ending
        return _de_ordinal_stem(int(number)) + ending

    return spoken.rewrite(_DE_ORDINAL, ordinal)


def _de_range(match: re.Match[str]) -> str | None:
    low, high = match.groups()
    if int(high) <= int(low) and len(high) >= len(low):
        return None  # "3-2" is a score, not a range
    if low.startswith("0"):
        return None  # a telephone number
    return f"{low} bis {high}"


def _de_year(match: re.Match[str]) -> str | None:
    high, low, suffix = match.groups()
    text = match.string
    if not suffix:
        word_before = _DE_WORD_BEFORE.search(text[: match.start()])
        in_context = word_before is not None and word_before.group(1).lower() in _DE_YEAR_CONTEXT
        if not in_context and _DE_CAPITAL_NEXT.match(text, match.end()):
            return None  # "1500 Menschen": a count
        if _DE_UNITS.follows(match):
            return None  # "1500 km": a distance
    tail = "" if low == "00" else str(int(low))
    return f"{high}hundert{tail}{suffix or ''}"


def _de_acronym(match: re.Match[str]) -> str | None:
    word = match.group(0)
    if word in _DE_SAID_AS_WORDS or word in _DE_CAPS_WORDS or _DE_ROMAN.fullmatch(word):
        return None
    return ".".join(word)


def _german(spoken: Spoken) -> Spoken:
    spoken = spoken.rewrite(_DE_ABBREVIATION, _de_abbreviation)
    spoken = spoken.rewrite(_DE_NUMBERED, lambda m: _DE_BEFORE_NUMBER[m.group(1)])
    spoken = spoken.rewrite(_DE_SANKT, _const("Sankt"))
    spoken = spoken.rewrite(_DE_STREET, lambda m: m.group(1) + "straße")
    spoken = spoken.rewrite(_DE_SCALE, _de_scale)
    spoken = spoken.rewrite(
        _DE_MONEY_BEFORE, lambda m: _de_money(m.group(2), m.group(3), m.group(1), m.group(4), True)
    )
    spoken = spoken.rewrite(
        _DE_MONEY_AFTER, lambda m: _de_money(m.group(1), m.group(2), m.group(3), None, False)
    )
    spoken = spoken.rewrite(_DE_DATE, _de_date)
    spoken = spoken.rewrite(
        _DE_TIME_RANGE,
        lambda m: f"{_de_clock(m.group(1), m.group(2))} bis {_de_clock(m.group(3), m.group(4))}",
    )
    spoken = spoken.rewrite(_DE_TIME, lambda m: _de_clock(m.group(1), m.group(2)))
    spoken = spoken.rewrite(_DE_SO_CALLED, _const("sogenannte"))
    spoken = _de_ordinals(spoken)
    spoken = spoken.rewrite(_DE_RANGE, _de_range)
    spoken = spoken.rewrite(_DE_YEAR, _de_year)
    spoken = spoken.rewrite(_DE_UNITS.pattern, _DE_UNITS.replace)
    spoken = spoken.rewrite(_DE_SPELLED_WORD, lambda m: _DE_SPELLED[m.group(1)])
    if _LOWER.search(spoken.text):  # in an all-caps headline every word is all caps
        spoken = spoken.rewrite(_DE_ACRONYM, _de_acronym)
    return spoken


_LANGUAGE_RULES: dict[str, Callable[[Spoken], Spoken]] = {"en": _english, "de": _german}


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
