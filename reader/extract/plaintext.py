"""The plain-text cleaner: a pasted or saved page in, the article out.

When people copy a page they get everything visible: the site menu, a greeting, the
header's date, the title (often twice), a byline, captions and photo credits, "read
more" links, donation appeals, the article, then comments and footer chrome, sometimes
cut off mid-word. trafilatura returns nothing on such text and jusText fed one line per
paragraph keeps nearly all of it, so this module does its own work, line by line:

1. **Normalise**: ANSI escape sequences and control characters out, mojibake ("fÃ¼r")
   decoded again, soft hyphens removed, line breaks unified.
2. **Language** (:mod:`reader.language`): stopword overlap with jusText's stoplists (words
   shared by several languages weigh less), or the script for languages without a stoplist.
3. **Classify** each line like jusText does (length and stopword density give *good*,
   *near-good*, *short* and *bad*), with the rules for the ear shared with the HTML path
   (:mod:`reader.extract.ear`: interface strings, captions, date lines, related-link
   lists, page metadata, bylines, and the appeals, notices and share bars of
   ``data/chrome.toml``) and two of its own: menus (runs of short lines) and greetings.
4. **Context**: short and near-good lines take the class of the good lines around them
   (jusText's rule), runs of near-good sentences count as prose, narrow gaps between
   paragraphs are filled, and the article ends where a comment section or a related-links
   list begins; small islands of prose after it (an author box, the site's description of
   itself, a cookie notice) are left out. A short line between article paragraphs that
   reads like a title becomes a heading.
5. **Metadata**: title (the line that best matches the copied ``<title>`` line, a line
   the page repeats, or the line a byline or date follows), authors from the byline
   ("ByRomeo Minalane", "Von Heike Buchter"), the date nearest after the title ("Dec 29,
   2024" -> ``2024-12-29``, "19. Oktober 2019", "29/12/2024"...), the site name from the
   ``<title>`` line's other end. Without a title, the body's opening words stand in for
   one (``title_from_body``, not spoken).
6. **Repair**: repeated paragraphs spoken once (a teaser gives way to its full copy); a
   last paragraph cut off mid-sentence ends at its last complete sentence or clause,
   never on a dangling fragment.

Measured on the 793 plain-text pages of the shared extraction benchmark (score.py):
through ``reader extract`` F1 0.894 (precision 0.910, recall 0.879), against 0.683 for
no cleaning. (Before the loader repaired mojibake ahead of stripping control characters,
the C1 bytes of broken UTF-8 were lost first, and ``reader extract`` scored 0.878; before
trailing islands were dropped, 0.885; before ingredient lists were kept, 0.893.)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from reader.article import Article, Block, BlockKind
from reader.errors import InputError
from reader.extract import ear, sources
from reader.language import WORD, detect_language, stopwords

# -- normalisation --------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalise(text: str) -> str:
    """Text with escape sequences and control characters removed and lines tidied.

    Mojibake repair, control and escape stripping and the invisible characters are
    :mod:`reader.extract.sources`' (the loader runs the first two already; they are
    cheap no-ops then, and keep :func:`clean_text` right on text that did not come
    through the loader).
    """
    text = sources.clean_decoded(text)
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", sources.strip_invisible(text))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


# -- line classification --------------------------------------------------------------------


# A site's greeting at the top of the page ("Hi Welcome You can highlight texts...").
_GREETING = re.compile(
    r"(?i)^(?:(?:hi|hello|hey|hallo|hola|salut|ciao|cześć)\b[\s,!.]*)?"
    r"(?:welcome|willkommen|bienvenid[oa]s?|bienvenue|benvenut[oi]|witamy|welkom)\b"
)
_SENTENCE_END = re.compile(r"[.!?…。！？:;\"”»’')\]]$")
_TERMINAL = re.compile(r"[.!?…。！？][\"”»’')\]]*$")


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
    from reader.segment import split_sentences

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


def _split_lines(text: str) -> list[Line]:
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
_STOP_HIGH = 0.32


def _classify(line: Line, stops: frozenset[str], language: str | None) -> None:
    text = line.text
    tokens = text.split()
    line.words = len(tokens)
    lowered = [t.strip(".,;:!?\"'()[]“”„«»‘’").lower() for t in tokens]
    if stops:
        line.stop_density = sum(1 for t in lowered if t in stops) / max(1, len(lowered))
    else:  # no stoplist: judge by length and punctuation alone
        line.stop_density = 0.35 if _TERMINAL.search(text) else 0.2
    length = _effective_length(text)

    role = _chrome_role(line, language, length)
    if role:
        line.role = role
        line.cls = "bad"
        return
    if line.stop_density < _STOP_LOW and length >= 20:
        # Few stopwords: a list of names, a headline or a tagline; a sentence or a
        # longer line of prose short of stopwords is left to its context.
        if line.stop_density < 0.15 or (length < _LENGTH_LOW and not _TERMINAL.search(text)):
            line.cls = "bad"
        elif length < _LENGTH_LOW:
            line.cls = "short"
        else:
            line.cls = "neargood" if line.stop_density >= 0.2 or length >= _LENGTH_HIGH else "short"
        return
    if length < _LENGTH_LOW:
        line.cls = "short"
    elif length >= _LENGTH_HIGH and line.stop_density >= _STOP_HIGH:
        line.cls = "good"
    else:
        line.cls = "neargood"
    # A full sentence ending in a period is prose even when short.
    if line.cls == "short" and line.words >= 5 and _TERMINAL.search(text):
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


def _mark_menus(lines: list[Line]) -> None:
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
            m for m in members if _effective_length(m.text) < 60 and not _TERMINAL.search(m.text)
        ]
        if len(shortish) * 3 >= len(members) * 2:
            for m in shortish:
                if m.cls in ("short", "neargood"):
                    m.cls = "bad"
                    m.role = m.role or "menu"


def _mark_related(lines: list[Line]) -> None:
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


def _context(lines: list[Line]) -> None:
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
        sentences = sum(1 for line in run if _TERMINAL.search(line.text))
        if sentences * 2 >= len(run):
            for line in run:
                line.cls = "good"


# -- headings -------------------------------------------------------------------------------


def _looks_like_heading(line: Line) -> bool:
    text = line.text
    if not 1 <= line.words <= 16 or len(text) > 120:
        return False
    if _SENTENCE_END.search(text) and not text.endswith("?"):
        return False
    if line.group_size > 2:
        return False
    first = text[0]
    return first.isupper() or first.isdigit() or not first.isalpha()


# -- title ----------------------------------------------------------------------------------

# (?<!\s): from the start of a run of spaces only (else a long run is quadratic).
_TITLE_SEPARATORS = re.compile(r"(?<!\s)\s+(?:\||–|—|-|::|·|•|»|/)\s+")


def _words(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def _containment(part: str, whole: set[str]) -> float:
    """The share of the words of ``part`` found in ``whole``."""
    words = _words(part)
    return len(words & whole) / len(words) if words else 0.0


def _headline_part(text: str) -> str:
    """'Headline | Site' -> 'Headline' when the other parts are short labels."""
    parts = [p for p in _TITLE_SEPARATORS.split(text) if p]
    if len(parts) < 2:
        return text
    longest = max(parts, key=len)
    others_short = all(len(p.split()) <= 3 for p in parts if p is not longest)
    return longest if others_short and len(longest.split()) >= 3 else text


def _site_name(first: str, title: str | None) -> str | None:
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


# -- cut-off repair -------------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(r"[,;:–—]\s")


def repair_cutoff(text: str) -> str | None:
    """A paragraph that stops mid-sentence, ended where a listener can follow.

    Returns the text unchanged when it ends like a sentence; cut back to the last complete
    sentence when it has one; otherwise cut at the last clause break when that keeps most
    of it (or else drop the last, possibly partial word) and end it with an ellipsis.
    ``None`` when nothing sensible is left. (Text path only: a saved page may be cut off
    mid-word; trafilatura's paragraphs come whole from the markup.)
    """
    stripped = text.rstrip()
    if _TERMINAL.search(stripped):
        return stripped
    last_end = None
    for m in re.finditer(r"[.!?…。！？][\"”»’')\]]*(?=\s)", stripped):
        last_end = m.end()
    if last_end is not None and last_end >= len(stripped) * 0.3:
        return stripped[:last_end]
    words = stripped.split()
    if len(words) < 4:
        return None
    clause = None
    for m in _CLAUSE_BREAK.finditer(stripped):
        clause = m.start()
    if clause is not None and clause >= len(stripped) * 0.4:
        cut = stripped[:clause]
    else:
        cut = stripped[: stripped.rstrip().rfind(" ")]
    cut = cut.rstrip(" ,;:–—-")
    return cut + "…" if cut else None


# -- the cleaner ----------------------------------------------------------------------------


def clean_text(text: str, *, source: str | None = None, language: str | None = None) -> Article:
    """Recover the article from the visible text of a page.

    ``language`` (ISO 639-1) skips detection when known. Raises
    :class:`~reader.errors.InputError` naming ``source`` (or ``"<text>"``) when the text
    holds no article: empty, only chrome, or no prose at all.
    """
    subject = source or "<text>"
    norm = normalise(text)
    lines = _split_lines(norm)
    if not lines:
        raise InputError(subject, "no text")

    prose_sample = "\n".join(line.text for line in lines if len(line.text.split()) >= 6)
    lang = language or detect_language(prose_sample or norm)
    stops = stopwords(lang)

    for line in lines:
        _classify(line, stops, lang)
    _mark_menus(lines)
    _mark_related(lines)
    if not any(line.cls == "good" for line in lines):
        # Short paragraphs only (a blog post, a notice): the best near-good lines anchor
        # the article instead.
        for line in lines:
            if line.cls == "neargood" and line.stop_density >= _STOP_HIGH and line.words >= 8:
                line.cls = "good"
    if not any(line.cls == "good" for line in lines) and len(lines) <= 5:
        # A sentence or two pasted on their own ("The meeting moved to Friday."): prose
        # to speak, not a page to clean.
        for line in lines:
            if not line.role and line.words >= 3 and _TERMINAL.search(line.text):
                line.cls = "good"
    _context(lines)
    _fill_gaps(lines)
    _keep_ingredients(lines)
    _keep_main_region(lines)
    _drop_trailing_islands(lines)

    body = [line for line in lines if line.cls in ("good", "kept_short")]
    if not any(line.cls == "good" for line in body):
        raise InputError(subject, "no article text found")
    first_body = body[0].index
    last_body = body[-1].index

    # Metadata from the lines around the top of the article.
    head = lines[: first_body + 1]
    title_line = _find_title(lines, first_body)
    title = _headline_part(title_line.text) if title_line else None
    site = _site_name(lines[0].text, title) if first_body > 0 else None
    authors: tuple[str, ...] = ()
    for line in lines[: min(len(lines), first_body + 3)]:
        names = ear.parse_byline(line.text)
        if names:
            authors = names
            line.role = "byline"
            break
    article_date = _find_date(lines, head, title_line, lang)

    # Headings: short lines between article paragraphs that read like titles.
    for line in lines[first_body : last_body + 1]:
        if line.cls in ("bad",) and line.role:
            continue
        if (
            line.cls in ("kept_short", "bad")
            and _looks_like_heading(line)
            and _between_prose(lines, line.index)
        ):
            line.heading = True
            line.cls = "kept_short"

    chosen = [line for line in lines if line.cls in ("good", "kept_short")]
    if title_line is not None:
        chosen = ear.drop_title_repeats(chosen, title_line.text, title)
    chosen = ear.drop_repeats(chosen)

    blocks: list[Block] = []
    for line in chosen:
        kind: BlockKind = "heading" if line.heading else "paragraph"
        content = line.text
        bullet = re.match(r"^(?:[•●▪◦‣∙·*]|-(?=\s))\s*", content)
        if bullet and not line.heading:
            kind = "list_item"
            content = content[bullet.end() :]
        elif content.startswith(">"):
            kind = "quote"
            content = content.lstrip("> ")
        if content:
            blocks.append(Block(kind, content))
    while blocks and blocks[-1].kind == "heading":
        blocks.pop()
    if blocks and blocks[-1].kind != "heading":
        repaired = repair_cutoff(blocks[-1].text)
        if repaired is None:
            blocks.pop()
        elif repaired != blocks[-1].text:
            blocks[-1] = Block(blocks[-1].kind, repaired)
    if not blocks:
        raise InputError(subject, "no article text found")

    title_from_body = False
    if not title:
        title = _title_from_body(blocks[0].text)
        title_from_body = True
    return Article(
        blocks=tuple(blocks),
        title=title,
        title_from_body=title_from_body,
        authors=authors,
        date=article_date,
        site=site,
        language=lang,
        source=source,
    )


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


def _keep_ingredients(lines: list[Line]) -> None:
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


def _fill_gaps(lines: list[Line], span: int = 3) -> None:
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


def _keep_main_region(lines: list[Line]) -> None:
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


def _drop_trailing_islands(lines: list[Line]) -> None:
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


def _between_prose(lines: list[Line], index: int) -> bool:
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


def _find_title(lines: list[Line], first_body: int) -> Line | None:
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
            and not _TERMINAL.search(line.text.rstrip("?!…"))
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


def _find_date(
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


def _title_from_body(text: str, limit: int = 80) -> str:
    """The opening words of the body, cut at a word boundary, as a stand-in title.

    No ellipsis is added where it is cut: the title names the article in lists, tags and
    export file names ("The council met….mp3" is no name), and it is never spoken.
    """
    first = text.split(". ")[0]
    if len(first) <= limit:
        return first.rstrip(".")
    cut = first[:limit]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:–—-")
