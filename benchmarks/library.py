"""Library speed against the issue's targets, measured on a real 10,000-article file.

    python -m benchmarks.library [--articles 10000] [--runs 5] [--similarity]

Builds a library in a temporary READER_HOME (articles made from the extraction
benchmark's page texts, titles and sources varied), then times, side by side:

- ``reader list`` as a real process (start-up included) against bare ``python -c
  pass`` and ``python -c "import reader.cli"`` (the floor any command pays);
- ``reader search WORDS`` the same way, and the query alone in-process;
- loading one article with 500 highlights (``Library.get``);
- adding one more article, same-story check over the whole library included.

Each figure is printed next to its target with the ratio (< 1.0 meets it). Timing is
the median of ``--runs``; machines here are shared, so absolute times drift.
``--similarity`` also prints the same-story calibration (seed pair vs unrelated pages).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "bench" / "extraction"
SEEDS = ROOT.parent / "shared" / "seeds"


def _texts(limit: int = 200) -> list[str]:
    """Paragraph-per-line page texts from the extraction corpus (or a filler text)."""
    folder = CORPUS / "text"
    texts = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.txt"))[:limit]:
            lines = [" ".join(line.split()) for line in path.read_text("utf-8").splitlines()]
            paragraphs = [line for line in lines if len(line) > 40][:40]
            if paragraphs:
                texts.append("\n".join(paragraphs))
    return texts or ["A paragraph of filler text for the benchmark. " * 30]


def build(path: Path, count: int) -> int:
    """A library of ``count`` articles at ``path``, via one JSON import; the id of one
    article given 500 highlights."""
    from reader.article import Article, Block
    from reader.library import Library

    templates = []
    for i, text in enumerate(_texts()):
        blocks = tuple(Block("paragraph", p) for p in text.split("\n"))
        templates.append(Article(blocks=blocks, title=f"Article {i}", language="en").to_dict())
    articles = []
    for n, template in zip(range(count), itertools.cycle(templates), strict=False):
        data = dict(template, title=f"{template['title']} copy {n}")
        data["text"] = data["title"] + template["text"][len(template["title"]) :]
        shift = len(data["title"]) - len(template["title"])
        data["blocks"] = [
            dict(b, start=b["start"] + shift, end=b["end"] + shift) for b in template["blocks"]
        ]
        data["sentences"] = []
        articles.append(
            {
                "id": n + 1,
                "source": f"https://example.org/{n}",
                "added": f"2025-01-01T00:00:{n % 60:02d}.{n:06d}+00:00",
                "updated": None,
                "opened": None,
                "position": 0,
                "article": data,
                "highlights": [],
            }
        )
    dump = path.with_suffix(".json")
    dump.write_text(
        json.dumps({"format": "reader-library", "version": 1, "articles": articles, "exports": []}),
        encoding="utf-8",
    )
    with Library.open(path) as library:
        library.import_json(dump)
        connection = library._connection()
        target = connection.execute("SELECT id FROM articles ORDER BY chars DESC").fetchone()[0]
        text = library.get(target).article.text
        step = max(1, (len(text) - 20) // 500)
        connection.execute("BEGIN")
        connection.executemany(
            'INSERT INTO highlights (article_id, start, "end", quote, prefix, suffix, created) '
            "VALUES (?, ?, ?, ?, '', '', '2025-01-01')",
            [
                (target, (i * step) % (len(text) - 10), (i * step) % (len(text) - 10) + 8, "x")
                for i in range(500)
            ],
        )
        connection.execute("COMMIT")
    dump.unlink()
    return target


def _median_process(argv: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall time of a command, after one warm-up run (page cache, bytecode)."""
    subprocess.run(argv, env=env, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _median_call(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(name: str, seconds: float, target: float | None, note: str = "") -> None:
    ratio = f"{seconds / target:6.2f}" if target else "      "
    goal = f"< {target * 1000:6.0f} ms" if target else " " * 11
    print(f"  {name:<44} {seconds * 1000:8.1f} ms   {goal}   {ratio}  {note}")


def calibrate() -> None:
    from reader.library import similar

    print("\nSame-story calibration (estimated Jaccard of content words):")
    if (SEEDS / "000_fb76b65d5a0d88e2.txt").exists():
        from reader.extract import extract

        a = extract(str(SEEDS / "000_fb76b65d5a0d88e2.txt"))
        b = extract(str(SEEDS / "001_58b20582d475ce50.txt"))
        seed = similar.similarity(
            similar.sketch(a.text, a.language), similar.sketch(b.text, b.language)
        )
        print(f"  seed pair (one AP story, two sites): {seed:.3f}")
    notes = json.loads((CORPUS / "annotations.json").read_text("utf-8"))
    for lang in ("en", "de"):
        sketches = [
            similar.sketch((CORPUS / "text" / f"{n['id']}.txt").read_text("utf-8"), lang)
            for n in notes
            if n["lang"] == lang
        ]
        scores = sorted(
            (similar.similarity(x, y) for x, y in itertools.combinations(sketches, 2)),
            reverse=True,
        )
        scores = [s for s in scores if s < 0.9]  # the corpus holds a few duplicate pages
        p999 = scores[len(scores) // 1000]
        print(
            f"  {lang}: {len(sketches)} unrelated pages, {len(scores)} pairs: "
            f"99.9th percentile {p999:.3f}, top {[round(s, 2) for s in scores[:3]]}; "
            f"threshold {similar.THRESHOLD}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--similarity", action="store_true")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="reader-bench-"))
    os.environ["READER_HOME"] = str(home)
    from reader import locations
    from reader.article import Article, Block
    from reader.library import Library

    path = locations.library_file()
    locations.ensure(path.parent)
    started = time.perf_counter()
    target = build(path, args.articles)
    size = path.stat().st_size / 1e6
    print(
        f"Library: {args.articles} articles, {size:.0f} MB, built in "
        f"{time.perf_counter() - started:.0f} s ({path})"
    )
    # As installed: bytecode cached (some shells here set PYTHONDONTWRITEBYTECODE,
    # which makes every process compile every module it imports).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    python = sys.executable
    print(f"\n  {'what':<44} {'median':>11}   {'target':>11}   ratio")
    row("python -c pass (reference)", _median_process([python, "-c", "pass"], env, args.runs), None)
    row(
        "python -c 'import reader.cli' (reference)",
        _median_process([python, "-c", "import reader.cli"], env, args.runs),
        None,
    )
    row(
        f"reader list ({args.articles} articles, process)",
        _median_process([python, "-m", "reader", "list"], env, args.runs),
        0.3,
    )
    row(
        "reader list --json (process)",
        _median_process([python, "-m", "reader", "list", "--json"], env, args.runs),
        0.3,
    )
    row(
        "reader search 'government minister' (process)",
        _median_process(
            [python, "-m", "reader", "search", "government", "minister"], env, args.runs
        ),
        0.1,
    )
    with Library.open(path) as library:
        row("Library.list() in-process", _median_call(library.list, args.runs), None)
        hits = len(library.search("government minister"))
        row(
            "Library.search() in-process",
            _median_call(lambda: library.search("government minister"), args.runs * 4),
            None,
            f"{hits} hits",
        )
        stored = library.get(target)
        row(
            "Library.get(): article with 500 highlights",
            _median_call(lambda: library.get(target), args.runs * 4),
            0.05,
            f"{len(stored.highlights)} highlights, {stored.article.word_count} words",
        )
        row(
            "  ... and its .sentences (first use)",
            _median_call(lambda: library.get(target).article.sentences, args.runs),
            None,
        )
        texts = _texts(5)
        counter = itertools.count()

        def add_one() -> None:
            n = next(counter)
            blocks = tuple(Block("paragraph", p) for p in texts[n % len(texts)].split("\n"))
            library.add(Article(blocks=blocks, title=f"New {n}"), f"new-{n}")

        row("Library.add() incl. same-story check", _median_call(add_one, 3), None)
    if args.similarity:
        calibrate()


if __name__ == "__main__":
    main()
