"""German rules for the ear: part of :mod:`reader.speech.normalize`."""

from __future__ import annotations

import re

from reader.speech.normalize_units import DE_UNITS
from reader.speech.spoken import LOWER, Spoken, const
from reader.text.language import MONTHS_DE

# -- German -----------------------------------------------------------------------------
# Each rule below fixes a reading measured with espeak-ng 1.52's German voice ("de",
# phonemes through espeak_TextToPhonemes); forms it already reads right (percentages,
# "1.500", "12,5", "5 €", most acronyms) are left alone. The before/after readings are
# in tests/speech/test_speech_german.py.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


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
    "gegründet " + " ".join(MONTHS_DE).lower()
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
    spoken = f"{int(day)}. {MONTHS_DE[int(month) - 1]}"
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
        month = following.rstrip(".,;:") in MONTHS_DE
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
        if DE_UNITS.follows(match):
            return None  # "1500 km": a distance
    tail = "" if low == "00" else str(int(low))
    return f"{high}hundert{tail}{suffix or ''}"


def _de_acronym(match: re.Match[str]) -> str | None:
    word = match.group(0)
    if word in _DE_SAID_AS_WORDS or word in _DE_CAPS_WORDS or _DE_ROMAN.fullmatch(word):
        return None
    return ".".join(word)


def german(spoken: Spoken) -> Spoken:
    """The German rules, in order."""
    spoken = spoken.rewrite(_DE_ABBREVIATION, _de_abbreviation)
    spoken = spoken.rewrite(_DE_NUMBERED, lambda m: _DE_BEFORE_NUMBER[m.group(1)])
    spoken = spoken.rewrite(_DE_SANKT, const("Sankt"))
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
    spoken = spoken.rewrite(_DE_SO_CALLED, const("sogenannte"))
    spoken = _de_ordinals(spoken)
    spoken = spoken.rewrite(_DE_RANGE, _de_range)
    spoken = spoken.rewrite(_DE_YEAR, _de_year)
    spoken = spoken.rewrite(DE_UNITS.pattern, DE_UNITS.replace)
    spoken = spoken.rewrite(_DE_SPELLED_WORD, lambda m: _DE_SPELLED[m.group(1)])
    if LOWER.search(spoken.text):  # in an all-caps headline every word is all caps
        spoken = spoken.rewrite(_DE_ACRONYM, _de_acronym)
    return spoken
