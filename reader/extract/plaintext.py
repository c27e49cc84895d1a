"""The plain-text cleaner: a pasted or saved page in, the article out.

When people copy a page they get everything visible: the site menu, a greeting, the
header's date, the title (often twice), a byline, captions and photo credits, "read
more" links, donation appeals, the article, then comments and footer chrome, sometimes
cut off mid-word. trafilatura returns nothing on such text and jusText fed one line per
paragraph keeps nearly all of it, so this module does its own work, line by line:

1. **Normalise**: ANSI escape sequences and control characters out, mojibake ("fÃ¼r")
   decoded again, soft hyphens removed, line breaks unified.
2. **Language** (:mod:`reader.text.language`): stopword overlap with jusText's stoplists (words
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

from reader.errors import InputError
from reader.extract import ear, sources
from reader.extract.textlines import (
    STOP_HIGH,
    TERMINAL,
    Line,
    between_prose,
    classify,
    context,
    drop_trailing_islands,
    fill_gaps,
    keep_ingredients,
    keep_main_region,
    looks_like_heading,
    mark_menus,
    mark_related,
    split_lines,
)
from reader.extract.textmeta import find_date, find_title, headline_part, site_name
from reader.text.article import Article, Block, BlockKind
from reader.text.language import detect_language, stopwords
from reader.text.titles import title_from_body

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
    if TERMINAL.search(stripped):
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
    lines = split_lines(norm)
    if not lines:
        raise InputError(subject, "no text")

    prose_sample = "\n".join(line.text for line in lines if len(line.text.split()) >= 6)
    lang = language or detect_language(prose_sample or norm)
    _judge(lines, stopwords(lang), lang)

    body = [line for line in lines if line.cls in ("good", "kept_short")]
    if not any(line.cls == "good" for line in body):
        raise InputError(subject, "no article text found")
    first_body = body[0].index
    last_body = body[-1].index

    # Metadata from the lines around the top of the article.
    head = lines[: first_body + 1]
    title_line = find_title(lines, first_body)
    title = headline_part(title_line.text) if title_line else None
    site = site_name(lines[0].text, title) if first_body > 0 else None
    authors = _byline(lines[: min(len(lines), first_body + 3)])
    article_date = find_date(lines, head, title_line, lang)
    _mark_headings(lines, first_body, last_body)

    chosen = [line for line in lines if line.cls in ("good", "kept_short")]
    if title_line is not None:
        chosen = ear.drop_title_repeats(chosen, title_line.text, title)
    blocks = _blocks(ear.drop_repeats(chosen))
    if not blocks:
        raise InputError(subject, "no article text found")

    from_body = not title
    return Article(
        blocks=tuple(blocks),
        title=title_from_body(blocks[0].text, lang) if from_body else title,
        title_from_body=from_body,
        authors=authors,
        date=article_date,
        site=site,
        language=lang,
        source=source,
    )


def _judge(lines: list[Line], stops: frozenset[str], lang: str | None) -> None:
    """Steps 3 and 4: each line's class alone, then in the context of the others."""
    for line in lines:
        classify(line, stops, lang)
    mark_menus(lines)
    mark_related(lines)
    if not any(line.cls == "good" for line in lines):
        # Short paragraphs only (a blog post, a notice): the best near-good lines anchor
        # the article instead.
        for line in lines:
            if line.cls == "neargood" and line.stop_density >= STOP_HIGH and line.words >= 8:
                line.cls = "good"
    if not any(line.cls == "good" for line in lines) and len(lines) <= 5:
        # A sentence or two pasted on their own ("The meeting moved to Friday."): prose
        # to speak, not a page to clean.
        for line in lines:
            if not line.role and line.words >= 3 and TERMINAL.search(line.text):
                line.cls = "good"
    context(lines)
    fill_gaps(lines)
    keep_ingredients(lines)
    keep_main_region(lines)
    drop_trailing_islands(lines)


def _byline(top: list[Line]) -> tuple[str, ...]:
    """The authors on the first byline among ``top``, which is marked as one."""
    for line in top:
        names = ear.parse_byline(line.text)
        if names:
            line.role = "byline"
            return names
    return ()


def _mark_headings(lines: list[Line], first_body: int, last_body: int) -> None:
    """Short lines between article paragraphs that read like titles become headings."""
    for line in lines[first_body : last_body + 1]:
        if line.cls in ("bad",) and line.role:
            continue
        if (
            line.cls in ("kept_short", "bad")
            and looks_like_heading(line)
            and between_prose(lines, line.index)
        ):
            line.heading = True
            line.cls = "kept_short"


_BULLET = re.compile(r"^(?:[•●▪◦‣∙·*]|-(?=\s))\s*")


def _blocks(chosen: list[Line]) -> list[Block]:
    """The article's blocks from the lines kept; no heading last, a cut-off end repaired."""
    blocks: list[Block] = []
    for line in chosen:
        kind: BlockKind = "heading" if line.heading else "paragraph"
        content = line.text
        bullet = _BULLET.match(content)
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
    return blocks
