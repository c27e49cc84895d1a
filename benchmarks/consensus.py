"""Choosing the consensus's pool and margin on the annotated corpus, without tuning on
the pages scored.

    python -m benchmarks.consensus CORPUS --cache DIR [--jobs N] [--folds 10] [--repeats 5]

1. Every candidate extractor (reader.extract.candidates) and trafilatura's reading
   (reader.extract.html.read_page) run once per page; their blocks and CPU times are
   cached in DIR (one JSON file per page and extractor), so later runs only read them.
2. Per page and candidate, the article the default path would make from that
   candidate's body (the pass for the ear and its guard) is scored as score.py scores
   it (a "with" segment found is a true positive, a "without" segment a false positive).
3. The pages are split as the project splits them (:func:`held_out`: halves by a hash
   of the page id). On the dev pages, k-fold cross-validation,
   repeated with shuffled folds: in each fold the pool and the margin (and the guard)
   are chosen on the other folds only and the fold is scored with that choice; the
   figure is the F1 of all the dev pages so scored. Then the choice made on all the dev
   pages is scored once on the held-out pages.

Nothing here is timed for the speed figures of docs/benchmarks.md (benchmarks.extraction does that);
the CPU times per candidate are the study's cost column.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import re
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_VERSION = "v1"


def held_out(page_id: str) -> bool:
    """The project's split of the 793 pages into halves by a hash of the page id: held out
    when the first byte of the SHA-256 of the id is odd; the others are the dev pages.
    Nothing is tuned on the held-out pages."""
    return hashlib.sha256(page_id.encode("ascii")).digest()[0] % 2 == 1


# -- 1. the cache ---------------------------------------------------------------------------


def _cache_file(cache: Path, name: str, page_id: str) -> Path:
    return cache / CACHE_VERSION / name / f"{page_id}.json"


def _extract_page(task: tuple[str, str, Path, Sequence[str]]) -> str:
    """Run trafilatura's reading and every missing candidate on one page; write the cache."""
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    from reader.errors import InputError
    from reader.extract.candidates import CANDIDATES, Page
    from reader.extract.html import read_page
    from reader.extract.sources import load
    from reader.text.article import Block

    page_id, path, cache, names = task
    todo = [n for n in ("reader", *names) if not _cache_file(cache, n, page_id).is_file()]
    if not todo:
        return page_id
    loaded = load(path)
    start = time.process_time()
    try:
        reading = read_page(loaded.text, source=path)
    except InputError as exc:
        record: dict[str, Any] = {"error": str(exc), "ms": 0.0, "blocks": []}
        _write(_cache_file(cache, "reader", page_id), record)
        return page_id
    ms = 1000 * (time.process_time() - start)

    def dump(blocks: Iterable[Block]) -> list[list[str]]:
        return [[b.kind, b.text] for b in blocks]

    if "reader" in todo:
        record = {
            "ms": ms,
            "blocks": dump(reading.blocks),
            "title": reading.title,
            "language": reading.language,
        }
        _write(_cache_file(cache, "reader", page_id), record)
    page = Page(reading.html, reading.tree, reading.language, reading.title)
    for name in todo:
        if name == "reader":
            continue
        start = time.process_time()
        try:
            blocks, error = CANDIDATES[name](page), None
        except Exception as exc:  # a candidate's failure is data for the study
            blocks, error = [], f"{type(exc).__name__}: {exc}"[:300]
        record = {"ms": 1000 * (time.process_time() - start), "blocks": dump(blocks)}
        record["error"] = error
        _write(_cache_file(cache, name, page_id), record)
    return page_id


def _write(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def fill_cache(corpus: Path, cache: Path, names: Sequence[str], jobs: int) -> None:
    items = json.loads((corpus / "annotations.json").read_text(encoding="utf-8"))
    tasks = [(i["id"], str(corpus / "html" / f"{i['id']}.html"), cache, names) for i in items]
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        for n, _ in enumerate(pool.map(_extract_page, tasks, chunksize=4), 1):
            if n % 100 == 0:
                print(f"  {n} pages ({time.perf_counter() - start:.0f} s)", file=sys.stderr)


def read_cache(cache: Path, name: str, page_id: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(_cache_file(cache, name, page_id).read_text("utf-8"))
    return record


# -- 2. scoring -----------------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True, slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def f1(counts: Counts) -> float:
    precision = counts.tp / (counts.tp + counts.fp) if counts.tp + counts.fp else 0.0
    recall = counts.tp / (counts.tp + counts.fn) if counts.tp + counts.fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def count(item: dict[str, Any], text: str) -> Counts:
    """score.py's counts for one page's output (tn left out: F1 does not use it)."""
    text = _norm(text)
    tp = sum(1 for seg in item["with"] if _norm(seg) in text)
    fp = sum(1 for seg in item["without"] if _norm(seg) in text)
    return Counts(tp, fp, len(item["with"]) - tp)


# -- 3. the grid ----------------------------------------------------------------------------

ALL = ("readability", "justext", "goose3", "newspaper4k", "resiliparse", "readability-lxml")
MARGINS: tuple[float | None, ...] = (None, 0.01, 0.05, 0.1)
MIN_WORDS = (8, 20)
GUARDS: tuple[float | None, ...] = (None, 0.5)


@dataclass(frozen=True, slots=True)
class Config:
    pool: tuple[str, ...]
    margin: float | None
    support: int | None
    min_words: int
    guard: float | None

    def label(self) -> str:
        fill = "no fill" if self.support is None else f"fill {self.support}/{self.min_words}w"
        switch = "no switch" if self.margin is None else f"switch {self.margin:g}"
        guard = "" if self.guard is None else f", guard {self.guard:g}"
        return f"{'+'.join(self.pool) or 'trafilatura alone'}: {switch}, {fill}{guard}"


def grid(names: Sequence[str]) -> list[Config]:
    configs = [Config((), None, None, 8, guard) for guard in GUARDS]
    for size in range(2, len(names) + 1):
        for pool in itertools.combinations(names, size):
            for margin, guard in itertools.product(MARGINS, GUARDS):
                configs.append(Config(pool, margin, None, 8, guard))
                for support, words in itertools.product(range(2, size + 1), MIN_WORDS):
                    configs.append(Config(pool, margin, support, words, guard))
    return [c for c in configs if c.margin is not None or c.support is not None or not c.pool]


@dataclass(slots=True)
class StudyPage:
    item: dict[str, Any]
    title: str | None
    language: str | None
    bodies: dict[str, Any]  # trafilatura's and each candidate's Body (raw blocks)
    ms: dict[str, float]


def load_pages(corpus: Path, cache: Path, names: Sequence[str]) -> list[StudyPage]:
    from reader.extract.consensus import OURS, Body
    from reader.text.article import Block

    items = json.loads((corpus / "annotations.json").read_text(encoding="utf-8"))
    pages = []
    for item in items:
        ours = read_cache(cache, "reader", item["id"])
        bodies = {OURS: Body.of([Block(k, t) for k, t in ours["blocks"]])}
        ms = {OURS: float(ours["ms"])}
        for name in names:
            record = read_cache(cache, name, item["id"])
            ms[name] = float(record["ms"])
            if not record.get("error") and record["blocks"]:
                bodies[name] = Body.of([Block(k, t) for k, t in record["blocks"]])
        pages.append(StudyPage(item, ours.get("title"), ours.get("language"), bodies, ms))
    return pages


def page_counts(page: StudyPage, config: Config, memo: dict[Any, Any]) -> Counts:
    """The counts of the article the default path makes of ``page`` under ``config``
    (``memo``: this page's decisions and articles already scored, and its survey)."""
    from reader.extract.consensus import OURS, Rules, Survey, decide
    from reader.extract.html import ear_pass, guarded_ear_pass
    from reader.text.article import Article

    survey = memo.get("survey")
    if survey is None:
        survey = memo["survey"] = Survey(page.bodies)
    rules = Rules(config.margin, config.support, config.min_words)
    decision_key = ("decision", config.pool, rules)
    if decision_key not in memo:
        memo[decision_key] = decide(survey, rules, (OURS, *config.pool))
    decision = memo[decision_key]
    key = (tuple(map(id, decision.blocks)), config.guard)
    if key not in memo:
        kept = guarded_ear_pass(
            decision.blocks, title=page.title, language=page.language, guard=config.guard
        )
        if not kept and decision.kept != OURS:  # the default path falls back to ours
            ours = page.bodies[OURS].blocks
            kept = ear_pass(ours, title=page.title, language=page.language)
        text = Article(tuple(kept), title=page.title).text if kept else ""
        memo[key] = count(page.item, text)
    counts: Counts = memo[key]
    return counts


_PAGES: list[StudyPage] = []
_CONFIGS: list[Config] = []


def _evaluate_pages(indices: Sequence[int]) -> list[list[tuple[int, int, int]]]:
    out = []
    for index in indices:
        memo: dict[Any, Any] = {}
        row = []
        for config in _CONFIGS:
            c = page_counts(_PAGES[index], config, memo)
            row.append((c.tp, c.fp, c.fn))
        out.append(row)
    return out


def evaluate(pages: list[StudyPage], configs: list[Config], jobs: int) -> Any:
    """counts[config, page] = (tp, fp, fn), as a numpy array."""
    import multiprocessing

    import numpy as np

    global _PAGES, _CONFIGS
    _PAGES, _CONFIGS = pages, configs
    chunks = [list(range(i, min(i + 8, len(pages)))) for i in range(0, len(pages), 8)]
    rows: list[list[tuple[int, int, int]]] = []
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        for n, part in enumerate(pool.map(_evaluate_pages, chunks), 1):
            rows.extend(part)
            if n % 20 == 0:
                done = min(n * 8, len(pages))
                print(
                    f"  scored {done} pages ({time.perf_counter() - start:.0f} s)", file=sys.stderr
                )
    return np.array(rows, dtype=np.int64).transpose(1, 0, 2)


# -- 4. cross-validation ----------------------------------------------------------------------


def f1_of(totals: Any) -> Any:
    """F1 along the last axis of (tp, fp, fn) totals."""
    import numpy as np

    tp, fp, fn = (totals[..., k].astype(float) for k in range(3))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        r = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        return np.where(p + r > 0, 2 * p * r / (p + r), 0.0)


def choose(counts: Any, pages: Sequence[int], eligible: Sequence[int]) -> int:
    """The eligible config with the best F1 on ``pages`` (ties: the earliest, so the
    simplest: the grid lists "trafilatura alone" first and smaller pools before larger)."""
    scores = f1_of(counts[list(eligible)][:, list(pages)].sum(axis=1))
    return int(eligible[int(scores.argmax())])


def cross_validate(
    counts: Any, dev: Sequence[int], eligible: Sequence[int], folds: int, repeats: int
) -> tuple[list[float], list[int]]:
    """Per repeat, the F1 of the dev pages each scored by the config chosen without it;
    and every config chosen (one per fold and repeat)."""
    figures, chosen = [], []
    for repeat in range(repeats):
        order = list(dev)
        random.Random(repeat).shuffle(order)
        parts = [order[k::folds] for k in range(folds)]
        total = Counts()
        for k, test in enumerate(parts):
            train = [p for j, part in enumerate(parts) if j != k for p in part]
            best = choose(counts, train, eligible)
            chosen.append(best)
            tp, fp, fn = (int(x) for x in counts[best][test].sum(axis=0))
            total += Counts(tp, fp, fn)
        figures.append(f1(total))
    return figures, chosen


# -- 5. the report ----------------------------------------------------------------------------


def pool_cost(pages: Sequence[StudyPage], pool: Sequence[str]) -> float:
    """The pool's mean CPU time per page, as a multiple of trafilatura's reading's."""
    from reader.extract.consensus import OURS

    ours = sum(p.ms[OURS] for p in pages)
    return sum(p.ms[name] for p in pages for name in pool) / ours if ours else 0.0


# goose3 needs langdetect, which has no wheel (an sdist only) and no release since 2021:
# it fails the project's rule for dependencies, and is measured for reference only.
ELIGIBLE = frozenset(ALL) - {"goose3"}


def _families(budget: float) -> list[tuple[str, Any]]:
    """The rule families compared; each is cross-validated as a whole (its pool and
    settings chosen inside each fold). Every family may also choose trafilatura alone."""

    def allowed(c: Config, costs: dict[tuple[str, ...], float], any_dependency: bool) -> bool:
        return costs[c.pool] <= budget and (any_dependency or set(c.pool) <= ELIGIBLE)

    return [
        (
            "switch bodies (the issue's rule)",
            lambda c, k: allowed(c, k, False) and c.support is None and c.guard is None,
        ),
        (
            "fill: paragraphs every candidate holds",
            lambda c, k: (
                allowed(c, k, False)
                and c.margin is None
                and c.support == len(c.pool)
                and c.guard is None
            ),
        ),
        (
            "fill, with the guard",
            lambda c, k: allowed(c, k, False) and c.margin is None and c.support == len(c.pool),
        ),
        (
            "every rule of the grid",
            lambda c, k: allowed(c, k, False),
        ),
        (
            "fill, goose3 allowed (not eligible)",
            lambda c, k: (
                allowed(c, k, True)
                and c.margin is None
                and c.support == len(c.pool)
                and c.guard is None
            ),
        ),
    ]


def report(
    pages: list[StudyPage],
    configs: list[Config],
    counts: Any,
    args: argparse.Namespace,
) -> None:
    from collections import Counter as Tally

    dev = [i for i, p in enumerate(pages) if not held_out(p.item["id"])]
    test = [i for i, p in enumerate(pages) if held_out(p.item["id"])]
    costs = {c.pool: pool_cost(pages, c.pool) for c in configs}

    def figure(index: int, which: list[int]) -> float:
        return f1(Counts(*(int(x) for x in counts[index][which].sum(axis=0))))

    print(f"pages: {len(dev)} dev, {len(test)} held out; {len(configs)} configurations")
    print(f"{args.folds}-fold cross-validation on the dev pages, {args.repeats} shuffles;")
    print(f"pools cost at most {args.budget:g}x trafilatura's reading in CPU\n")
    row = "{:46} {:>15} {:>9}"
    print(row.format("rule family", "CV F1 (dev)", "held out"))
    alone = 0
    print(
        row.format(
            "trafilatura alone (today)", f"{figure(alone, dev):.4f}", f"{figure(alone, test):.4f}"
        )
    )
    for label, keep in _families(args.budget):
        eligible = [alone] + [i for i, c in enumerate(configs) if c.pool and keep(c, costs)]
        figures, chosen = cross_validate(counts, dev, eligible, args.folds, args.repeats)
        final = choose(counts, dev, eligible)
        mean = sum(figures) / len(figures)
        spread = (sum((f - mean) ** 2 for f in figures) / len(figures)) ** 0.5
        print(row.format(label, f"{mean:.4f} ± {spread:.4f}", f"{figure(final, test):.4f}"))
        print(
            f"    chosen on the dev pages: {configs[final].label()} "
            f"(cost {costs[configs[final].pool]:.2f}x; dev F1 {figure(final, dev):.4f})"
        )
        tally = Tally(configs[c].label() for c in chosen).most_common(2)
        print("    most chosen in the folds: " + "; ".join(f"{n} x {k}" for k, n in tally))
    print("\nper candidate: CPU per page (mean over the cache run), vs trafilatura's reading")
    for name in args.names:
        ms = sum(p.ms[name] for p in pages) / len(pages)
        print(f"  {name:18} {ms:7.1f} ms  {pool_cost(pages, (name,)):5.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("corpus", type=Path, help="folder with html/ and annotations.json")
    parser.add_argument("--cache", type=Path, required=True, help="candidate outputs go here")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--budget",
        type=float,
        default=2.5,
        help="most CPU a pool may cost, as a multiple of trafilatura's reading (2.5)",
    )
    parser.add_argument("--candidates", default=",".join(ALL))
    args = parser.parse_args(argv)
    args.names = [n for n in args.candidates.split(",") if n]
    fill_cache(args.corpus, args.cache, args.names, args.jobs)
    pages = load_pages(args.corpus, args.cache, args.names)
    configs = grid(args.names)
    import inspect

    from reader.extract import consensus, ear, html

    code = "".join(
        inspect.getsource(part)
        for part in (consensus.Survey, consensus.decide, consensus._fill_gaps, ear)
    ) + "".join(inspect.getsource(f) for f in (html.ear_pass, html.guarded_ear_pass))
    stamp = hashlib.sha256(repr((configs, CACHE_VERSION, code)).encode()).hexdigest()[:12]
    saved = args.cache / f"counts-{stamp}.npy"
    import numpy as np

    if saved.is_file():
        counts = np.load(saved)
    else:
        counts = evaluate(pages, configs, args.jobs)
        np.save(saved, counts)
    report(pages, configs, counts, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
