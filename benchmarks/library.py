"""Library speed against the issue's targets, measured on a real 10,000-article file.

    python -m benchmarks.library [--articles 10000] [--runs 9] [--similarity] [--keep]
    python -m benchmarks.library --scaling [--sizes 1000,10000,30000] [--runs 9]

Builds a library in a temporary folder (articles made from the extraction benchmark's
page texts, titles and sources varied; the 200 texts repeat, so each story is there
about 50 times), then times, side by side:

- ``reader list`` as a real process (start-up included) against bare ``python -c
  pass`` (the floor any Python command pays) and ``python -c "import reader.cli"``;
- ``reader search WORDS`` the same way, and the query alone in-process;
- loading one article with 500 highlights (``Library.get``);
- the same-story check: the sketch index's lookup against the reference, reading
  and comparing every stored sketch (what ``add`` did before the index), on a new
  story and on one the library holds 50 times; and ``Library.add`` as a whole.

Processes run as installed: bytecode cached, and (on Linux) the library found through
the XDG folders, as a user's is, not through READER_HOME. Each process figure is the
median wall time and the median CPU time of ``--runs`` runs after a warm-up; on a
loaded machine wall time drifts, CPU time much less, and the ``python -c pass`` row
shows what the machine charges for nothing. Each figure is printed next to its target
with the ratio (< 1.0 meets it). ``--similarity`` also prints the same-story
calibration (seed pair vs unrelated pages).

``--scaling`` builds a library of each size in turn and times only the same-story
check there: the lookup through the rarest values (``sketch_values``, now) against
the old sketch index lookup (every index row sharing any value; the reference) and
``Library.add`` with each, side by side; and the recall of the calibration pairs (the
seed pair, and 60 corpus pages each probed with every other paragraph and with its
first half) put into that library: what the lookup finds against what comparing
every stored sketch finds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "bench" / "extraction"
SEEDS = ROOT.parent / "shared" / "seeds"


def _texts(limit: int = 200, skip: int = 0) -> list[str]:
    """Paragraph-per-line page texts from the extraction corpus (or a filler text)."""
    folder = CORPUS / "text"
    texts = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.txt"))[skip : skip + limit]:
            lines = [" ".join(line.split()) for line in path.read_text("utf-8").splitlines()]
            paragraphs = [line for line in lines if len(line) > 40][:40]
            if paragraphs:
                texts.append("\n".join(paragraphs))
    return texts or ["A paragraph of filler text for the benchmark. " * 30]


def build(path: Path, count: int) -> int:
    """A library of ``count`` articles at ``path``, via one JSON import; the id of one
    article given 500 highlights."""
    from reader.library import Library
    from reader.text.article import Article, Block

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


def _median_process(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and CPU time of a command, after one warm-up run (page cache, bytecode)."""
    subprocess.run(argv, env=env, capture_output=True, check=True)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


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
    print(f"  {name:<46} {seconds * 1000:8.1f} ms {'':>9}   {goal}   {ratio}  {note}")


def process_row(name: str, times: tuple[float, float], target: float | None) -> None:
    wall, cpu = times
    ratio = f"{wall / target:6.2f}" if target else "      "
    goal = f"< {target * 1000:6.0f} ms" if target else " " * 11
    print(f"  {name:<46} {wall * 1000:8.1f} ms {cpu * 1000:6.1f} ms   {goal}   {ratio}")


def scan_similar(
    library: Any, sketch: tuple[int, ...], floor: int | None = None
) -> list[tuple[int, float]]:
    """The reference: every stored sketch read and compared, as ``add`` did before the
    index. ``floor``: the shared-value count screening pairs before their estimate
    (``None``: today's exact one, :func:`reader.library.similar.min_shared`)."""
    from reader.library import similar

    rows = library._connection().execute("SELECT article_id, sketch FROM sketches").fetchall()
    if floor is None:
        return similar.most_similar(sketch, rows)
    target = set(sketch)
    found = []
    for ident, blob in rows:
        other = similar.from_bytes(blob)
        if len(target.intersection(other)) >= floor:
            score = similar.similarity(sketch, other)
            if score >= similar.THRESHOLD:
                found.append((ident, round(score, 3)))
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))


def old_index_similar(
    library: Any, sketch: tuple[int, ...], exclude: int | None = None
) -> list[Any]:
    """The reference for the lookup: schema 4's query, reading the index rows of every
    value of ``sketch`` (common ones included) and comparing the articles holding
    :func:`~reader.library.similar.min_shared` of them."""
    from reader.library import similar
    from reader.library.records import Similar

    keys = similar.index_keys(set(sketch))
    if not keys:
        return []
    c = library._connection()
    rows = c.execute(
        "SELECT s.article_id, s.sketch FROM sketches s WHERE s.article_id IN ("
        "SELECT article_id FROM sketch_index WHERE value IN "
        f"({','.join('?' * len(keys))}) GROUP BY article_id HAVING count(*) >= ?)",
        (*keys, similar.min_shared(len(keys))),
    ).fetchall()
    found = similar.most_similar(sketch, (r for r in rows if r[0] != exclude))
    result = []
    for ident, score in found:
        title, source = c.execute(
            "SELECT title, source FROM articles WHERE id = ?", (ident,)
        ).fetchone()
        result.append(Similar(ident, score, title, source))
    return result


def old_floor(sketch: tuple[int, ...]) -> int:
    """The screen before the index: half the shared values an estimate needs."""
    from reader.library import similar

    return max(1, int(similar.THRESHOLD * min(similar.K, len(set(sketch))) / 2))


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


def calibration_pairs() -> tuple[list[Any], list[tuple[Any, int]]]:
    """Articles to store and ``(probe, index into them)`` pairs telling one story: the
    seed pair, and 60 corpus pages (30 English, 30 German, past the 200 the library is
    made of) each probed with every other paragraph and with its first half."""
    from reader.text.article import Article, Block

    def article(paragraphs: list[str], title: str, language: str) -> Article:
        blocks = tuple(Block("paragraph", p) for p in paragraphs)
        return Article(blocks=blocks, title=title, language=language)

    stored: list[Any] = []
    probes: list[tuple[Any, int]] = []
    if (SEEDS / "000_fb76b65d5a0d88e2.txt").exists():
        from reader.extract import extract

        stored.append(extract(str(SEEDS / "000_fb76b65d5a0d88e2.txt")))
        probes.append((extract(str(SEEDS / "001_58b20582d475ce50.txt")), 0))
    notes = json.loads((CORPUS / "annotations.json").read_text("utf-8"))
    for lang in ("en", "de"):
        pages = [n["id"] for n in notes if n["lang"] == lang][-30:]
        for page in pages:
            lines = (CORPUS / "text" / f"{page}.txt").read_text("utf-8").splitlines()
            paragraphs = [" ".join(line.split()) for line in lines if len(line.strip()) > 40]
            if len(paragraphs) < 4:
                continue
            stored.append(article(paragraphs, page, lang))
            probes.append((article(paragraphs[::2], page + " odd", lang), len(stored) - 1))
            half = paragraphs[: len(paragraphs) // 2]
            probes.append((article(half, page + " half", lang), len(stored) - 1))
    return stored, probes


def _counts(library: Any, sketch: tuple[int, ...]) -> dict[int, int]:
    """How many stored articles hold each value of ``sketch`` (index keys)."""
    from reader.library import similar

    keys = similar.index_keys(set(sketch))
    counts = dict.fromkeys(keys, 0)
    query = (
        f"SELECT value, articles FROM sketch_values WHERE value IN ({','.join('?' * len(keys))})"
    )
    counts.update(library._connection().execute(query, keys).fetchall())
    return counts


def _scaling_case(library: Any, size: int, label: str, texts: list[str], runs: int) -> None:
    """Lookup and ``add`` of ``texts`` (cycled) with the old index and now, side by side."""
    from reader.library import similar
    from reader.text.article import Article, Block

    sketches = [similar.sketch(text) for text in texts]
    for sketch in sketches:  # the same answers
        now = [(s.id, s.similarity) for s in library._similar(sketch, None)]
        assert now == [(s.id, s.similarity) for s in old_index_similar(library, sketch)], label
    cycle = itertools.cycle(sketches)
    old = _median_call(lambda: old_index_similar(library, next(cycle)), runs)
    new = _median_call(lambda: library._similar(next(cycle), None), runs)
    found = len(library._similar(sketches[0], None))
    old_rows = new_rows = 0
    for sketch in sketches:
        counts = _counts(library, sketch)
        old_rows += sum(counts.values())
        new_rows += sum(counts[v] for v in similar.probe(counts)[0])
    print(
        f"  {size:>8}  {'lookup, ' + label:<26} {old * 1000:7.1f} ms {new * 1000:6.1f} ms"
        f" {new / old:6.2f}  {found:>5}  {old_rows // len(sketches)} / {new_rows // len(sketches)}"
    )
    counter = itertools.count()

    def add_one() -> None:
        n = next(counter)
        blocks = tuple(Block("paragraph", p) for p in texts[n % len(texts)].split("\n"))
        article = Article(blocks=blocks, title=f"New {n}", language="en")
        library.add(article, f"new-{size}-{label}-{n}")

    new_add = _median_call(add_one, runs)
    library._similar = lambda sketch, exclude: old_index_similar(library, sketch, exclude)
    try:
        old_add = _median_call(add_one, runs)
    finally:
        del library._similar
    print(
        f"  {size:>8}  {'add, ' + label:<26} {old_add * 1000:7.1f} ms"
        f" {new_add * 1000:6.1f} ms {new_add / old_add:6.2f}"
    )


def _recall(library: Any, size: int, probes: list[tuple[Any, int]], ids: list[int]) -> None:
    """What the lookup finds of the calibration pairs, against comparing every sketch."""
    from reader.library import similar

    everything = library._connection().execute("SELECT article_id, sketch FROM sketches")
    rows = everything.fetchall()
    wanted = hit = exact = approximate = 0
    for probe, index in probes:
        sketch = similar.sketch(probe.text, probe.language)
        truth = similar.most_similar(sketch, rows)
        now = [(s.id, s.similarity) for s in library._similar(sketch, None)]
        approximate += not similar.probe(_counts(library, sketch))[2]
        exact += now == truth
        if any(ident == ids[index] for ident, _ in truth):
            wanted += 1
            hit += any(ident == ids[index] for ident, _ in now)
    print(
        f"  {size:>8}  recall: {hit}/{wanted} calibration pairs at >= {similar.THRESHOLD} found "
        f"(seed pair included); answer equal to comparing every sketch for {exact}/"
        f"{len(probes)} probes ({approximate} approximate lookups)"
    )


def scaling(args: argparse.Namespace, home: Path) -> None:
    """The same-story check at each library size: lookup and ``add``, rarest-values
    lookup (now) against the old index lookup (reference), and calibration recall."""
    from reader.library import Library

    stored, probes = calibration_pairs()
    fresh = _texts(6, skip=200)  # not in the library
    known = _texts(2)  # each in the library size/200 times
    print(
        f"  {'articles':>8}  {'case':<26} {'old index':>10} {'now':>9} {'ratio':>6}"
        f"  {'found':>5}  index rows read old / now"
    )
    for size in args.sizes:
        path = home / f"library-{size}.sqlite3"
        started = time.perf_counter()
        build(path, size)
        with Library.open(path) as library:
            library.index_stories()
            ids = [
                library.add(a, f"calibration-{i}", find_similar=False).id
                for i, a in enumerate(stored)
            ]
            print(
                f"  -- {size} articles: built and indexed in {time.perf_counter() - started:.0f} s"
            )
            _scaling_case(library, size, "a new story", fresh, args.runs)
            _scaling_case(library, size, f"a story held {size // 200}x", known, args.runs)
            _recall(library, size, probes, ids)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--similarity", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the library folder")
    parser.add_argument(
        "--scaling", action="store_true", help="only the same-story check, at each of --sizes"
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1_000, 10_000, 30_000],
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="reader-library-bench-"))
    try:
        run(args, home)
    finally:
        if args.keep:
            print(f"\nkept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


def run(args: argparse.Namespace, home: Path) -> None:
    if args.scaling:
        scaling(args, home)
        return
    # As a user's: platformdirs finds the library through the XDG folders (on Linux;
    # elsewhere READER_HOME stands in).
    os.environ.pop("READER_HOME", None)
    if sys.platform.startswith("linux"):
        for name in ("DATA", "CONFIG", "CACHE", "STATE"):
            os.environ[f"XDG_{name}_HOME"] = str(home / name.lower())
    else:
        os.environ["READER_HOME"] = str(home)
    from reader import locations
    from reader.library import Library, similar
    from reader.text.article import Article, Block

    path = locations.library_file()
    locations.ensure(path.parent)
    started = time.perf_counter()
    target = build(path, args.articles)
    size = path.stat().st_size / 1e6
    print(
        f"Library: {args.articles} articles, {size:.0f} MB, built in "
        f"{time.perf_counter() - started:.0f} s ({path})"
    )
    with Library.open(path) as library:
        started = time.perf_counter()
        indexed = library.index_stories()
        print(
            f"Sketched and indexed {indexed} imported articles in "
            f"{time.perf_counter() - started:.1f} s (once, at the first same-story check)"
        )
    # As installed: bytecode cached (some shells here set PYTHONDONTWRITEBYTECODE,
    # which makes every process compile every module it imports).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    python = sys.executable
    print(f"\n  {'what':<46} {'wall':>11} {'cpu':>9}   {'target':>11}   ratio (wall)")

    def process(name: str, argv: list[str], target: float | None) -> None:
        process_row(name, _median_process(argv, env, args.runs), target)

    process("python -c pass (the floor)", [python, "-c", "pass"], None)
    process("python -c 'import reader.cli'", [python, "-c", "import reader.cli"], None)
    process(
        f"reader list ({args.articles} articles, process)", [python, "-m", "reader", "list"], 0.3
    )
    process("reader list --json (process)", [python, "-m", "reader", "list", "--json"], 0.3)
    words = ["government", "minister"]
    process(
        "reader search 'government minister' (process)",
        [python, "-m", "reader", "search", *words],
        0.1,
    )
    with Library.open(path) as library:
        row("Library.list() in-process", _median_call(library.list, args.runs), None)
        hits = len(library.search(words))
        row(
            "Library.search() in-process",
            _median_call(lambda: library.search(words), args.runs * 4),
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

        print("\n  Same-story check over the library (in-process):")
        fresh = _texts(6, skip=200)  # not in the library
        known = _texts(2)  # each in the library about 50 times

        def same_story(label: str, texts: list[str]) -> None:
            sketches = [similar.sketch(text) for text in texts]
            for sketch in sketches:  # the index finds what either scan finds
                indexed = [(s.id, s.similarity) for s in library._similar(sketch, None)]
                assert indexed == scan_similar(library, sketch), label
                assert indexed == scan_similar(library, sketch, old_floor(sketch)), label
            cycle = itertools.cycle(sketches)
            before = _median_call(
                lambda: scan_similar(library, (s := next(cycle)), old_floor(s)), args.runs
            )
            scan = _median_call(lambda: scan_similar(library, next(cycle)), args.runs)
            old_index = _median_call(lambda: old_index_similar(library, next(cycle)), args.runs)
            index = _median_call(lambda: library._similar(next(cycle), None), args.runs)
            found = len(library._similar(sketches[0], None))
            print(f"  {label} ({found} found):")
            row("  every sketch read, half-count screen (before)", before, None)
            row("  every sketch read, exact screen", scan, None, f"x{before / scan:.1f} faster")
            row(
                "  sketch index, every value's rows",
                old_index,
                None,
                f"x{before / old_index:.1f} faster",
            )
            row(
                "  sketch index, rarest values' rows (now)",
                index,
                None,
                f"x{before / index:.1f} faster",
            )

        same_story("a new story", fresh)
        same_story("a story held ~50 times", known)

        counter = itertools.count()

        def add_one(texts: list[str]) -> None:
            n = next(counter)
            blocks = tuple(Block("paragraph", p) for p in texts[n % len(texts)].split("\n"))
            library.add(Article(blocks=blocks, title=f"New {n}", language="en"), f"new-{n}")

        row("Library.add(): a new story", _median_call(lambda: add_one(fresh), 5), None)
        row("Library.add(): a story held ~50 times", _median_call(lambda: add_one(known), 5), None)
    if args.similarity:
        calibrate()


if __name__ == "__main__":
    main()
