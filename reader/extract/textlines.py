"""The lines of a copied page, judged one by one and then in context (steps 3 and 4 of
:mod:`reader.extract.plaintext`).

Each line is classified like jusText does (length and stopword density give *good*,
*near-good*, *short* and *bad*), with the ear rules of :mod:`reader.extract.ear` and two
of the text path's own: menus (runs of short lines) and greetings. Then context: short and
near-good lines take the class of the good lines around them, narrow gaps are filled, the
article ends where a comment section or a related-links list begins, and small islands of
prose after it are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from reader.extract import ear

# A site's greeting at the top of the page ("Hi Welcome You can highlight texts...").
_GREETING = re.compile(
    r"(?i)^(?:(?:hi|hello|hey|hallo|hola|salut|ciao|cześć)\b[\s,!.]*)?"
    r"(?:welcome|willkommen|bienvenid[oa]s?|bienvenue|benvenut[oi]|witamy|welkom)\b"
)
_SENTENCE_END = re.compile(r"[.!?…。！？:;\"”»’')\]]$")
TERMINAL = re.compile(r"[.!?…。！？][\"”»’')\]]*$")


@dataclass(slots=True)
class Line:
    """One line of the page and what the cleaner thinks of it."""

    text: str
    index: int
    group: int  # lines between two blank lines share a group
    group_size: int = 1
    words: int = 0
    stop_density: float = 0.0
    cls: str = "short"  # good | neargood | short | bad
    role: str = ""  # why a line was set aside (interface, caption, byline, date, ...)
    heading: bool = False


def _effective_length(text: str) -> int:
    """Characters, with CJK ideographs counted thrice (one carries a word's meaning)."""
    if text.isascii() or not _CJK.search(text):
        return len(text)
    return len(text) + 2 * len(_CJK.findall(text))


_CJK = re.compile(r"[\u3040-\u9fff\uac00-\ud7af]")


# A line longer than this is a wall of text (a PDF or an e-mail pasted without line breaks,
# or a page saved as one line): it is split into paragraphs of a few sentences, at least
# WALL_PARAGRAPH characters each. Whole, it would be judged as one line, and one appeal or
# notice phrase anywhere in 2,000 words set it all aside; it would also be one paragraph
# for the ear and the screen.
WALL_LINE = 2000
WALL_PARAGRAPH = 600


def split_wall(line: str, language: str | None = None) -> list[str]:
    """``line`` as paragraphs of a few sentences when it is longer than :data:`WALL_LINE`
    characters (cut at sentence ends, each at least :data:`WALL_PARAGRAPH` characters
    but the last); ``[line]`` otherwise, or when it has no sentence ends to cut at."""
    if len(line) <= WALL_LINE:
        return [line]
    from reader.text.segment import split_sentences

    pieces: list[str] = []
    start = 0
    for _first, end in split_sentences(line, language):
        if end - start >= WALL_PARAGRAPH:
            pieces.append(line[start:end].strip())
            start = end
    rest = line[start:].strip()
    if rest:
        if pieces and len(rest) < WALL_PARAGRAPH // 3:  # a short tail joins the last one
            pieces[-1] = f"{pieces[-1]} {rest}"
        else:
            pieces.append(rest)
    return [p for p in pieces if p] or [line]


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    group = 0
    pending_blank = False
    for raw in text.split("\n"):
        if not raw:
            pending_blank = True
            continue
        if pending_blank and lines:
            group += 1
        pending_blank = False
        for piece in split_wall(raw):
            lines.append(Line(piece, len(lines), group))
    sizes: dict[int, int] = {}
    for line in lines:
        sizes[line.group] = sizes.get(line.group, 0) + 1
    for line in lines:
        line.group_size = sizes[line.group]
    return lines


_LENGTH_LOW = 70
_LENGTH_HIGH = 150
_STOP_LOW = 0.30
STOP_HIGH = 0.32


def classify(line: Line, stops: frozenset[str], language: str | None) -> None:
    text = line.text
    tokens = text.split()
    line.words = len(tokens)
    lowered = [t.strip(".,;:!?\"'()[]“”„«»‘’").lower() for t in tokens]
    if stops:
        line.stop_density = sum(1 for t in lowered if t in stops) / max(1, len(lowered))
    else:  # no stoplist: judge by length and punctuation alone
        line.stop_density = 0.35 if TERMINAL.search(text) else 0.2
    length = _effective_length(text)

    role = _chrome_role(line, language, length)
    if role:
        line.role = role
        line.cls = "bad"
        return
    if line.stop_density < _STOP_LOW and length >= 20:
        # Few stopwords: a list of names, a headline or a tagline; a sentence or a
        # longer line of prose short of stopwords is left to its context.
        if line.stop_density < 0.15 or (length < _LENGTH_LOW and not TERMINAL.search(text)):
            line.cls = "bad"
        elif length < _LENGTH_LOW:
            line.cls = "short"
        else:
            line.cls = "neargood" if line.stop_density >= 0.2 or length >= _LENGTH_HIGH else "short"
        return
    if length < _LENGTH_LOW:
        line.cls = "short"
    elif length >= _LENGTH_HIGH and line.stop_density >= STOP_HIGH:
        line.cls = "good"
    else:
        line.cls = "neargood"
    # A full sentence ending in a period is prose even when short.
    if line.cls == "short" and line.words >= 5 and TERMINAL.search(text):
        line.cls = "neargood"


def _chrome_role(line: Line, language: str | None, length: int) -> str:
    text = line.text
    # A greeting opens a copied page ("Hi Welcome You can highlight texts..."); in HTML,
    # trafilatura starts at the article, so this rule lives here rather than in ear.py.
    if line.index < 5 and _GREETING.match(text):
        return "greeting"
    role = ear.unspoken(text, language, length)
    if role in ("interface", "caption", "date"):
        return role
    # Bylines are metadata here (the HTML path gets authors from the markup).
    if ear.parse_byline(text):
        return "byline"
    return role


def mark_menus(lines: list[Line]) -> None:
    """Groups of several short lines without sentence punctuation are menus or link lists.

    Text path only: in HTML, trafilatura leaves navigation out by its markup (``nav``,
    link density), and a list of short items there is usually part of the article."""
    by_group: dict[int, list[Line]] = {}
    for line in lines:
        by_group.setdefault(line.group, []).append(line)
    for members in by_group.values():
        if len(members) < 3:
            continue
        shortish = [
            m for m in members if _effective_length(m.text) < 60 and not TERMINAL.search(m.text)
        ]
        if len(shortish) * 3 >= len(members) * 2:
            for m in shortish:
                if m.cls in ("short", "neargood"):
                    m.cls = "bad"
                    m.role = m.role or "menu"


def mark_related(lines: list[Line]) -> None:
    """The headlines listed under a "related articles" header (the same rule as the HTML
    path, :func:`reader.extract.ear.related_sections`) are not the article."""
    # Sections start at a header the classification set aside; from the first one on.
    first = next(
        (
            line.index
            for line in lines
            if line.role == "related"
            or (line.role == "interface" and ear.is_related_header(line.text))
        ),
        None,
    )
    if first is None:
        return
    rest = lines[first:]
    flags = ear.related_sections([line.text for line in rest])
    for line, flag in zip(rest, flags, strict=True):
        if flag and not line.role:
            line.cls, line.role = "bad", "related"


def _nearest(classes: list[str], skip: frozenset[str], reverse: bool) -> list[str]:
    """For each position, the class of the nearest line before it (or after it, with
    ``reverse``) whose class is not in ``skip``; "bad" at the edges. One pass: linear."""
    result = [""] * len(classes)
    last = "bad"
    order = range(len(classes) - 1, -1, -1) if reverse else range(len(classes))
    for i in order:
        result[i] = last
        if classes[i] not in skip:
            last = classes[i]
    return result


def context(lines: list[Line]) -> None:
    """jusText's context step: short and near-good lines follow their good neighbours.

    As in jusText, every decision looks at the context-free classes, so the order in
    which lines are revised does not matter; near-good neighbours count as good where
    jusText counts them so. Neighbours are precomputed, so long pages stay linear.
    """
    skip_near = frozenset(("short", "neargood"))
    skip_short = frozenset(("short",))
    classes = [line.cls for line in lines]
    prev_gb = _nearest(classes, skip_near, reverse=False)
    next_gb = _nearest(classes, skip_near, reverse=True)
    prev_any = _nearest(classes, skip_short, reverse=False)
    next_any = _nearest(classes, skip_short, reverse=True)
    for i, line in enumerate(lines):
        if line.cls != "short":
            continue
        prev, nxt = prev_gb[i], next_gb[i]
        if prev == nxt == "good":
            line.cls = "kept_short"
        elif prev == nxt == "bad":
            line.cls = "bad"
        else:
            near_ok = prev_any[i] in ("good", "neargood") and next_any[i] in ("good", "neargood")
            line.cls = "kept_short" if near_ok else "bad"
    _promote_prose_runs(lines)
    classes = [
        line.cls if line.cls in ("good", "neargood", "kept_short") else "bad" for line in lines
    ]
    transparent = frozenset(("neargood", "kept_short"))
    prev_gb = _nearest(classes, transparent, reverse=False)
    next_gb = _nearest(classes, transparent, reverse=True)
    for i, line in enumerate(lines):
        if line.cls == "neargood":
            line.cls = "bad" if prev_gb[i] == next_gb[i] == "bad" else "good"


def _promote_prose_runs(lines: list[Line], min_lines: int = 3, min_chars: int = 300) -> None:
    """A run of near-good sentences (recipe steps, a post of short paragraphs) is prose
    even with no long paragraph beside it: jusText would drop it all."""
    runs: list[list[Line]] = []
    for line in lines:
        if line.cls != "neargood":
            continue
        if runs and line.index - runs[-1][-1].index <= 2:
            runs[-1].append(line)
        else:
            runs.append([line])
    for run in runs:
        if len(run) < min_lines or sum(len(line.text) for line in run) < min_chars:
            continue
        sentences = sum(1 for line in run if TERMINAL.search(line.text))
        if sentences * 2 >= len(run):
            for line in run:
                line.cls = "good"


# -- headings -------------------------------------------------------------------------------


def looks_like_heading(line: Line) -> bool:
    text = line.text
    if not 1 <= line.words <= 16 or len(text) > 120:
        return False
    if _SENTENCE_END.search(text) and not text.endswith("?"):
        return False
    if line.group_size > 2:
        return False
    first = text[0]
    return first.isupper() or first.isdigit() or not first.isalpha()


# Starts of the sections that follow an article: comments, tags, the author box. (Related
# links end it too: ear.opens_related_section, the rule the HTML path uses.) Only the text
# path needs these: a copied page runs on past the article, trafilatura stops at its end.
_END_MARKER = re.compile(
    r"""(?ix)^(?:
      leave\ a\ (?:reply|comment)|\d*\s*(?:comments?|responses?|replies|kommentare?|comentarios?
      |commentaires?|komentarz[ey]?)(?:\ \(\d+\))?|add\ (?:a\ )?comment|post\ a\ comment
    | kommentar\ (?:verfassen|schreiben|abgeben)|schreibe\ einen\ kommentar
    | hinterlasse(?:\ einen?\ (?:antwort|kommentar))?|neueste\ kommentare
    | über\ den\ autor|about\ the\ author|deja\ (?:un|tu)\ comentario
    | laisser\ un\ commentaire|zostaw\ komentarz|tags?|schlagwörter|filed\ under|kategorie[n]?
    )\s*[:.!]?\s*$"""
)


def _ends_article(text: str) -> bool:
    return bool(_END_MARKER.match(text)) or ear.opens_related_section(text)


# A quantity and a unit opening a short line: "200 g Zucker", "1 tbsp minced garlic".
_RECIPE_UNITS = (
    r"g|gr|kg|mg|ml|cl|dl|l|el|tl|msp|cups?|c|tbsp|tbs|tsp|tablespoons?|teaspoons?|oz|ounces?"
    r"|lbs?|pounds?|pinch|prise|pck|päckchen|packung|pkg|stück|stk|bund|zehen?|dosen?|cans?"
    r"|cloves?|handvoll|becher|scheiben?|slices?|sticks?|large|medium|small|kleine?|große?"
    r"|mittelgroße?|stangen?|blätter|blatt|tassen?|gläser|glas|esslöffel|teelöffel|liter|gramm"
)
_QUANTITY = r"(?:ca\.\s?)?(?:\d+(?:[.,/]\d+)?|[½¼¾⅓⅔⅛]|\d+\s?[½¼¾⅓⅔])(?:\s?[-–]\s?\d+)?"
_INGREDIENT = re.compile(rf"(?i)^{_QUANTITY}\s?(?:{_RECIPE_UNITS})\.?\s+\S")


def keep_ingredients(lines: list[Line]) -> None:
    """Runs of three or more quantities ("200 g Zucker", "1 tbsp minced garlic") are a
    recipe's ingredients: short lines, like a menu's, but the article's, and a listener
    following the recipe needs them."""
    run: list[Line] = []

    def flush() -> None:
        if len(run) >= 3:
            for line in run:
                if line.cls not in ("good", "kept_short") and line.role in ("", "menu"):
                    line.cls, line.role = "kept_short", ""
        run.clear()

    for line in lines:
        if len(line.text) < 80 and _INGREDIENT.match(line.text):
            run.append(line)
        else:
            flush()
    flush()


def fill_gaps(lines: list[Line], span: int = 3) -> None:
    """Lines in a narrow gap between two article paragraphs belong to the article ("JPMorgan
    Chase" alone on a line, a formula, a name) unless a chrome rule set them aside."""
    good = [i for i, line in enumerate(lines) if line.cls == "good"]
    for a, b in pairwise(good):
        if 1 < b - a <= span:
            for line in lines[a + 1 : b]:
                if line.cls == "bad" and not line.role:
                    line.cls = "kept_short"


# The author box under an article: "Jane Doe is a freelance writer who covers ...",
# "Max Muster ist Redakteur im Ressort ...".
_AUTHOR_BIO = re.compile(
    r"""^(?:[A-ZÀ-Þ][\w'’.-]+\s){1,3}(?:
      (?:is|was)\s(?:a|an|the)\s(?:[\w&-]+\s){0,4}?(?:writer|journalist|reporter|editor|author
        |correspondent|contributor|columnist|blogger|photographer|founder|co-founder|expert)
    | (?:writes|has\ written|covers|has\ covered)\s(?:about|for|on)?
    | (?:ist|war|arbeitet\ als)\s(?:\S+\s){0,4}?(?:Autor|Journalist|Redakteur|Korrespondent
        |Gründer|Blogger|Fotograf|Expert)
    | (?:schreibt|berichtet)\s(?:für|über|seit)
    )""",
    re.VERBOSE,
)


def keep_main_region(lines: list[Line]) -> None:
    """Drop what follows the article's end: comments, related links, the author box.

    A line that opens such a section ("Leave a Reply", "3 Kommentare", "Ähnliche
    Artikel") ends the article when most of the article's prose comes before it.
    """
    total = sum(len(line.text) for line in lines if line.cls == "good")
    if not total:
        return
    seen = 0
    for i, line in enumerate(lines):
        if line.cls == "good":
            if seen >= total * 0.6 and _AUTHOR_BIO.match(line.text):
                line.cls, line.role = "bad", "author-bio"
                continue
            seen += len(line.text)
        elif seen >= total * 0.5 and _ends_article(line.text):
            for rest in lines[i:]:
                if rest.cls in ("good", "kept_short"):
                    rest.cls = "bad"
                    rest.role = rest.role or "after-article"
            return


# An island: kept lines separated from the rest by more than this many lines set aside.
_ISLAND_GAP = 3
# A trailing island with less good prose than this share of the article's is chrome.
_ISLAND_SHARE = 0.2


def drop_trailing_islands(lines: list[Line]) -> None:
    """Small islands of prose after the article are the page's, not the article's.

    Kept lines fall into islands separated by runs of more than :data:`_ISLAND_GAP` lines
    set aside. The island with the most good prose is the article; the islands after it,
    from the page's end back to the first large one (:data:`_ISLAND_SHARE` of the
    article's prose or more), are an author box, a site's self-description, a cookie
    notice, a teaser or a comment: dropped. (Islands *before* the article are often its
    lead, cut off by a photo and its caption, and are kept.)
    """
    kept = [line for line in lines if line.cls in ("good", "kept_short")]
    if not kept:
        return
    islands: list[list[Line]] = [[kept[0]]]
    for a, b in pairwise(kept):
        if b.index - a.index > _ISLAND_GAP:
            islands.append([b])
        else:
            islands[-1].append(b)
    sizes = [sum(len(line.text) for line in isle if line.cls == "good") for isle in islands]
    main = max(range(len(islands)), key=lambda i: sizes[i])
    limit = sizes[main] * _ISLAND_SHARE
    for i in range(len(islands) - 1, main, -1):
        if sizes[i] >= limit:
            break
        for line in islands[i]:
            line.cls, line.role = "bad", line.role or "after-article"


def between_prose(lines: list[Line], index: int) -> bool:
    """Whether the next kept line after ``index`` is prose and something kept precedes it."""
    window = 20  # bounded, so a page of thousands of short lines stays linear
    after = next(
        (ln for ln in lines[index + 1 : index + 1 + window] if ln.cls != "bad" or not ln.role),
        None,
    )
    before = next(
        (ln for ln in reversed(lines[max(0, index - window) : index]) if ln.cls != "bad"), None
    )
    return (
        after is not None
        and after.cls == "good"
        and before is not None
        and before.cls in ("good", "kept_short")
    )
