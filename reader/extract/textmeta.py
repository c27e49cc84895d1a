"""Title, site name and date of a copied page (step 5 of :mod:`reader.extract.plaintext`).

The title is the line that best matches the copied ``<title>`` line, a line the page
repeats, or the line a byline or date follows; the site name is the ``<title>`` line's
other end; the date is the one nearest after the title. Without a title, the body's
opening words stand in for one.
"""

from __future__ import annotations

import re

from reader.extract import ear
from reader.extract.textlines import TERMINAL, Line
from reader.text.language import WORD

# (?<!\s): from the start of a run of spaces only (else a long run is quadratic).
_TITLE_SEPARATORS = re.compile(r"(?<!\s)\s+(?:\||–|—|-|::|·|•|»|/)\s+")


def _words(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def _containment(part: str, whole: set[str]) -> float:
    """The share of the words of ``part`` found in ``whole``."""
    words = _words(part)
    return len(words & whole) / len(words) if words else 0.0


def headline_part(text: str) -> str:
    """'Headline | Site' -> 'Headline' when the other parts are short labels."""
    parts = [p for p in _TITLE_SEPARATORS.split(text) if p]
    if len(parts) < 2:
        return text
    longest = max(parts, key=len)
    others_short = all(len(p.split()) <= 3 for p in parts if p is not longest)
    return longest if others_short and len(longest.split()) >= 3 else text


def site_name(first: str, title: str | None) -> str | None:
    """The site's name from a copied ``<title>`` line ("Headline | Site"): the end part
    that shares no words with the article's title."""
    parts = [p for p in _TITLE_SEPARATORS.split(first) if p]
    if len(parts) < 2:
        return None
    title_words = _words(title or max(parts, key=len))
    for part in (parts[-1], parts[0]):
        if len(part.split()) <= 6 and _containment(part, title_words) <= 0.34:
            return part.strip()
    return None


def _key(text: str) -> str:
    return ear.repeat_key(text)


def find_title(lines: list[Line], first_body: int) -> Line | None:
    """The article's title among the lines before the body.

    In order of trust: the line whose words are most nearly all in the page's first line
    (nearest the body on a tie) (a copied ``<title>``, "Headline | Site"), a line the page repeats
    before the body (a headline printed twice), the line a byline or date line follows.
    """
    candidates = [
        line
        for line in lines[1 : first_body + 1]
        if (
            2 <= line.words <= 30
            and len(line.text) <= 250
            and not line.role
            and not TERMINAL.search(line.text.rstrip("?!…"))
        )
        or (line.index < first_body and line.text.endswith(("?", "!")) and line.words <= 30)
    ]
    if not candidates:
        return None
    if first_body > 0 and not lines[0].role and lines[0].words <= 40:
        page_title = _words(lines[0].text)
        best: tuple[float, int] | None = None
        chosen = None
        for line in candidates:
            words = _words(line.text)
            shared = len(words & page_title)
            if line.index >= first_body or shared < 2 or shared < len(words) * 0.5:
                continue
            rank = (shared / len(words), line.index)  # most of it shared, then nearest the body
            if best is None or rank > best:
                best, chosen = rank, line
        if chosen is not None:
            return chosen
    # A line the page repeats before the body (a headline printed twice).
    seen: dict[str, Line] = {}
    for line in candidates:
        key = _key(line.text)
        if key in seen and line.words >= 3:
            return seen[key]
        seen[key] = line
    # The line a byline or date line follows.
    for line in candidates:
        nxt = lines[line.index + 1] if line.index + 1 < len(lines) else None
        if nxt is not None and nxt.role in ("byline", "date") and line.words >= 3:
            return line
    return None


def find_date(
    lines: list[Line], head: list[Line], title_line: Line | None, language: str | None
) -> str | None:
    """The article's date: nearest after the title on a byline or date line, else the
    first date in the page's head (a header's "today" date comes before the title)."""
    start = title_line.index if title_line is not None else 0
    for line in lines[start : start + 8]:
        if line.role in ("date", "byline") or (line.words <= 25 and line.cls != "good"):
            dates = ear.find_dates(line.text, language)
            if dates:
                return dates[0].iso
    for line in head:
        dates = ear.find_dates(line.text, language)
        if dates:
            return dates[0].iso
    return None
