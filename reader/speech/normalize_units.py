"""Units after a number, said as words, for :mod:`reader.speech.normalize`."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


EN_UNITS = _Units.of(
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
DE_UNITS = _Units.of(
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
