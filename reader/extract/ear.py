"""Rules "for the ear": what a listener must not hear, shared by the HTML and text paths.

A reader may *see* "Read more:", a photo credit or a "Share" button and skip it without
thinking; a listener cannot. These predicates judge one block (a paragraph, a line) at a
time, so both trafilatura's blocks and the plain-text cleaner's lines go through the
same rules.

Public API (stable; the HTML path calls it):

- :func:`is_interface_line` — site interface strings: "Read more", "Related:", "Share",
  "Subscribe", "Leave a Reply", "Lesen Sie auch", "Mehr zum Thema", "Lea también"...
- :func:`is_caption_or_credit` — photo captions and credits: "Volodymyr Zelenskyy. AP",
  "Foto: dpa", "(Photo: Reuters)", "Image: Getty".
- :func:`drop_repeats` — the second and later copies of a block (a teaser repeating a body
  paragraph, a title repeated under itself).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

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


def is_caption_or_credit(text: str) -> bool:
    """Whether ``text`` is an image caption or a photo credit.

    Catches labelled credits anywhere short ("Foto: dpa", "(Photo: Reuters)", "Image:
    Getty", "© AFP") and short lines ending in an agency name after a period, slash or
    bar ("Volodymyr Zelenskyy. AP", "Kyiv at night / AFP"). A sentence of prose that merely
    mentions Reuters ("…, Reuters reported.") is not a caption.
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
    if len(stripped) <= 250 and (_CREDIT_INLINE.search(stripped) or _CREDIT_END.search(stripped)):
        return True
    return len(stripped) <= 200 and bool(_CREDIT_TAIL.search(stripped))


_PUNCTUATED_LABEL = re.compile(r"[:©/|]|\(c\)|copyright", re.IGNORECASE)


# -- repeats -------------------------------------------------------------------------------


def repeat_key(text: str) -> str:
    """The form under which two blocks count as the same: letters and digits, lower case."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


_NON_ALNUM = re.compile(r"[\W_]+")


def drop_repeats(blocks: Iterable[T], key: Callable[[T], str] | None = None) -> list[T]:
    """Keep the first copy of each block and drop later copies.

    ``blocks`` may be strings or any objects with a ``text`` attribute (such as
    :class:`reader.article.Block`); ``key`` overrides how the text is read. Blocks whose
    normalised text is empty are kept (they carry no words to repeat). A block that is a
    prefix of an earlier, longer one also counts as a repeat; an earlier block that a later
    one starts with (a teaser cut short, repeated in full further down) is dropped in
    favour of the full copy, which stays where it is.
    """

    def text_of(block: T) -> str:
        if key is not None:
            return key(block)
        if isinstance(block, str):
            return block
        return str(getattr(block, "text", block))

    items = list(blocks)
    keys = [repeat_key(text_of(b)) for b in items]
    keep = [True] * len(items)
    seen: dict[str, int] = {}
    by_head: dict[str, list[int]] = {}
    for index, k in enumerate(keys):
        if not k:
            continue
        if k in seen:
            keep[index] = False
            continue
        if len(k) >= _PREFIX_MIN:
            head = k[:_PREFIX_MIN]
            # Compare with the latest few that share the opening only: a page of thousands
            # of paragraphs opening alike ("Item 1: ...") must not make this quadratic.
            for other in by_head.get(head, [])[-_PREFIX_PEERS:]:
                if not keep[other]:
                    continue
                if keys[other].startswith(k):  # a later, shorter copy: drop it
                    keep[index] = False
                    break
                if k.startswith(keys[other]):  # an earlier teaser: the full copy replaces it
                    keep[other] = False
            if not keep[index]:
                continue
            by_head.setdefault(head, []).append(index)
        seen[k] = index
    return [b for b, flag in zip(items, keep, strict=True) if flag]


# A prefix shorter than this (in letters and digits) is too weak to call a repeat: two
# paragraphs may well open with the same few words.
_PREFIX_MIN = 60
_PREFIX_PEERS = 32
