"""Rules "for the ear": what a listener must not hear, shared by the HTML and text paths.

A reader may *see* "Read more:", a photo credit or a "Share" button and skip it without
thinking; a listener cannot. These predicates judge one block (a paragraph, a line) at a
time, so both trafilatura's blocks and the plain-text cleaner's lines go through the
same rules.

Both paths call :func:`unspoken` on every block or line, drop the headlines listed under a
"related" header (:func:`related_sections`), a byline at the top (:func:`parse_byline`),
copies of the title (:func:`drop_title_repeats`) and repeated blocks
(:func:`drop_repeats`). Phrase lists that are data rather than patterns (appeals,
notices, share bars) live in ``data/chrome.toml``. What stays in a path is what only
that path's input has: the plain-text cleaner's greetings, menus of short lines, the
comment section and author box after the article and a cut-off last line (a copied
page runs on past the article; trafilatura stops at its end).

Public API (stable; both paths call it):

- :func:`unspoken` — why a block must not be spoken ("interface", "caption", "date",
  "related", "metadata", "appeal", "notice", "social", "menu"), or "".
- :func:`is_interface_line` — site interface strings: "Read more", "Related:", "Share",
  "Subscribe", "Leave a Reply", "Lesen Sie auch", "Mehr zum Thema", "Lea también"...
- :func:`is_caption_or_credit` — photo captions and credits: "Volodymyr Zelenskyy. AP",
  "Foto: dpa", "(Photo: Reuters)", "Image: Getty", "… © AFP / NAME", "aja/PAP".
- :func:`is_related_header`, :func:`opens_related_section`, :func:`related_sections` and
  :func:`drop_related_sections` — "Weitere Themen", "Lea también:", "You may also like"
  and the headlines listed under them.
- :func:`is_page_metadata` — "Kategorie: News", "Last modified: …", "Abbildung 4: …",
  "Tel.: 0228 …".
- :func:`chrome_kind` — appeals (subscribe, newsletter, log in, donate, follow us on),
  notices (cookies, rights, comment forms), share bars and "|" menus, from
  ``data/chrome.toml``.
- :func:`find_dates` and :func:`is_date_line` (from :mod:`reader.extract.dates`) — dates in
  many languages; a line that is only a date ("Aktualisiert am 3.2.2021 14:05") is not spoken.
- :func:`parse_byline` (from :mod:`reader.extract.bylines`) — the names on a byline
  ("ByRomeo Minalane", "Von Heike Buchter"); both paths leave a byline at the top of the
  article unspoken.
- :func:`drop_repeats` and :func:`drop_title_repeats` — the second and later copies of a
  block (a teaser repeating a body paragraph, a title repeated under itself).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from importlib import resources
from typing import TypeVar

from reader.extract.bylines import parse_byline as parse_byline
from reader.extract.dates import DateMatch as DateMatch
from reader.extract.dates import find_dates as find_dates
from reader.extract.dates import is_date_line as is_date_line

T = TypeVar("T")

# -- interface strings ----------------------------------------------------------------

# Whole lines that are a button or a link label, in many languages. Compared after
# normalisation (lower case, no punctuation at the ends, spaces collapsed).
_INTERFACE_EXACT = frozenset(
    """
read more|read more »|more|continue reading|keep reading|read full article|read full story
read the full story|read the full article|full story|show more|see more|load more|view more
related|related articles|related stories|related posts|related content|recommended
share|share this|share this article|share this story|share on facebook|share on twitter
share on whatsapp|share via email|tweet|email|print|copy link|link copied|comments
comment|leave a reply|leave a comment|post a comment|add a comment|reply|cancel reply
subscribe|subscribe now|sign up|sign in|log in|login|register|logout|log out|close|menu
skip to content|skip to main content|back to top|top|home|search|advertisement|advert
sponsored|sponsored content|support now|donate|donate now|click to listen highlighted text
follow us|follow|like|next|previous|next article|previous article|newer post|older post
listen|listen to this article|play|pause|loading|loading...|accept|accept cookies
explore further|related coverage|more coverage|top stories|most read|most popular|trending now
hinterlasse eine antwort|hinterlasse einen kommentar|antworten|das könnte dich auch interessieren
inhalt|inhaltsverzeichnis|contents|table of contents|zurück zum artikel|zurück zur übersicht
mirá también|mira también|le puede interesar|te puede interesar|otras noticias|etiquetas
artículos relacionados|noticias relacionadas|las más vistas|lo más visto|lo más leído
zobacz również|zobacz też|czytaj również|najczęściej czytane|sur le même sujet|à la une
weiterlesen|mehr lesen|mehr|lesen sie auch|lesen sie mehr|mehr zum thema|zum thema|teilen
artikel teilen|drucken|kommentare|kommentar|kommentieren|abonnieren|jetzt abonnieren
anmelden|abmelden|registrieren|suche|startseite|nach oben|zurück|weiter|schließen|anzeige
werbung|empfehlungen|das könnte sie auch interessieren|auch interessant|verwandte artikel
mehr artikel|alle artikel|zum artikel|artikel lesen|newsletter|jetzt spenden|spenden
lea también|leer más|seguir leyendo|más información|compartir|comentarios|suscríbete
lire aussi|lire la suite|en savoir plus|partager|commentaires|s'abonner|abonnez-vous
à lire aussi|voir aussi|leia também|leia mais|compartilhar|comentários|czytaj także
czytaj więcej|zobacz także|udostępnij|komentarze|leggi anche|continua a leggere|condividi
lue myös|jaa|читайте также|поделиться|подробнее|lees ook|lees meer|delen|läs mer|läs också
""".strip()
    .replace("\n", "|")
    .split("|")
)

# Line openings that announce a link to another article ("Read more: Headline", "Lesen
# Sie auch: ..."). A line that starts with one of these and is short is a link label.
_INTERFACE_PREFIX = re.compile(
    r"""^(?:
      read\ (?:more|also|next)|see\ also|related(?:\ (?:article|story|stories|coverage))?
    | more\ on\ this(?:\ story)?|more\ from|recommended(?:\ for\ you)?|also\ read|watch
    | listen|click\ here|tap\ here|sign\ up\ for|subscribe\ to|follow\ us\ on
    | lesen\ sie\ (?:auch|mehr|hier)|mehr\ zum\ thema|mehr\ dazu|auch\ interessant
    | das\ könnte\ sie\ auch\ interessieren|weitere\ artikel|zum\ thema|siehe\ auch
    | hier\ (?:geht's|gehts|geht\ es)\ zum|jetzt\ (?:lesen|abonnieren|anmelden)
    | lea(?:\ (?:también|más|además))?|vea(?:\ también)?|mira\ también|lee\ también
    | (?:te|le)\ puede\ interesar|ver\ también|leer\ más|mirá\ también|etiquetas
    | zobacz\ również|czytaj\ również
    | lire\ (?:aussi|également|la\ suite)|à\ lire\ aussi|voir\ aussi|leia\ (?:também|mais)
    | czytaj\ (?:także|też|więcej)|zobacz\ (?:też|także)|leggi\ anche|lue\ myös|читайте\ также
    | tags?|schlagw(?:ö|o)rte?|stichw(?:ö|o)rte?|getaggt\ mit|zurück\ zu[mr]?|filed\ under
    | posted\ in|kategorien?|categories|category
    )\b\s*[:>»›\-–—|]""",
    re.IGNORECASE | re.VERBOSE,
)

# Short navigation links: "Back to top", "Zurück zum Lexikon", "Volver a la portada".
_NAVIGATION = re.compile(
    r"^(?:back\ to|return\ to|go\ to|zurück\ zu[mr]?|volver\ a|retour\ à|powrót\ do"
    r"|torna\ a|voltar\ para)\b",
    re.VERBOSE,
)

_TRIM = " \t\r\n\u00a0.,;:!?·•|>»«›‹-–—_*#()[]{}\"'“”„‘’→←↑↓"


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\s+", " ", text)
    return text.strip(_TRIM)


def is_interface_line(text: str, language: str | None = None) -> bool:
    """Whether ``text`` is a site interface string, not article prose.

    True for whole-line button or link labels ("Read more", "Share", "Leave a Reply",
    "Weiterlesen", "Lea también") and for short lines that open with a link announcement
    ("Read more: Ukraine's winter", "Lesen Sie auch: ..."). ``language`` is accepted for
    future per-language rules; the lists cover all languages at once because pages mix
    them (an English share bar on a German article).
    """
    if len(text) > 400:  # interface strings are short; spare long paragraphs the work
        return False
    norm = _norm(text)
    if not norm:
        return True
    if norm in _INTERFACE_EXACT:
        return True
    stripped = text.strip()
    if len(norm.split()) <= 6 and _NAVIGATION.match(norm):
        return True
    return len(stripped) <= 200 and bool(_INTERFACE_PREFIX.match(stripped.lstrip("•*-–— ")))


# -- captions and credits ---------------------------------------------------------------

_AGENCIES = (
    r"AP|AFP|Reuters|dpa|DPA|EPA|Getty(?:\ Images)?|Shutterstock|iStock(?:photo)?|picture\ alliance"
    r"|imago(?:\ images)?|Keystone|ANP|ANSA|EFE|PA(?:\ Media|\ Wire)?|Xinhua|TASS|Bloomberg"
    r"|Alamy|Unsplash|Pixabay|Wikimedia(?:\ Commons)?|KNA|epd|APA|Sputnik|AAP|NurPhoto"
    r"|SOPA\ Images|ZUMA(?:\ Press)?|Anadolu(?:\ Agency)?|Pool|Handout|Archiv|Archive|privat"
    r"|PAP"
)
# "Foto: dpa", "(Photo: Reuters)", "Bild: Max Muster", "Image credit: Getty", "© AFP".
_CREDIT_LABEL = re.compile(
    r"""^[(\[]?\s*(?:
        (?:photo|photos|picture|image|images|pic|credit|photo\ credit|image\ credit
          |photograph(?:\ by)?|photographed\ by|photo\ by
          |picture\ credit|source|illustration|graphic|video|foto|fotos|bild|bilder|quelle
          |grafik|bildquelle|fotografía|imagen|crédito|crédit|crédits|photographie|zdjęcie
          |fot|źródło|kuva|lähde|фото|иллюстрация)\s*(?:credit)?\s*[:©/|]
      | ©|\(c\)|copyright\b
      | (?:photo|photograph|image|picture|foto|bild|video)s?\ (?:by|von|de|par|di|door|via)\ \S
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# A caption that ends in an agency credit: "Ukrainian President Volodymyr Zelenskyy. AP",
# "Rescue workers in Kyiv (Reuters)", "… | Foto: dpa", "… / AFP".
_CREDIT_TAIL = re.compile(
    rf"""(?:[.|/·,–—-]\s*|\(\s*|\bvia\s+)(?:photo:?\s*|foto:?\s*|bild:?\s*)?
        (?:{_AGENCIES})(?:\s*/\s*[\w .'-]{{1,40}})?\s*\)?\s*$""",
    re.VERBOSE,
)
_CREDIT_INLINE = re.compile(r"[|/(]\s*(?:Foto|Photo|Bild|Image|Credit)\s*:", re.IGNORECASE)
# A caption closing on a labelled credit: "Volunteers in the hall. Photo: Ledger/T. Reyes".
_CREDIT_END = re.compile(
    r"[.!?]\s+(?:photo|photos|foto|fotos|bild|image|picture|credit|photograph|illustration"
    r"|quelle|source|fotografía|imagen|zdjęcie)(?:\s+credit)?\s*:\s*[^.!?]{1,60}$",
    re.IGNORECASE,
)


# A caption whose last words are a credit after a sign or label, with no sentence after
# it: "Marco Odermatt in Sölden. © AFP / MARCO BERTORELLO", "Most w Gdańsku. Fot. PAP".
_CREDIT_SIGN_END = re.compile(
    r"(?:©|\(c\)|\bFotos?\s*:|\bFot\.|\bPhoto\s*:|\bBild\s*:)\s*[^.!?]{1,80}$", re.IGNORECASE
)


def is_caption_or_credit(text: str) -> bool:
    """Whether ``text`` is an image caption or a photo credit.

    Catches labelled credits anywhere short ("Foto: dpa", "(Photo: Reuters)", "Image:
    Getty", "© AFP"), short lines ending in an agency name after a period, slash or bar
    ("Volodymyr Zelenskyy. AP", "Kyiv at night / AFP", "aja/PAP") and lines ending in a
    credit after "©", "Foto:" or "Fot." ("… © AFP / MARCO BERTORELLO"). A sentence of prose
    that merely mentions Reuters ("…, Reuters reported.") is not a caption.
    """
    stripped = text.strip()
    if not stripped:
        return False
    if len(stripped) > 300:
        return False
    label = _CREDIT_LABEL.match(stripped)
    # "Photo by Jane Doe" is a credit; a long sentence opening "Photos by the team were
    # shown..." is prose: a label without a colon or © counts on short lines only.
    if label and (len(stripped) <= 120 or _PUNCTUATED_LABEL.search(label.group())):
        return True
    # Each of these credits holds ":", "©", "(c)" or "Fot.": a cheap test spares most
    # lines three regex scans (the text path asks this of every line of a page).
    if (
        len(stripped) <= 250
        and (
            ":" in stripped
            or "©" in stripped
            or "(" in stripped
            or "ot." in stripped
            or "OT." in stripped
        )
        and (
            _CREDIT_INLINE.search(stripped)
            or _CREDIT_END.search(stripped)
            or _CREDIT_SIGN_END.search(stripped)
        )
    ):
        return True
    return len(stripped) <= 200 and bool(_CREDIT_TAIL.search(stripped))


_PUNCTUATED_LABEL = re.compile(r"[:©/|]|\(c\)|copyright", re.IGNORECASE)


# -- related sections ------------------------------------------------------------------------

_X = re.IGNORECASE | re.VERBOSE

# Headers of link lists and inline links to other articles ("Lea también: <headline>",
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
    | (?:recommended(?:\s+for\s+you)? | read\s+next | more\s+from | trending(?:\s+now)?
      | relacionad[oa]s | meistgelesen | mehr\s+zum\s+thema | mehr\s+aus\s+dem\s+ressort
      | neueste\s+(?:artikel|beiträge) | articles\s+similaires | podobne\s+artykuły
      )\s*[:.!]?\s*$
    )""",
    _X,
)


def is_related_header(text: str) -> bool:
    """Whether ``text`` announces links to other articles ("Weitere Themen", "Lea también:
    <headline>", "You may also like", "Das könnte Sie auch interessieren")."""
    return len(text) <= 140 and bool(_RELATED.match(text))


def opens_related_section(text: str, kind: str = "paragraph") -> bool:
    """Whether ``text`` is a related header that stands alone (a heading, a line ending in
    ":" or "?", or a label of at most 40 characters), so the lines after it are the
    headlines it lists; "Lea también: <a long headline>" is a link of its own."""
    text = text.rstrip()
    return is_related_header(text) and (
        kind == "heading" or text.endswith((":", "?")) or len(text) <= 40
    )


def related_sections(texts: Sequence[str], kinds: Sequence[str] | None = None) -> list[bool]:
    """For each block, whether it belongs to a "related articles" section.

    A section opens with a related header that stands alone (a heading, a line ending in
    ":" or "?", or a short label) and runs over the headlines listed under it: headings,
    list items and quotes under 160 characters, and short lines that do not end like a
    sentence. The first real paragraph (long, or ending in ".", "!" or a closing quote)
    ends it. ``kinds`` are block kinds ("heading", "list_item"...), when known.
    """
    flags = [False] * len(texts)
    skipping = False
    for i, raw in enumerate(texts):
        text = raw.rstrip()
        kind = kinds[i] if kinds is not None else "paragraph"
        if is_related_header(text):
            flags[i] = True
            skipping = opens_related_section(text, kind)
            continue
        if skipping:
            short = len(text) <= 160
            listed = kind in ("heading", "list_item", "quote")
            if short and (listed or not text.endswith((".", "!", "»", '"', "“"))):
                flags[i] = True
                continue
            skipping = False
    return flags


def drop_related_sections(blocks: Sequence[T]) -> list[T]:
    """``blocks`` (with ``text`` and ``kind``) without "related" headers and the headlines
    listed under them (see :func:`related_sections`)."""
    flags = related_sections(
        [str(getattr(b, "text", b)) for b in blocks],
        [str(getattr(b, "kind", "paragraph")) for b in blocks],
    )
    return [b for b, flag in zip(blocks, flags, strict=True) if not flag]


# -- page metadata ---------------------------------------------------------------------------

# Page metadata, figure labels and notices at the start of a short line ("Kategorie: News",
# "Last modified: ...", "Abbildung 4: ...", "Tel.: 0228 ...", "Alle Angaben ohne Gewähr").
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


def is_page_metadata(text: str) -> bool:
    """Whether a short line is page metadata, a figure label or a notice, not prose
    ("Kategorie: News", "Last modified: 03-10-2004", "Abbildung 4: Aufbau", "Tel.: 0228 …")."""
    return len(text) <= 120 and bool(_META.match(text))


# -- chrome phrases (data/chrome.toml) --------------------------------------------------------


@lru_cache(maxsize=1)
def _chrome_phrases() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every phrase of data/chrome.toml, and each phrase's category.

    A single alternation keeps both paths fast: the phrases are tried in one pass of the
    regex engine over a line instead of one pass per phrase. A phrase ending in a space
    must end a word there ("log in " matches "Log in" and "log in to", not "log into").
    """
    data = tomllib.loads(
        resources.files("reader.extract").joinpath("data/chrome.toml").read_text("utf-8")
    )
    category: dict[str, str] = {}
    patterns: dict[str, str] = {}
    for name in ("appeal", "notice", "social"):
        for phrase in data.get(name, []):
            phrase = phrase.lower()
            word = phrase.rstrip()
            if word in category:
                continue
            category[word] = name
            patterns[word] = re.escape(word) + (r"(?!\w)" if phrase != word else "")
    alternation = "|".join(patterns[p] for p in sorted(patterns, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})"), category


# Copyright lines: "© 2025 Example", "Copyright 2019 ...", "(c) 2020".
_COPYRIGHT = re.compile(r"(?i)^(?:©|copyright\b|\(c\)\s*\d{4})|©\s?\d{4}")

# Thresholds of chrome_kind, in characters (see data/chrome.toml).
APPEAL_ALONE = 160
NOTICE_ALONE = 300


def chrome_kind(text: str, length: int | None = None) -> str:
    """ "appeal", "notice", "social" or "menu" when ``text`` is site chrome, else "".

    - appeal: two different appeal phrases, or one in a line under :data:`APPEAL_ALONE`
      characters (an article that mentions a donation once keeps that sentence);
    - notice: a notice phrase or a copyright sign in a line under :data:`NOTICE_ALONE`
      characters, or two anywhere;
    - social: network names make a third or more of a line of at most 30 words;
    - menu: a line under 300 characters with two or more "|" separators.

    ``length`` is the line's length as the caller weighs it (the text path counts a CJK
    ideograph thrice); ``len(text)`` by default.
    """
    if length is None:
        length = len(text)
    pattern, category = _chrome_phrases()
    appeals: set[str] = set()
    notices: set[str] = set()
    social_hits = 0
    for m in pattern.finditer(text.lower()):
        kind = category.get(m.group(), "notice")
        if kind == "appeal":
            appeals.add(m.group())
        elif kind == "notice":
            notices.add(m.group())
        else:
            social_hits += 1
    if len(appeals) >= 2 or (appeals and length < APPEAL_ALONE):
        return "appeal"
    n_notices = len(notices) + bool(_COPYRIGHT.search(text))
    if n_notices and (length < NOTICE_ALONE or n_notices >= 2):
        return "notice"
    if social_hits:
        words = len(text.split())
        if words <= 30 and social_hits * 3 >= words:
            return "social"
    if length < 300 and text.count("|") >= 2 and text.strip():
        return "menu"
    return ""


# -- all rules at once ---------------------------------------------------------------------


def unspoken(text: str, language: str | None = None, length: int | None = None) -> str:
    """Why ``text`` (one block or line) must not be spoken, or "" when it may be.

    The reasons, in the order they are tried: "interface", "caption", "date", "related",
    "metadata", then :func:`chrome_kind`'s "appeal", "notice", "social" and "menu".
    """
    if is_interface_line(text, language):
        return "interface"
    if is_caption_or_credit(text):
        return "caption"
    if is_date_line(text, language):
        return "date"
    if is_related_header(text):
        return "related"
    if is_page_metadata(text):
        return "metadata"
    return chrome_kind(text, length)


# -- repeats -------------------------------------------------------------------------------


def repeat_key(text: str) -> str:
    """The form under which two blocks count as the same: letters and digits, lower case."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


_NON_ALNUM = re.compile(r"[\W_]+")


# Short blocks repeat legitimately (a file name in a tutorial, "Yes." in an interview, a
# heading "Ingredients" per recipe): only blocks of at least this many letters and digits
# count as repeats.
REPEAT_MIN = 25


def drop_repeats(
    blocks: Iterable[T], key: Callable[[T], str] | None = None, min_length: int = REPEAT_MIN
) -> list[T]:
    """Keep the first copy of each block and drop later copies.

    ``blocks`` may be strings or any objects with a ``text`` attribute (such as
    :class:`reader.text.article.Block`); ``key`` overrides how the text is read. Blocks of fewer
    than ``min_length`` letters and digits are kept however often they occur (see
    :data:`REPEAT_MIN`). A block that is a prefix of an earlier, longer one also counts as
    a repeat; an earlier block that a later one starts with (a teaser cut short, repeated
    in full further down) is dropped in favour of the full copy, which stays where it is.
    """

    def text_of(block: T) -> str:
        if key is not None:
            return key(block)
        if isinstance(block, str):
            return block
        return str(getattr(block, "text", block))

    items = list(blocks)
    keys = [repeat_key(text_of(b)) for b in items]  # one pass over every character
    keep = _first_copies(keys, min_length)
    return [b for b, flag in zip(items, keep, strict=True) if flag]


def _first_copies(keys: list[str], min_length: int) -> list[bool]:
    """Whether each block (by its repeat key) is kept by :func:`drop_repeats`."""
    keep = [True] * len(keys)
    seen: set[str] = set()
    by_head: dict[str, list[int]] = {}
    for index, k in enumerate(keys):
        if len(k) < min_length or not k:
            continue
        if k in seen:
            keep[index] = False
            continue
        if len(k) >= _PREFIX_MIN:
            head = k[:_PREFIX_MIN]
            _compare_prefixes(index, by_head.get(head, []), keys, keep)
            if not keep[index]:
                continue
            by_head.setdefault(head, []).append(index)
        seen.add(k)
    return keep


def _compare_prefixes(index: int, peers: list[int], keys: list[str], keep: list[bool]) -> None:
    """Compare block ``index`` with earlier kept ones opening alike (``peers``): it is
    dropped as a later, shorter copy, or an earlier teaser is dropped for it.

    Only the latest few peers: a page of thousands of paragraphs opening alike ("Item
    1: ...") must not make this quadratic.
    """
    k = keys[index]
    for other in peers[-_PREFIX_PEERS:]:
        if not keep[other]:
            continue
        if keys[other].startswith(k):  # a later, shorter copy: drop it
            keep[index] = False
            return
        if k.startswith(keys[other]):  # an earlier teaser: the full copy replaces it
            keep[other] = False


# A prefix shorter than this (in letters and digits) is too weak to call a repeat: two
# paragraphs may well open with the same few words.
_PREFIX_MIN = 60
_PREFIX_PEERS = 32


def drop_title_repeats(blocks: Iterable[T], *titles: str | None) -> list[T]:
    """``blocks`` without those that repeat one of ``titles`` (the title is spoken first,
    or was taken from the page's ``<title>``; a heading under it saying the same is noise).
    Unlike :func:`drop_repeats`, short titles count: a repeated "Harbour news" is noise."""
    keys = {repeat_key(t) for t in titles if t}
    keys.discard("")
    if not keys:
        return list(blocks)
    lengths = {len(t) for t in titles if t}
    out: list[T] = []
    for block in blocks:
        text = block if isinstance(block, str) else str(getattr(block, "text", block))
        # (the length test first: a key costs a pass over every character)
        if any(abs(len(text) - n) < 20 for n in lengths) and repeat_key(text) in keys:
            continue
        out.append(block)
    return out
