"""HTML pages -> :class:`~reader.article.Article`: trafilatura, then a pass for the ear.

trafilatura finds the main text and the metadata. Its text output flattens the article
into lines, so we take its XML tree instead (``bare_extraction(...).body``) and walk the
elements: headings, paragraphs, list items and block quotes become separate blocks, so
the reader can pause between them and the TUI can show them.

trafilatura keeps some things a listener must not hear: "Read more: <link>" paragraphs
(in every mode), share and subscribe lines, photo captions and credits, a paragraph
repeated as a teaser. The pass for the ear (:func:`ear_pass`) drops them using the rules
shared with the plain-text cleaner (:mod:`reader.extract.ear`), plus a few that only make
sense for trafilatura's tree (a first heading repeating the title, a lone date or
author line right under it).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from reader.article import Article, Block, BlockKind
from reader.errors import InputError
from reader.extract import ear

# Element tags of trafilatura's output tree (plus a few raw HTML tags its fallback
# extractors sometimes leave) that start a block of their own.
_HEADINGS = frozenset({"head", "h1", "h2", "h3", "h4", "h5", "h6"})
_ITEMS = frozenset({"item", "li", "dt", "dd"})
_QUOTES = frozenset({"quote", "blockquote"})
_TABLES = frozenset({"table"})
_ROWS = frozenset({"row", "tr"})
_CELLS = frozenset({"cell", "td", "th"})
_BREAKS = frozenset({"lb", "br"})
_SKIP = frozenset({"graphic", "img", "figure", "colgroup", "col", "script", "style", "noscript"})
_CONTAINERS = frozenset({"body", "div", "article", "section", "main"})
# A code element is a block (a listing) directly under a container, and inline code
# ("run `pip install`") inside a paragraph or list item.
_CODE = frozenset({"code", "pre"})
_BLOCKS = (
    frozenset({"p", "list", "ul", "ol", "dl"})
    | _CONTAINERS
    | _HEADINGS
    | _ITEMS
    | _QUOTES
    | _TABLES
    | _ROWS
    | _CELLS
)

_SPACES = re.compile(r"\s+")
# Soft hyphens, zero-width spaces and word joiners: invisible on screen, but they split
# words for the voice and for search. (Zero-width (non-)joiners shape Persian and Indic
# scripts and stay.)
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return _SPACES.sub(" ", text).strip()


def _inline_text(element: Any) -> str:
    """All the text inside an inline element (``hi``, ``ref``, ``del``...)."""
    return "".join(t for t in element.itertext() if isinstance(t, str))


def _walk(element: Any, kind: BlockKind) -> Iterator[tuple[BlockKind, str]]:
    """Yield ``(kind, text)`` for the blocks under ``element``.

    Inline children are glued into the current block; a line break (``lb``) ends it, so
    address lines or verse are spoken with a pause rather than run together; a block
    child flushes the text so far and is walked with its own kind.
    """
    buffer: list[str] = [element.text or ""]

    def flush() -> Iterator[tuple[BlockKind, str]]:
        text = _clean("".join(buffer))
        buffer.clear()
        if text:
            yield kind, text

    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag or tag in _SKIP:  # a comment, a processing instruction, an image
            pass
        elif tag in _BREAKS:
            yield from flush()
        elif tag in _TABLES:
            yield from flush()
            yield from _table(child)
        elif tag in _BLOCKS or (tag in _CODE and element.tag in _CONTAINERS):
            yield from flush()
            yield from _walk(child, _kind_for(tag, kind))
        else:
            buffer.append(_inline_text(child))
        buffer.append(child.tail or "")
    yield from flush()


def _kind_for(tag: str, outer: BlockKind) -> BlockKind:
    if tag in _HEADINGS:
        return "heading"
    if tag in _ITEMS:
        return "list_item"
    if tag in _QUOTES:
        return "quote"
    # A paragraph inside a quote or a list item stays a quote or an item.
    return outer if outer in ("quote", "list_item") else "paragraph"


def _table(table: Any) -> Iterator[tuple[BlockKind, str]]:
    """One block per table row, its cells separated by commas (a pause, not a bar).

    A listener cannot see columns; reading a row as one phrase keeps a cell next to
    its neighbours, which is what a reader scanning the row would do.
    """
    rows = [el for el in table.iter() if isinstance(el.tag, str) and el.tag in _ROWS]
    if not rows:
        yield from _walk(table, "paragraph")
        return
    for row in rows:
        cells = [
            _clean(_inline_text(cell))
            for cell in row
            if isinstance(cell.tag, str) and cell.tag in _CELLS
        ]
        cells = [c for c in cells if c]
        if cells:
            yield "paragraph", ", ".join(cells)


def blocks_from_tree(body: Any) -> list[Block]:
    """The blocks of trafilatura's output tree, in document order."""
    return [Block(kind, text) for kind, text in _walk(body, "paragraph")]


# -- the pass for the ear ----------------------------------------------------------------


def _key(text: str) -> str:
    return ear.repeat_key(text)


_DATE_ONLY = re.compile(
    r"^[\W\d_]*(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2})[\W\d_]*(?:uhr|am|pm)?\W*$",
    re.IGNORECASE,
)


# -- rules beyond reader.extract.ear ---------------------------------------------------------
# Measured on the extraction benchmark's HTML pages: what trafilatura keeps and a listener
# must not hear, in the shapes that survive its own filters. Candidates for ear.py; kept
# here, narrowly, until they move there.

_X = re.IGNORECASE | re.VERBOSE

# Link-list headers and inline links to other articles ("Lea también: <headline>",
# "Weitere Themen", "NOTAS RELACIONADAS", "Das könnte dich auch interessieren:").
_RELATED = re.compile(
    r"""^\W*(?:
      (?:lea|mire|vea|lee|ver|mira)(?:\s+(?:también|además|más))?\s*:
    | (?:le|te)\s+puede\s+interesar | auch\s+lesen | zum\s+weiterlesen | schon\s+gelesen
    | (?:mehr|weitere|top|andere|ähnliche|verwandte|passende)[-\s](?:aktuelle\s+)?
      (?:themen|artikel|beiträge|tipps|news|nachrichten|storys|stories|meldungen|videos
        |tourentipps)
    | (?:mehr|weitere)\s+(?:infos?|informationen)(?:\s+[\w-]+){0,5}\s*:?\s*$
    | empfohlene\s+(?:beiträge|artikel)
    | (?:notas|noticias|artículos|contenidos?)\s+relacionad[oa]s?
    | (?:related|more|top|recommended|popular|latest|trending)\s+
      (?:news|stories|articles|posts|reads|content|videos)
    | you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested)
    | most\s+(?:read|popular|viewed)
    | (?:das|dieses)\s+(?:thema\s+)?könnte\s+(?:dich|sie|euch)\s+(?:auch\s+)?interessieren
    | lust\s+auf\s+mehr | vorschau\s+auf\s+den\s+nächsten | (?:nächster|vorheriger)\s+artikel
    | lesen\s+sie\s+auch | weitere\s+beiträge | à\s+lire\s+(?:aussi|également)
    | sur\s+le\s+même\s+sujet | dans\s+la\s+même\s+rubrique | leia\s+(?:também|mais)
    | veja\s+(?:também|mais) | czytaj\s+(?:także|też|więcej) | zobacz\s+(?:też|także|również)
    | polecamy | leggi\s+anche | potrebbe\s+interessarti | lees\s+ook | läs\s+också
    | читайте\s+также
    )""",
    _X,
)

# Subscription, newsletter, log-in, donation and follow-us appeals.
_APPEAL = re.compile(
    r"""(?:
      \bsubscri(?:be|ber|bers|ption)\b | \bsign(?:ing)?[\s-]up\b | \bnewsletter
    | \bfollow\s+(?:us|[\w@ ]{1,30}\s+on\s+(?:twitter|facebook|instagram))
    | \bdownload\s+(?:the|our)\b[\w\s]{0,30}\bapps?\b | \blog\s*in\b
    | \bdonate\s+(?:now|today|here) | \bmake\s+a\s+donation | \bplease\s+donate
    | \bsupport(?:ing)?\s+(?:our|us)\b | letters?\s+to\s+the\s+editor
    | \babonnieren\b | \babonnement | \bim\s+abo\b | \bnicht\s+eingeloggt | eingeloggt\s+sein\s+um
    | \bjetzt\s+registrieren | registrieren\s+sie\s+sich
    | \bunterstütze\s+(?:uns|unsere|\w+\s+(?:bereits|jetzt|mit))
    | unterstützen\s+sie\s+(?:uns|unsere)
    | \bjetzt\s+spenden | \bspenden\s+sie | \bfolg(?:e|t|en\s+sie)\s+uns
    | \bsuscr[ií]b | \bs[ií]guenos | \bhazte\s+(?:miembro|socio) | \bpour\s+lire\s+la\s+suite
    | \bacc[ée]der\s+en\s+illimit | \babonnez | \bsubskrypc | \bzapraszamy | \bassine\b
    | \binscreva | \bmelde\s+dich | \bpaywall | \bbezahlschranke
    )""",
    _X,
)

# Page metadata, figure labels and notices ("Kategorie: News", "Last modified: ...",
# "Abbildung 4: ...", "Tel.: 0228 ...", "Alle Angaben ohne Gewähr").
_META = re.compile(
    r"""^\W*(?:
      categor(?:y|ies|ía|ia|ie)\s*: | kategorie\s*: | release\s+date | last\s+(?:modified|updated)
    | letzte\s+(?:änderung|aktualisierung) | aktualisiert\s+(?:am|:) | veröffentlicht\s+(?:am|:)
    | stand\s*: | published\s*: | updated\s*: | tel(?:efon|\.)?\s*[:.]?\s*\+?\d | bewerten\s*:
    | teilen\s+mit | titelbild | beitragsbild | bild\s+anzeigen | wird\s+geladen
    | keine\s+kommentare | view\s+comments | kommentare\s+insgesamt | cr[ée]dits?\s+photos?
    | fot\.\s | (?:abbildung|abb\.|figure|fig\.|grafik|tabelle|table)\s*\d+\s*[:.]
    | materiał\s+chroniony | alle\s+angaben\s+ohne\s+gewähr | \(alle\s+angaben | anzeige\b
    | inhaltsverzeichnis | table\s+of\s+contents | tags?\s*: | schlagw(?:örter|orte)
    | share\s+this | teilen\s*: | quelle\s*:
    )""",
    _X,
)
# A caption ending in a credit: "Marco Odermatt in Sölden. © AFP / MARCO BERTORELLO".
_CREDIT_END = re.compile(
    r"(?:©|\(c\)|\bFotos?\s*:|\bFot\.|\bPhoto\s*:|\bBild\s*:)\s*[^.!?]{1,80}$", re.IGNORECASE
)
# An agency line on its own: "aja/PAP", "dh/dpa".
_AGENCY_LINE = re.compile(r"^[\w.]{2,6}/(?:PAP|dpa|AFP|APA|KNA|epd|AP|Reuters)$", re.IGNORECASE)


def _is_related(text: str) -> bool:
    return len(text) <= 140 and bool(_RELATED.match(text))


def _is_chrome(text: str) -> bool:
    """Appeals, page metadata and credits (see the patterns above)."""
    n = len(text)
    return (
        (n <= 300 and bool(_APPEAL.search(text)))
        or (n <= 120 and bool(_META.match(text)))
        or (n <= 250 and bool(_CREDIT_END.search(text) or _AGENCY_LINE.match(text)))
    )


def _drop_related_sections(blocks: list[Block]) -> list[Block]:
    """Drop "related" headers and the link titles listed under them.

    After a header like "Weitere Themen" or "Lesen Sie auch:", the following headings,
    list items and short unpunctuated lines are headlines of other articles; the first
    real paragraph (long, or ending like a sentence) ends the section.
    """
    out: list[Block] = []
    skipping = False
    for block in blocks:
        text = block.text.rstrip()
        if _is_related(text):
            skipping = block.kind == "heading" or text.endswith((":", "?")) or len(text) <= 40
            continue
        if skipping:
            short = len(text) <= 160
            listed = block.kind in ("heading", "list_item", "quote")
            if short and (listed or not text.endswith((".", "!", "»", '"', "“"))):
                continue
            skipping = False
        out.append(block)
    return out


def ear_pass(blocks: list[Block], *, title: str | None, language: str | None) -> list[Block]:
    """Drop the blocks a listener must not hear; keep everything else in order.

    - interface lines ("Read more: ...", "Share", "Subscribe", "Lesen Sie auch") and
      captions or photo credits, by the shared rules of :mod:`reader.extract.ear`;
    - "related articles" headers and the headlines listed under them, subscription and
      newsletter appeals, page metadata lines and credits (the patterns above);
    - a lone timestamp or date line ("12.03.2021 14:05");
    - a heading or paragraph that repeats the title (the title is spoken first anyway),
      and later copies of any longer block (teasers repeated in the body).
    """
    title_key = _key(title) if title else ""
    kept: list[Block] = []
    for block in _drop_related_sections(blocks):
        text = block.text
        if ear.is_interface_line(text, language) or ear.is_caption_or_credit(text):
            continue
        if _is_chrome(text) or _DATE_ONLY.match(text):
            continue
        # (the length test first: a key costs a pass over every character)
        if title and abs(len(text) - len(title)) < 20 and _key(text) == title_key:
            continue
        kept.append(block)
    return ear.drop_repeats(kept, key=_repeat_text)


# Short blocks repeat legitimately (a file name in a tutorial, "Yes." in an interview,
# a heading "Ingredients" per recipe): only longer ones count as repeats.
_REPEAT_MIN = 25


def _repeat_text(block: Block) -> str:
    text = block.text
    if len(text) >= 2 * _REPEAT_MIN:  # surely long enough; skip counting
        return text
    return text if len(ear.repeat_key(text)) >= _REPEAT_MIN else ""


# -- metadata -----------------------------------------------------------------------------

_LANG_ATTR = re.compile(
    rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I
)
_LANG_META = re.compile(
    rb"<meta\b[^>]*(?:http-equiv\s*=\s*[\"']?content-language|property\s*=\s*[\"']?og:locale)"
    rb"[^>]*content\s*=\s*[\"']?([A-Za-z]{2,3})",
    re.I,
)
_LANG_META_REV = re.compile(
    rb"<meta\b[^>]*content\s*=\s*[\"']?([A-Za-z]{2,3})[-_A-Za-z]*[\"']?[^>]*"
    rb"(?:http-equiv\s*=\s*[\"']?content-language|property\s*=\s*[\"']?og:locale)",
    re.I,
)


def declared_language(html: str) -> str | None:
    """The page's declared language (``<html lang>``, Content-Language or og:locale)."""
    head = html[:65536].encode("utf-8", "ignore")
    for pattern in (_LANG_ATTR, _LANG_META, _LANG_META_REV):
        match = pattern.search(head)
        if match:
            code = match.group(1).decode("ascii").lower()
            if code not in ("und", "xx", "zz"):
                return code[:2] if len(code) == 3 and code in _ISO3 else code
    return None


# The three-letter codes pages use where a two-letter one exists.
_ISO3 = {"deu": "de", "ger": "de", "eng": "en", "fra": "fr", "fre": "fr", "spa": "es"}


def guess_language(text: str) -> str | None:
    """A guess from stopwords when the page declares no language.

    jusText ships stoplists for about a hundred languages; the language whose stopwords
    cover the largest share of the words wins (at least 15%, else no guess).
    """
    words = re.findall(r"\w+", text[:5000].casefold())
    if len(words) < 20:
        return None
    best, best_share = None, 0.0
    for code, stopwords in _stoplists().items():
        share = sum(1 for w in words if w in stopwords) / len(words)
        if share > best_share:
            best, best_share = code, share
    return best if best_share >= 0.15 else None


_STOPLIST_CODES = {
    "English": "en",
    "German": "de",
    "French": "fr",
    "Spanish": "es",
    "Italian": "it",
    "Portuguese": "pt",
    "Dutch": "nl",
    "Polish": "pl",
    "Swedish": "sv",
    "Danish": "da",
    "Norwegian_Bokmal": "nb",
    "Finnish": "fi",
    "Czech": "cs",
    "Slovak": "sk",
    "Hungarian": "hu",
    "Romanian": "ro",
    "Russian": "ru",
    "Ukrainian": "uk",
    "Turkish": "tr",
    "Greek": "el",
    "Croatian": "hr",
    "Slovenian": "sl",
    "Indonesian": "id",
    "Catalan": "ca",
}
_STOPLIST_CACHE: dict[str, frozenset[str]] = {}


def _stoplists() -> dict[str, frozenset[str]]:
    if not _STOPLIST_CACHE:
        import justext

        for name, code in _STOPLIST_CODES.items():
            try:
                _STOPLIST_CACHE[code] = frozenset(w.casefold() for w in justext.get_stoplist(name))
            except Exception:  # a stoplist missing from this justext version
                continue
    return _STOPLIST_CACHE


def _authors(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    names = [_clean(n) for n in re.split(r";|\s+(?:and|und|y|et|e|i)\s+", raw)]
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return tuple(seen)


def _title(raw: str | None, site: str | None) -> str | None:
    """The article title without a trailing " - Site name" that pages append."""
    if not raw:
        return None
    title = _clean(unicodedata.normalize("NFC", raw))
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
# (see README, "Benchmarks"): favor_precision and favor_recall both score lower there
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
    from reader.extract.plaintext import find_dates, is_date_line

    for block in blocks[:6]:
        if is_date_line(block.text, language):
            dates = find_dates(block.text, language)
            if dates:
                return dates[0].iso
    return None


def extract_html(html: str, *, url: str | None = None, source: str | None = None) -> Article:
    """Extract the article of an HTML page (already decoded to ``str``).

    ``url`` is where the page came from (used for metadata and relative links);
    ``source`` is what the user gave, used in error messages and kept on the article.
    Raises :class:`~reader.errors.InputError` when the page holds no article.
    """
    import trafilatura
    from trafilatura.utils import load_html

    subject = source or url or "<html>"
    html = _strip_xml_declaration(html)
    try:
        tree = load_html(html)
        if tree is None:
            raise InputError(subject, "no article found in the page")
        meta = _metadata(tree, url)
        doc: Any = trafilatura.bare_extraction(tree, url=meta.url or url, **EXTRACT_OPTIONS)
    except (ValueError, TypeError) as exc:  # lxml refuses some malformed documents
        raise InputError(subject, f"cannot parse the HTML ({exc})") from exc
    if doc is None or getattr(doc, "body", None) is None:
        raise InputError(subject, "no article found in the page")
    doc.title, doc.author, doc.date = meta.title, meta.author, meta.date
    doc.sitename, doc.hostname, doc.url = meta.sitename, meta.hostname, meta.url
    site = _clean(doc.sitename) if doc.sitename else (doc.hostname or None)
    title = _title(doc.title, site)
    blocks = blocks_from_tree(doc.body)
    language = declared_language(html) or doc.language
    if not language:
        language = guess_language(" ".join(b.text for b in blocks[:20]))
    date = doc.date or _date_from_blocks(blocks, language)
    blocks = ear_pass(blocks, title=title, language=language)
    if not blocks or doc.body.tag in _CHROME_ROOTS or _too_slight(blocks):
        raise InputError(subject, "no article found in the page")
    return Article(
        blocks=tuple(blocks),
        title=title,
        authors=_authors(doc.author),
        date=date or None,
        site=site,
        url=doc.url or url,
        language=language,
        source=source,
    )


# When trafilatura finds nothing better than a menu it returns it; that is no article.
_CHROME_ROOTS = frozenset({"nav", "header", "footer", "aside", "menu", "form"})


def _too_slight(blocks: list[Block]) -> bool:
    """A few words and not one sentence: link labels, not an article."""
    total = sum(len(b.text) for b in blocks)
    return total < 80 and not any(b.text.rstrip().endswith((".", "!", "?", "…")) for b in blocks)


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def _strip_xml_declaration(html: str) -> str:
    """lxml refuses a ``str`` that still declares an encoding: it is decoded already."""
    return _XML_DECL.sub("", html, count=1)
