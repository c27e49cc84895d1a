"""Dates in many languages, for the ear rules (:mod:`reader.extract.ear`) and metadata.

:func:`find_dates` finds "Dec 29, 2024", "19. Oktober 2019", "29/12/2024", "2024-12-29"
and gives each as an ISO date; :func:`is_date_line` tells a line that is only a date
("Aktualisiert am 3.2.2021 14:05"), which is not spoken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from reader.text.language import MONTHS_DE, MONTHS_EN

# Month names and abbreviations besides the English and German names (reader.text.language).
_OTHER_MONTHS = (
    "jan jänner janvier enero janeiro gennaio januari stycznia styczeń styczen tammikuuta "
    "январь января",
    "feb février fevrier febrero fevereiro febbraio februari lutego luty helmikuuta "
    "февраль февраля",
    "mar maerz mars marzo março marco maart marca marzec maaliskuuta март марта",
    "apr avril abril aprile kwietnia kwiecień kwiecien huhtikuuta апрель апреля",
    "mayo maio maggio mei maj maja toukokuuta май мая",
    "jun juin junio junho giugno czerwca czerwiec kesäkuuta июнь июня",
    "jul juillet julio julho luglio lipca lipiec heinäkuuta июль июля",
    "aug août aout agosto augustus sierpnia sierpień sierpien elokuuta август августа",
    "sep sept septembre septiembre setembro settembre września wrzesień wrzesien "
    "syyskuuta сентябрь сентября",
    "oct okt octobre octubre outubro ottobre października październik pazdziernik "
    "lokakuuta октябрь октября",
    "nov novembre noviembre novembro listopada listopad marraskuuta ноябрь ноября",
    "dec dez décembre decembre diciembre dezembro dicembre grudnia grudzień grudzien "
    "joulukuuta декабрь декабря",
)
_MONTHS = {
    name: number
    for number, (english, german, others) in enumerate(
        zip(MONTHS_EN, MONTHS_DE, _OTHER_MONTHS, strict=True), start=1
    )
    for name in (english.lower(), german.lower(), *others.split())
}

_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th|er|e|º|°|\.)?"
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?![\d.]\d)"), "dmy"),
    (
        re.compile(
            rf"(?<!\w)({_MONTH_RE})\.?\s+(\d{{1,2}}){_ORD},?\s+(\d{{4}})(?!\d)", re.IGNORECASE
        ),
        "mdy_name",
    ),
    (
        re.compile(
            rf"(?<!\d)(\d{{1,2}}){_ORD}\s*(?:de\s+|of\s+)?({_MONTH_RE})\.?,?\s+(?:de\s+)?(\d{{4}})(?!\d)",
            re.IGNORECASE,
        ),
        "dmy_name",
    ),
    (re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])"), "slash"),
]


# Every date shape below has a four-digit year or a day and month joined by "." or "/".
_MAY_HOLD_DATE = re.compile(r"\d{4}|\d[./]\s?\d")


@dataclass(frozen=True, slots=True)
class DateMatch:
    iso: str
    start: int
    end: int


def _make_date(year: int, month: int, day: int) -> str | None:
    if year < 100:
        year += 2000 if year < 70 else 1900
    if not 1990 <= year <= 2100:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str, language: str | None = None) -> list[DateMatch]:
    """Every calendar date written in ``text``, in order, as ISO 8601.

    Understands ISO dates, "29.12.2024", "Dec 29, 2024", "Thu. Jan 2nd, 2025", "29.
    Dezember 2024", "29 de diciembre de 2024", "29 grudnia 2024" and slashed dates, which
    are read month first in English and day first elsewhere unless a part exceeds 12.
    """
    found: list[DateMatch] = []
    if not _MAY_HOLD_DATE.search(text):
        return found
    taken: list[tuple[int, int]] = []
    for pattern, shape in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            g = m.groups()
            iso: str | None
            if shape == "ymd":
                iso = _make_date(int(g[0]), int(g[1]), int(g[2]))
            elif shape == "dmy":
                iso = _make_date(int(g[2]), int(g[1]), int(g[0]))
            elif shape == "mdy_name":
                iso = _make_date(int(g[2]), _MONTHS[g[0].lower()], int(g[1]))
            elif shape == "dmy_name":
                iso = _make_date(int(g[2]), _MONTHS[g[1].lower()], int(g[0]))
            else:
                a, b = int(g[0]), int(g[1])
                month_first = (language or "en").startswith("en")
                if a > 12:
                    month_first = False
                elif b > 12:
                    month_first = True
                month, day = (a, b) if month_first else (b, a)
                iso = _make_date(int(g[2]), month, day)
            if iso:
                found.append(DateMatch(iso, m.start(), m.end()))
                taken.append((m.start(), m.end()))
    found.sort(key=lambda d: d.start)
    return found


# Words that may stand around a date on a date line without making it prose.
_DATE_FILLER = re.compile(
    r"""(?ix)\b(?:
      mon|monday|tue|tues|tuesday|wed|wednesday|thu|thur|thurs|thursday|fri|friday|sat
    | saturday|sun|sunday|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|mo|di
    | mi|do|fr|sa|so|lunes|martes|miércoles|jueves|viernes|sábado|domingo|lundi|mardi
    | mercredi|jeudi|vendredi|samedi|dimanche|updated?|published|posted|modified|last
    | date|on|at|am|um|uhr|vom|den|de|del|le|el|the|stand|aktualisiert|veröffentlicht
    | erstellt|geändert|zuletzt|publicado|actualizado|publié|mis|à|jour|opublikowano
    | aktualizacja|editiert|est|cet|cest|mez|mesz|utc|gmt|bst|edt|pst|et|pt|ist|min|read
    | lesezeit|minutes|minuten|h|pm|a\.m|p\.m|uhr
    )\b|\d{1,2}[:.h]\d{2}(?:\s?[ap]\.?m\.?)?|[\W\d_]""",
)


def is_date_line(text: str, language: str | None = None) -> bool:
    """A line that is a date (with weekday, time, "Updated"...), nothing to speak."""
    if len(text) > 120:
        return False
    dates = find_dates(text, language)
    if not dates:
        return False
    rest = text
    for d in reversed(dates):
        rest = rest[: d.start] + " " + rest[d.end :]
    rest = _DATE_FILLER.sub(" ", rest)
    return len(rest.split()) <= 1
