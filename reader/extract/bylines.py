"""Bylines: the author names on a line such as "ByRomeo Minalane" or "Von Heike Buchter".

Both extraction paths take the authors from a byline and leave it unspoken at the top of
the article (:mod:`reader.extract.ear`).
"""

from __future__ import annotations

import re

_CAP = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*"
_PARTICLE = r"(?:(?:van|von|de|der|den|da|di|del|la|le|du|bin|al)[ \u00a0])?"
_NAME = rf"{_CAP}(?:[ \u00a0]{_PARTICLE}{_CAP}){{0,3}}"
# "By Jane Doe", "ByRomeo Minalane" (the space lost when the link was copied), "Von Heike
# Buchter", "Par Jean Dupont", "Por Ana", "Text: ...", "Autor: ...".
_BYLINE = re.compile(
    rf"""^(?i:(?:written|reported|posted|story|text|words)\ )?
    (?i:by|von|par|por|di|door|av|af|przez|autor(?:in)?|author|text|texto|redakcja|kirjoittanut)
    (?:\s*[:|]\s*|\s+|(?=[A-ZÀ-ÖØ-Þ][a-zà-ÿ]))
    (?P<names>{_NAME}(?:\s*(?:,|&|\band\b|\bund\b|\by\b|\bet\b|\be\b|\bi\b)\s*{_NAME})*)
    """,
    re.VERBOSE,  # names are matched case-sensitively: "and" is no name
)
_BYLINE_CASE = re.compile(
    r"^(?:(?:Written|Reported|Posted|Story|Text|Words) )?"
    r"(?:By|BY|by|Von|VON|von|Par|par|Por|por|Di|di|Door|door|Av|av|Af|af|Przez|przez"
    r"|Autor|Autorin|Author|Text|Texto|Redakcja|Kirjoittanut)\b|^By[A-Z]"
)
# What may follow the names on a byline: a separator, a date, "on ...", "updated ...".
_BYLINE_REST = re.compile(r"(?i)^(?:[|•·,–—/(-]|on\b|am\b|le\b|el\b|\d|updated|published)")
# (?<!\s): a match starts where a run of spaces starts, not at each of its characters
# (a long run without a separator was quadratic).
_NAME_SPLIT = re.compile(r"(?<!\s)\s*(?:,|&|\band\b|\bund\b|\by\b|\bet\b|\be\b|\bi\b)\s*")
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "our",
        "staff",
        "admin",
        "editor",
        "redaktion",
        "redakcja",
        "the-editors",
        "reuters",
        "ap",
        "afp",
        "dpa",
        "agencies",
        "agences",
        "agencias",
    ]
)


def parse_byline(text: str) -> tuple[str, ...] | None:
    """The author names of a byline line ("ByRomeo Minalane", "Von Heike Buchter, Berlin
    | 19.10.2019"), or ``None`` when the line is not a byline."""
    stripped = text.strip().lstrip("—–-•· ")
    if len(stripped) > 160 or not _BYLINE_CASE.match(stripped):
        return None
    m = _BYLINE.match(stripped)
    if not m:
        return None
    rest = stripped[m.end() :].strip()
    if rest and not _BYLINE_REST.match(rest):
        return None
    names = []
    for part in _NAME_SPLIT.split(m.group("names")):
        part = part.strip(" .,")
        if not part or part.lower() in _NOT_NAMES:
            continue
        if len(part.split()) < 2 and part.isupper() is False and len(part) < 3:
            continue
        names.append(part)
    return tuple(names) if names else None
