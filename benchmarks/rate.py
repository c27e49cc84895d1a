"""Rate benchmark: the words a minute a listener hears against the rate asked.

    python -m benchmarks.rate [--articles 5] [--rates 140,175,250,400,525]
                              [--engines piper,espeak]

Real articles, as the reader gets them: the two seed scrapes (``shared/seeds``,
through the plain-text cleaner) and the first English pages of the extraction corpus
(``shared/bench/extraction/html``, trafilatura alone) whose article is prose (15 words
a paragraph or more: not a list of names) of 300 to 800 words. Each is read whole by
``reader.speech.synthesize_article`` (what listening and export use), cache off, with
the neural voice (joe, en_US-joe-medium) and with eSpeak NG (en-us), at each rate.
Heard rate = words of the article / seconds from the first sound to the last, the
pauses between sentences, paragraphs and headings included, as played or exported
(``reader.speech.pace.heard_wpm``). Goal: within 10 % of the rate asked, every
article, both engines. Not a timing: the figures are properties of the audio and do
not drift with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from typing import TYPE_CHECKING

from benchmarks.speech import SHARED

if TYPE_CHECKING:
    from reader.text.article import Article

SEEDS = SHARED / "seeds"
PAGES = SHARED / "bench" / "extraction"
VOICES = {"piper": "joe", "espeak": "en-us"}
TOLERANCE = 0.10
# Words a paragraph, at least, for prose: a list of names one to a line is heard slower
# (a paragraph's pause after each; 50 % under the rate asked) and is left out.
PROSE_WORDS = 15


def articles(count: int, low: int = 300, high: int = 800) -> list[tuple[str, Article]]:
    """``count`` real articles of ``low`` to ``high`` words: the seeds, then corpus pages."""
    from reader.extract import extract_html, extract_text
    from reader.speech.pace import count_words

    found: list[tuple[str, Article]] = []
    seen: set[str] = set()
    for path in sorted(SEEDS.glob("*.txt")):
        found.append((f"seed {path.stem[:3]}", extract_text(path.read_text("utf-8"))))
    pages = json.loads((PAGES / "annotations.json").read_text("utf-8"))
    for page in pages:
        if len(found) >= count:
            break
        if page.get("lang") != "en":
            continue
        html = (PAGES / "html" / f"{page['id']}.html").read_text("utf-8", errors="replace")
        try:
            article = extract_html(html, fast=True)
        except Exception:  # a page with no article: the next one
            continue
        words = count_words(article.text)
        if article.text in seen or not low <= words <= high:
            continue
        seen.add(article.text)
        if words / len(article.blocks) >= PROSE_WORDS:
            found.append((page["id"], article))
    return found[:count]


def measure(article: Article, engine: str, rate: int) -> float:
    """The heard words a minute of ``article`` read by ``engine`` at ``rate``."""
    from reader.speech import synthesize_article
    from reader.speech.pace import heard_wpm

    chunks = synthesize_article(article, voice=VOICES[engine], rate=rate, cache="off")
    return heard_wpm(article.text, chunks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5, help="how many articles (>= 3)")
    parser.add_argument("--rates", default="140,175,250,400,525", help="rates asked, wpm")
    parser.add_argument("--engines", default="piper,espeak", help="piper, espeak or both")
    args = parser.parse_args(argv)
    if not (PAGES / "annotations.json").is_file() or not SEEDS.is_dir():
        print(f"{SHARED}: no seeds or bench/extraction there (READER_SHARED)", file=sys.stderr)
        return 2
    rates = [int(r) for r in args.rates.split(",")]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    os.environ["READER_HOME"] = tempfile.mkdtemp(prefix="reader-rate-")  # no user cache

    from reader.speech.pace import count_words, letters_per_word

    chosen = articles(args.articles)
    print(f"rate benchmark: {len(chosen)} articles, heard wpm (error vs asked), cache off\n")
    for name, article in chosen:
        text = article.text
        print(
            f"  {name:13} {count_words(text):4} words, {letters_per_word(text):.2f} letters a word"
        )
    within = total = 0
    for engine in engines:
        print(f"\n{engine} ({VOICES[engine]})")
        print(f"  {'article':13} " + " ".join(f"{r:>13}" for r in rates))
        engine_within = 0
        for name, article in chosen:
            cells = []
            for rate in rates:
                heard = measure(article, engine, rate)
                error = heard / rate - 1
                ok = abs(error) <= TOLERANCE
                engine_within += ok
                cells.append(f"{heard:5.0f} ({error:+4.0%}){' ' if ok else '!'}")
            print(f"  {name:13} " + " ".join(f"{c:>13}" for c in cells), flush=True)
        count = len(chosen) * len(rates)
        print(f"  within 10%: {engine_within} of {count}")
        within += engine_within
        total += count
    print(f"\nwithin 10% of the rate asked: {within} of {total}")
    return 0 if within == total else 1


if __name__ == "__main__":
    sys.exit(main())
