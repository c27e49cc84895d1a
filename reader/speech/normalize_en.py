"""English rules for the ear (each checked against espeak-ng 1.52): part of
:mod:`reader.speech.normalize`."""

from __future__ import annotations

import re

from reader.speech.normalize_units import EN_UNITS
from reader.speech.spoken import LOWER, Spoken, const
from reader.text.language import MONTHS_EN

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
    if EN_UNITS.follows(match):
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


def english(spoken: Spoken) -> Spoken:
    """The English rules, in order."""
    spoken = spoken.rewrite(_PHD, const("PhD"))
    spoken = spoken.rewrite(_MONTH_ABBR, lambda m: _MONTHS[m.group(1)])
    spoken = spoken.rewrite(_TITLE_ABBR, lambda m: _TITLES[m.group(1)])
    spoken = spoken.rewrite(_KEEP_ABBR, lambda m: m.group(1))
    spoken = spoken.rewrite(_NUMBER_ABBR, const("number "))
    spoken = spoken.rewrite(_CIRCA, const("circa"))
    spoken = spoken.rewrite(_INITIALISM, lambda m: m.group(1))
    spoken = spoken.rewrite(_CURRENCY, _currency)
    spoken = spoken.rewrite(_DECADE, _decade)
    spoken = spoken.rewrite(_OCLOCK, lambda m: m.group(1) + " ")
    spoken = spoken.rewrite(_FRACTION, _fraction)
    spoken = spoken.rewrite(_RANGE, _range)
    spoken = spoken.rewrite(_YEAR, _year)
    spoken = spoken.rewrite(EN_UNITS.pattern, EN_UNITS.replace)
    if LOWER.search(spoken.text):  # in an all-caps headline every word is all caps
        spoken = spoken.rewrite(_ACRONYM, _acronym)
    return spoken
