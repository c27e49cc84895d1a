"""An article's name when it has no title: the opening of its first sentence, ended at a
phrase boundary. The one rule for every untitled article, whatever made it (the
plain-text cleaner, an HTML page without a title, an imported file): see
:attr:`reader.text.article.Article.name`.
"""

from __future__ import annotations

import re

__all__ = ["TITLE_CHARS", "TITLE_MAX", "TITLE_MIN_WORDS", "title_from_body"]

# A title made from the body: about TITLE_CHARS characters, up to TITLE_MAX to reach the
# end of a phrase, at least TITLE_MIN_WORDS words when it is cut short of its sentence.
TITLE_CHARS = 80
TITLE_MAX = 100
TITLE_MIN_WORDS = 4
_SENTENCE_CHARS = 1000  # the first sentence is looked for in this much of the body
_TOKEN = re.compile(r"\S+")
_PUNCT_END = (",", ";", ":")
_CLOSERS = "\"'”’»)]"
_DASHES = ("-", "–", "—")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that open a clause (a title cut before them ends one); words that open a phrase
# (a title cut before them ends a phrase, a weaker boundary); words a title never ends
# on (it would dangle: "...in the fighting in Russia's"). Lowercase, by language.
_CLAUSE = {
    "en": _wordset(
        "and but or nor yet so while whereas because although though as since until unless "
        "when where which who whom whose that if after before"
    ),
    "de": _wordset(
        "und aber oder denn sondern doch weil da während nachdem bevor als wenn ob dass "
        "der die das welche welcher welches wo"
    ),
}
_PHRASE = {
    "en": _wordset(
        "in on at of for with by from to into onto over under near during amid against about "
        "across through toward towards between among along around behind beyond despite "
        "following including"
    ),
    "de": _wordset(
        "in im an am auf aus bei mit nach von vom zu zum zur über unter vor hinter neben "
        "zwischen durch für gegen ohne um seit trotz wegen"
    ),
}
_DANGLING = {
    "en": _wordset(
        "the a an this that these those its their his her our your my and or but nor of in "
        "on at to for with by from into onto over under as than is are was were be been "
        "has have had will would can could should may might must not no very more most "
        "such said says"
    )
    | _PHRASE["en"]
    | _CLAUSE["en"],
    "de": _wordset("der die das den dem des ein eine einen einem einer eines und oder")
    | _PHRASE["de"]
    | _CLAUSE["de"],
}


def title_from_body(text: str, language: str | None = None, limit: int = TITLE_CHARS) -> str:
    """A stand-in title from the body's first sentence, ended at a phrase boundary.

    The whole sentence when it is short; else the longest part of it up to ``limit``
    characters that ends a clause (after a comma, semicolon or colon, before a dash or a
    word opening a clause: "and", "which"...), else the shortest such part up to
    :data:`TITLE_MAX`, else one ending before a preposition, else the words up to
    ``limit``; never ending on a word that dangles ("the", "of", a possessive). For seed
    001: "North Korean troops are suffering heavy losses in the fighting in Russia's
    Kursk region" (its sentence goes on "and are facing logistical difficulties...").

    No ellipsis is added where it is cut: the title names the article in lists, tags and
    export file names ("The council met….mp3" is no name), and it is never spoken.
    """
    sentence = _first_sentence(text, language)
    if len(sentence) <= limit:
        return sentence
    lang = (language or "en").split("-")[0].lower()
    clause, phrase = _boundaries(sentence, lang)
    fits = [end for end in clause if end <= limit]
    if fits:
        return sentence[: max(fits)]
    longer = [end for end in clause if end <= TITLE_MAX]
    if longer:
        return sentence[: min(longer)]
    fits = [end for end in phrase if end <= limit]
    if fits:
        return sentence[: max(fits)]
    return _word_cut(sentence, limit, lang)


def _first_sentence(text: str, language: str | None) -> str:
    """The first sentence of ``text`` on one line, without its final period."""
    from reader.text.segment import split_sentences

    head = " ".join(text[:_SENTENCE_CHARS].split())
    spans = split_sentences(head, language) if head else []
    first = head[spans[0][0] : spans[0][1]].strip() if spans else head
    first = first or head
    return first[:-1].rstrip() if first.endswith(".") and not first.endswith("..") else first


def _boundaries(sentence: str, lang: str) -> tuple[list[int], list[int]]:
    """Where ``sentence`` may be cut: ends of clauses, ends of phrases (offsets), each
    leaving at least :data:`TITLE_MIN_WORDS` words that do not end on a dangling one."""
    clause_words = _CLAUSE.get(lang, frozenset())
    phrase_words = _PHRASE.get(lang, frozenset())
    clause: list[int] = []
    phrase: list[int] = []
    tokens = list(_TOKEN.finditer(sentence[: TITLE_MAX + 1]))
    for index, token in enumerate(tokens):
        word = token.group()
        if index + 1 < TITLE_MIN_WORDS:
            continue
        after = tokens[index + 1].group() if index + 1 < len(tokens) else ""
        bare = word.rstrip(_CLOSERS)
        if bare.endswith(_PUNCT_END):
            end = token.start() + len(bare) - 1
            if _ends_well(sentence[:end], lang):
                clause.append(end)
            continue
        if not after or not _ends_well(sentence[: token.end()], lang):
            continue
        opener = after.lower().strip("\"'“‘«(")
        if after.startswith(_DASHES) or opener in clause_words:
            clause.append(token.end())
        elif opener in phrase_words:
            phrase.append(token.end())
    if len(sentence) <= TITLE_MAX:
        clause.append(len(sentence))  # the sentence's own end closes its last clause
    return clause, phrase


def _ends_well(title: str, lang: str) -> bool:
    """Whether ``title`` ends on a word that can end it (not "the", "of", "Russia's")."""
    last = title.rsplit(None, 1)[-1].strip(_CLOSERS).lower() if title.strip() else ""
    if last.endswith(("'s", "’s")) or not last:
        return False
    return last not in _DANGLING.get(lang, frozenset())


def _word_cut(sentence: str, limit: int, lang: str) -> str:
    """The words of ``sentence`` up to ``limit`` characters, dangling ones dropped from
    the end (a text without spaces is cut at ``limit``)."""
    cut = sentence[:limit]
    words = cut[: cut.rfind(" ")].split() if " " in cut else [cut]
    while len(words) > TITLE_MIN_WORDS and not _ends_well(" ".join(words), lang):
        words.pop()
    return " ".join(words).rstrip(" ,;:–—-")
