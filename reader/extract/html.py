"""HTML pages -> :class:`~reader.text.article.Article`: trafilatura, then a pass for the ear.

trafilatura finds the main text and the metadata. Its text output flattens the article
into lines, so we take its XML tree instead (``bare_extraction(...).body``) and walk the
elements: headings, paragraphs, list items and block quotes become separate blocks, so
the reader can pause between them and the TUI can show them.

trafilatura keeps some things a listener must not hear: "Read more: <link>" paragraphs
(in every mode), share and subscribe lines, photo captions and credits, "related" link
lists, a paragraph repeated as a teaser. The pass for the ear (:func:`ear_pass`) drops
them with the rules shared with the plain-text cleaner (:mod:`reader.extract.ear`); it
has no rules of its own.
"""

from __future__ import annotations

import contextlib
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from reader.errors import InputError
from reader.extract import ear
from reader.extract.tree import blocks_from_tree, clean
from reader.text.article import Article, Block
from reader.text.language import alpha2
from reader.text.sanitize import strip_controls

# -- the pass for the ear ----------------------------------------------------------------


def ear_pass(blocks: list[Block], *, title: str | None, language: str | None) -> list[Block]:
    """Drop the blocks a listener must not hear; keep everything else in order.

    Every rule is shared with the plain-text cleaner (:mod:`reader.extract.ear`):

    - "related articles" headers and the headlines listed under them;
    - interface lines ("Read more: ...", "Share", "Lesen Sie auch"), captions and photo
      credits, lone date lines, page metadata ("Kategorie: News"), appeals (subscribe,
      newsletter, log in, donate, follow us), notices and share bars
      (:func:`reader.extract.ear.unspoken`);
    - a byline among the first blocks ("Von Claudia Lindner": the author is metadata);
    - a heading or paragraph that repeats the title (the title is spoken first anyway),
      and later copies of any longer block (teasers repeated in the body).
    """
    kept = _block_rules(ear.drop_related_sections(blocks), language)
    return ear.drop_repeats(ear.drop_title_repeats(kept, title))


def _block_rules(blocks: list[Block], language: str | None) -> list[Block]:
    return [
        b
        for i, b in enumerate(blocks)
        if not ear.unspoken(b.text, language)
        # A byline only at the top: further down "By Car" may be a list item.
        and not (i < _BYLINE_REACH and ear.parse_byline(b.text))
    ]


def guarded_ear_pass(
    blocks: list[Block], *, title: str | None, language: str | None, guard: float | None
) -> list[Block]:
    """:func:`ear_pass`, unless it would remove more than ``guard`` (a share of the
    characters) of a body the consensus chose: then the "related" sections stay and only
    the rules that judge one block at a time apply (a heading misread as "related
    articles" must not take the second half of a good article with it)."""
    kept = ear_pass(blocks, title=title, language=language)
    if guard is None:
        return kept
    if _chars(kept) >= (1 - guard) * _chars(blocks):
        return kept
    alternative = ear.drop_repeats(ear.drop_title_repeats(_block_rules(blocks, language), title))
    return alternative if _chars(alternative) > _chars(kept) else kept


def _chars(blocks: list[Block]) -> int:
    return sum(len(b.text) for b in blocks)


# How many blocks from the top a byline may stand (the plain-text cleaner looks as far:
# three lines past the start of the body).
_BYLINE_REACH = 3


# -- metadata -----------------------------------------------------------------------------

# Tags are scanned up to the next "<" or ">" ([^<>], not [^>]): a scan that could run past
# the next tag made "<html<html<html..." quadratic (each start read to the end of the
# head). The attributes of one <meta> tag are then read by separate searches in that tag.
_LANG_ATTR = re.compile(
    rb"<html\b[^<>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I
)
_META_TAG = re.compile(rb"<meta\b[^<>]*", re.I)
_LANG_META_KIND = re.compile(
    rb"http-equiv\s*=\s*[\"']?content-language|property\s*=\s*[\"']?og:locale", re.I
)
_META_CONTENT = re.compile(rb"content\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)


def declared_language(html: str) -> str | None:
    """The page's declared language (``<html lang>``, Content-Language or og:locale)."""
    head = html[:65536].encode("utf-8", "ignore")
    codes = []
    match = _LANG_ATTR.search(head)
    if match:
        codes.append(match.group(1))
    for tag in _META_TAG.finditer(head):
        if _LANG_META_KIND.search(tag.group()):
            content = _META_CONTENT.search(tag.group())
            if content:
                codes.append(content.group(1))
    for raw in codes:
        code = raw.decode("ascii").lower()
        if code not in ("und", "xx", "zz"):
            return alpha2(code)
    return None


def _authors(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    names = [clean(n) for n in re.split(r";|\s+(?:and|und|y|et|e|i)\s+", raw)]
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return tuple(seen)


def _title(raw: str | None, site: str | None) -> str | None:
    """The article title without a trailing " - Site name" that pages append."""
    if not raw:
        return None
    title = clean(unicodedata.normalize("NFC", raw))
    if site:
        for sep in (" - ", " | ", " – ", " — ", " :: ", " · "):
            suffix = f"{sep}{site}"
            if title.endswith(suffix) and len(title) > len(suffix) + 3:
                title = title[: -len(suffix)].rstrip()
    return title or None


def _metadata(tree: Any, url: str | None) -> Any:
    """trafilatura's metadata, without the parts we do not use.

    ``extract_metadata`` also collects categories, tags and a license, which cost a
    quarter of its time and nothing here reads. This is its sequence for title, author,
    URL, site name and date (same functions, same order); if trafilatura reorganises
    them, the full ``extract_metadata`` is used.
    """
    try:
        from courlan import extract_domain
        from htmldate import find_date
        from trafilatura import metadata as tm
    except ImportError:  # pragma: no cover - a different trafilatura layout
        from trafilatura.metadata import extract_metadata

        return extract_metadata(tree, url, DATE_OPTIONS)
    meta = tm.examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    with contextlib.suppress(Exception):  # trafilatura guards it too (JSON-LD parsing bugs)
        meta = tm.extract_meta_json(tree, meta)
    if not meta.title:
        meta.title = tm.extract_title(tree)
    if not meta.author:
        meta.author = tm.extract_author(tree)
    if not meta.url:
        meta.url = tm.extract_url(tree, url)
    if meta.url:
        meta.hostname = extract_domain(meta.url, fast=True)
    meta.date = find_date(tree, url=meta.url, **DATE_OPTIONS)
    if not meta.sitename:
        meta.sitename = tm.extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    return meta


# -- the entry point ------------------------------------------------------------------------

# trafilatura settings, measured on the 793 annotated pages of the extraction benchmark
# (see docs/benchmarks.md): favor_precision and favor_recall both score lower there
# (F1 0.922 each against 0.927), and so does leaving tables out. Comments are never part
# of the article. htmldate's extensive search (dates in running text, through dateparser)
# doubled the time per page; without it the date comes from the markup and the URL, and
# a date line at the top of the article fills the gap (see _date_from_blocks).
EXTRACT_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": False,
    "favor_recall": False,
}
# htmldate's settings for the publication date (see above).
DATE_OPTIONS: dict[str, Any] = {"extensive_search": False, "original_date": True}


def _date_from_blocks(blocks: list[Block], language: str | None) -> str | None:
    """The date of a date line ("14 March 2024", "Aktualisiert am 3.2.2021") near the top."""
    for block in blocks[:6]:
        if ear.is_date_line(block.text, language):
            dates = ear.find_dates(block.text, language)
            if dates:
                return dates[0].iso
    return None


@dataclass(slots=True)
class Reading:
    """trafilatura's reading of a page: its tree, metadata and body blocks (before the
    pass for the ear), and the language. ``blocks`` is empty when trafilatura found no
    article (nothing, or a menu); the consensus may still find one."""

    subject: str
    html: str
    tree: Any
    blocks: list[Block]
    title: str | None
    language: str | None
    date: str | None
    authors: tuple[str, ...]
    site: str | None
    url: str | None


def read_page(html: str, *, url: str | None = None, source: str | None = None) -> Reading:
    """trafilatura's reading of an HTML page (already decoded to ``str``).

    Raises :class:`~reader.errors.InputError` when the page cannot be parsed at all.
    """
    import trafilatura
    from trafilatura.utils import load_html

    subject = source or url or "<html>"
    html = drop_control_references(_strip_xml_declaration(html))
    try:
        tree = load_html(html)
        if tree is None:
            raise InputError(subject, "no article found in the page")
        meta = _metadata(tree, url)
        doc: Any = trafilatura.bare_extraction(tree, url=meta.url or url, **EXTRACT_OPTIONS)
    except (ValueError, TypeError) as exc:  # lxml refuses some malformed documents
        raise InputError(subject, f"cannot parse the HTML ({exc})") from exc
    body = getattr(doc, "body", None) if doc is not None else None
    # When trafilatura finds nothing better than a menu it returns it; that is no article.
    blocks = blocks_from_tree(body) if body is not None and body.tag not in _CHROME_ROOTS else []
    site = clean(meta.sitename) if meta.sitename else (meta.hostname or None)
    language = declared_language(html) or (doc.language if doc is not None else None)
    if not language:  # the plain-text cleaner's guess: stopwords, or the script
        from reader.text.language import detect_language

        language = detect_language(" ".join(b.text for b in blocks[:20])) if blocks else None
    return Reading(
        subject=subject,
        html=html,
        tree=tree,
        blocks=blocks,
        title=_title(meta.title, site),
        language=language,
        date=meta.date or _date_from_blocks(blocks, language),
        authors=_authors(meta.author),
        site=site,
        url=meta.url or url,
    )


def make_article(
    reading: Reading,
    blocks: list[Block],
    *,
    source: str | None,
    extras: dict[str, Any] | None = None,
) -> Article:
    """The article of ``reading`` with ``blocks`` as its body (already through the pass for
    the ear). Raises :class:`~reader.errors.InputError` when the body is no article."""
    if not blocks or _too_slight(blocks):
        raise InputError(reading.subject, "no article found in the page")
    title, from_body = reading.title, False
    if not (title and title.strip()):  # named by the one rule for an untitled article
        from reader.text.titles import title_from_body

        body = next((b.text for b in blocks if b.kind != "heading"), blocks[0].text)
        title, from_body = title_from_body(body, reading.language) or None, True
    return Article(
        blocks=tuple(blocks),
        title=title,
        title_from_body=from_body and title is not None,
        authors=reading.authors,
        date=reading.date or None,
        site=reading.site,
        url=reading.url,
        language=reading.language,
        source=source,
        extras=extras or {},
    )


def extract_html(
    html: str, *, url: str | None = None, source: str | None = None, fast: bool | None = None
) -> Article:
    """Extract the article of an HTML page (already decoded to ``str``).

    By default the consensus of extractors (trafilatura's body checked against the
    candidates', :mod:`reader.extract.consensus`), then the pass for the ear; with
    ``fast`` trafilatura alone, then the pass for the ear. ``fast=None`` follows the
    ``extraction`` setting. ``url`` is where the page came from (used for metadata and
    relative links); ``source`` is what the user gave, used in error messages and kept on
    the article. Raises :class:`~reader.errors.InputError` when the page holds no article.
    """
    start = time.perf_counter()
    reading = read_page(html, url=url, source=source)
    if fast is None:
        from reader.config import settings

        fast = settings().extraction == "fast"
    if not fast:
        return _consensus(reading, source, time.perf_counter() - start)
    blocks = ear_pass(reading.blocks, title=reading.title, language=reading.language)
    extras = {"extraction": {"mode": "fast", "kept": "trafilatura"}}
    return make_article(reading, blocks, source=source, extras=extras)


# Each candidate gets this long, or this many times what trafilatura's reading of the page
# took if that is longer (a page that is slow to read is slow for everyone).
CANDIDATE_SECONDS = 2.0
CANDIDATE_FACTOR = 4.0


def _consensus(reading: Reading, source: str | None, spent: float) -> Article:
    from reader.extract import candidates, consensus
    from reader.extract.consensus import OURS, Body, Survey

    page = candidates.Page(reading.html, reading.tree, reading.language, reading.title)
    seconds = max(CANDIDATE_SECONDS, CANDIDATE_FACTOR * spent)
    outcomes = [candidates.run(name, page, seconds) for name in consensus.POOL]
    bodies = {OURS: Body.of(reading.blocks)}
    bodies.update((o.name, Body.of(o.blocks)) for o in outcomes if o.error is None)
    decision = consensus.decide(Survey(bodies), consensus.RULES)
    language = reading.language
    if language is None and decision.blocks:
        from reader.text.language import detect_language

        language = detect_language(" ".join(b.text for b in decision.blocks[:20]))
    blocks = guarded_ear_pass(
        decision.blocks, title=reading.title, language=language, guard=consensus.GUARD
    )
    if decision.kept != OURS and (not blocks or _too_slight(blocks)):
        decision = consensus.Decision(list(reading.blocks), OURS, decision.agreement)
        blocks = ear_pass(reading.blocks, title=reading.title, language=reading.language)
    else:
        reading.language = language
    report: dict[str, Any] = {
        "mode": "consensus",
        "kept": decision.kept,
        "agreement": decision.agreement,
        "added": decision.added,
        "failed": {o.name: o.error for o in outcomes if o.error is not None},
        "empty": [n for n, body in bodies.items() if not body.shingles],
    }
    return make_article(reading, blocks, source=source, extras={"extraction": report})


_CHROME_ROOTS = frozenset({"nav", "header", "footer", "aside", "menu", "form"})


def _too_slight(blocks: list[Block]) -> bool:
    """A few words and not one sentence: link labels, not an article."""
    total = sum(len(b.text) for b in blocks)
    return total < 80 and not any(b.text.rstrip().endswith((".", "!", "?", "…")) for b in blocks)


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Numeric character references (&#27; &#x1b;), decimal or hex; each digit run is bounded.
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _control_reference(match: re.Match[str]) -> str:
    hex_digits, digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(digits)
    if code in (9, 10, 13) or not (code < 32 or 127 <= code < 160):
        return match.group(0)
    return chr(code)


def drop_control_references(html: str) -> str:
    """``html`` with character references to control characters (``&#27;``, ``&#7;``)
    decoded and then removed with the escape sequences they form.

    The loader strips control characters from the bytes, but a reference becomes one only
    when the page is parsed: ``<title>&#27;]0;PWNED&#7;</title>`` would carry a live
    terminal escape into the title, and lxml drops a paragraph holding one (the article
    was lost). Decoded here, ``strip_controls`` removes the whole sequence
    (``\x1b]0;PWNED\x07``), not just its first byte. Tab, line feed and carriage return
    references stay.
    """
    if "&#" not in html:
        return html
    decoded = _CHAR_REF.sub(_control_reference, html)
    return html if decoded == html else strip_controls(decoded)


def _strip_xml_declaration(html: str) -> str:
    """lxml refuses a ``str`` that still declares an encoding: it is decoded already."""
    return _XML_DECL.sub("", html, count=1)
