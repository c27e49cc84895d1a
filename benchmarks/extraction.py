"""Extraction quality and speed on the annotated corpus: every extraction figure of the docs
(docs/benchmarks.md) in one run.

    python -m benchmarks.extraction CORPUS [--jobs N] [--keep DIR]

CORPUS is the folder holding ``html/``, ``text/``, ``score.py`` and
``annotations.json`` (for this project: ../shared/bench/extraction).

1. Reference: trafilatura alone (``trafilatura.extract``, default settings, no
   comments) over every page of ``html/``, in this one process; outputs written.
2. ``reader extract --jobs N --format text -o OUT html/*.html``: the real command in a
   subprocess, start-up and process pool included, by default (the consensus of
   extractors; target: at most 4x step 1) and with ``--fast`` (trafilatura alone;
   target: at most 1.0x step 1). The peak memory of its largest worker is printed.
3. ``reader extract --format text -o OUT text/*.txt`` (one process, the plain-text
   cleaner). Target: under 15 s. The uncleaned copies of ``text/`` are the reference.
4. ``score.py`` over the output folders: precision, recall and F1 side by side, on all
   pages and on each half of the project's split (benchmarks.consensus.held_out).
5. Opening one article: ``extract_html`` per page in this process, the default path
   against ``fast=True``, interleaved page by page; the extra time per page (mean, 95th
   percentile, worst). Target: under 300 ms.
6. Opening one article in a fresh process, as a one-off ``reader extract PAGE`` does
   (imports included), against ``--fast``: whole commands, interleaved, over
   ``--one-off`` pages, in one ``READER_HOME`` kept across them as a user's is (its
   first run, not timed, fills the cache folder). The extra CPU and wall time (mean,
   worst). Target: under 300 ms.

Timings on shared machines drift; the ratios to step 1, measured in the same run, are
the figures that matter.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def trafilatura_alone(pages: list[Path], out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of trafilatura alone over ``pages`` in this process."""
    import trafilatura

    start, cpu = time.perf_counter(), time.process_time()
    for page in pages:
        text = trafilatura.extract(page.read_bytes(), include_comments=False) or ""
        (out / f"{page.stem}.txt").write_text(text, encoding="utf-8")
    return time.perf_counter() - start, time.process_time() - cpu


def _children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def reader_extract(
    pages: list[Path], out: Path, jobs: int, *extra: str
) -> tuple[float, float, list[str], float]:
    """Run the real command; return wall and CPU seconds (all its processes), its error
    lines (one per failed input) and the peak memory of its largest process (MB)."""
    cmd = [sys.executable, "-m", "reader", "extract", "--format", "text", "-o", str(out)]
    cmd += ["--jobs", str(jobs), *extra, *map(str, pages)]
    code = (
        "import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True,"
        " text=True); sys.stderr.write(p.stderr); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True)
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu
    peak = int(proc.stdout.strip() or 0) / 1024  # kB on Linux
    # A failed input writes nothing; score.py counts a missing output as empty.
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    return elapsed, cpu, errors, peak


def one_article(pages: list[Path], limit: int) -> tuple[list[float], list[float]]:
    """Extra seconds of the default path over fast=True, per page, interleaved: wall
    time and this process's CPU time."""
    import logging
    import warnings

    from reader.errors import InputError
    from reader.extract import extract_loaded
    from reader.extract.candidates import preload
    from reader.extract.sources import load

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    preload()
    extra: tuple[list[float], list[float]] = ([], [])
    for page in pages[:limit]:
        loaded = load(str(page))
        times = {}
        for fast in (True, False):
            start, cpu = time.perf_counter(), time.process_time()
            with contextlib.suppress(InputError):
                extract_loaded(loaded, fast=fast)
            times[fast] = (time.perf_counter() - start, time.process_time() - cpu)
        extra[0].append(times[False][0] - times[True][0])
        extra[1].append(times[False][1] - times[True][1])
    return extra


def one_off(pages: list[Path]) -> tuple[list[float], list[float]]:
    """Extra wall and CPU seconds of a fresh ``reader extract PAGE`` over ``--fast``, per
    page (whole processes, interleaved, one READER_HOME)."""
    extra: tuple[list[float], list[float]] = ([], [])
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "READER_HOME": home}

        def command(page: Path, *flags: str) -> tuple[float, float]:
            code = (
                "import resource, subprocess, sys, time; t = time.perf_counter(); "
                "subprocess.run(sys.argv[1:], capture_output=True); "
                "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
                "print(w, u.ru_utime + u.ru_stime)"
            )
            argv = [sys.executable, "-c", code, sys.executable, "-m", "reader", "extract"]
            done = subprocess.run(
                [*argv, str(page), *flags], capture_output=True, text=True, env=env, timeout=120
            )
            wall, cpu = done.stdout.split()
            return float(wall), float(cpu)

        command(pages[0])  # a user's first run: the cache folder made
        for page in pages:
            fast, full = command(page, "--fast"), command(page)
            extra[0].append(full[0] - fast[0])
            extra[1].append(full[1] - fast[1])
    return extra


def copy_as_is(pages: list[Path], out: Path) -> None:
    for page in pages:
        shutil.copyfile(page, out / f"{page.stem}.txt")


def score(corpus: Path, out: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, str(corpus / "score.py"), str(out), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(proc.stdout)["all"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("corpus", type=Path, help="folder with html/, text/ and score.py")
    parser.add_argument("--jobs", type=int, default=2, help="reader's --jobs for HTML (2)")
    parser.add_argument("--keep", type=Path, help="keep the outputs in this folder")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the timed steps N times, interleaved, and keep each one's best (1)",
    )
    parser.add_argument(
        "--pages", type=int, default=200, help="pages timed one by one in step 5 (200)"
    )
    parser.add_argument(
        "--one-off", type=int, default=20, help="pages opened in fresh processes, step 6 (20)"
    )
    args = parser.parse_args(argv)

    corpus: Path = args.corpus
    html_pages = sorted((corpus / "html").glob("*.html"))
    text_pages = sorted((corpus / "text").glob("*.txt"))
    if not html_pages or not (corpus / "score.py").is_file():
        print(f"{corpus}: not an extraction corpus (html/, text/, score.py)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="reader-bench-")) if args.keep is None else args.keep
    names = ("trafilatura", "reader-html", "reader-fast", "as-is", "reader-text")
    dirs = {name: work / name for name in names}
    for folder in dirs.values():
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    print(f"corpus: {corpus} ({len(html_pages)} HTML pages, {len(text_pages)} text pages)")
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    inf = float("inf")
    best = {k: [inf, inf] for k in ("ref", "html", "fast")}
    t_text, peaks = inf, {"html": 0.0, "fast": 0.0}
    failures: dict[str, list[str]] = {}
    for _ in range(max(1, args.repeat)):  # interleaved: load from other processes hits all
        wall, cpu = trafilatura_alone(html_pages, dirs["trafilatura"])
        best["ref"] = [min(best["ref"][0], wall), min(best["ref"][1], cpu)]
        for key, folder, extra in (
            ("html", "reader-html", ()),
            ("fast", "reader-fast", ("--fast",)),
        ):
            wall, cpu, failed, peak = reader_extract(html_pages, dirs[folder], args.jobs, *extra)
            best[key] = [min(best[key][0], wall), min(best[key][1], cpu)]
            peaks[key], failures[key] = max(peaks[key], peak), failed
        wall, _cpu, failures["text"], _peak = reader_extract(text_pages, dirs["reader-text"], 1)
        t_text = min(t_text, wall)
    copy_as_is(text_pages, dirs["as-is"])

    (t_ref, c_ref), (t_html, c_html), (t_fast, c_fast) = best["ref"], best["html"], best["fast"]
    print(f"\nspeed (best of {max(1, args.repeat)}, same run)          wall       CPU  wall ratio")
    print(f"  trafilatura alone, 1 process, HTML:     {t_ref:7.1f} s {c_ref:7.1f} s")
    for label, wall, cpu, target in (
        (f"reader extract --jobs {args.jobs}, HTML:        ", t_html, c_html, "4.00"),
        (f"reader extract --jobs {args.jobs} --fast, HTML: ", t_fast, c_fast, "1.00"),
    ):
        print(f"  {label}{wall:7.1f} s {cpu:7.1f} s  {wall / t_ref:5.2f}x (target <= {target})")
    print(
        f"  peak memory of a worker: default {peaks['html']:.0f} MB, --fast "
        f"{peaks['fast']:.0f} MB (target < 300 MB)"
    )
    print(f"  reader extract, 1 process, text:        {t_text:7.1f} s             target: < 15 s")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for label, failed in failures.items():
        print(f"  {label} inputs reader reported as failed: {len(failed)}")
        for line in failed[:10]:
            print(f"    {line}")

    from benchmarks.consensus import held_out

    items = json.loads((corpus / "annotations.json").read_text(encoding="utf-8"))
    halves = {
        "dev": [i for i in items if not held_out(i["id"])],
        "held out": [i for i in items if held_out(i["id"])],
    }
    rows = [
        ("HTML: trafilatura alone (reference)", dirs["trafilatura"]),
        ("HTML: reader extract (consensus)", dirs["reader-html"]),
        ("HTML: reader extract --fast", dirs["reader-fast"]),
        ("text: copied as is (reference)", dirs["as-is"]),
        ("text: reader extract", dirs["reader-text"]),
    ]
    print(
        f"\n{'quality (score.py)':40} {'precision':>9} {'recall':>7} {'F1':>6}   F1 dev / held out"
    )
    for label, folder in rows:
        s = score(corpus, folder)
        parts = [split_f1(half, folder) for half in halves.values()]
        print(
            f"  {label:38} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f}   "
            f"{parts[0]:.4f} / {parts[1]:.4f}"
        )

    walls, cpus = one_article(html_pages, args.pages)
    for label, values in (("wall", sorted(walls)), ("CPU", sorted(cpus))):
        mean = sum(values) / len(values)
        p95 = values[int(0.95 * (len(values) - 1))]
        print(
            f"\nopening one article, default path over --fast, {len(values)} pages in this "
            f"process, {label}: mean {1000 * mean:.0f} ms, 95th percentile {1000 * p95:.0f} ms, "
            f"worst {1000 * values[-1]:.0f} ms (target < 300 ms)"
        )
    walls, cpus = one_off(html_pages[:: max(1, len(html_pages) // args.one_off)][: args.one_off])
    for label, values in (("wall", walls), ("CPU", cpus)):
        print(
            f"\nopening one article in a fresh process (reader extract PAGE over --fast), "
            f"{len(values)} pages, {label}: mean {1000 * sum(values) / len(values):.0f} ms, "
            f"worst {1000 * max(values):.0f} ms (target < 300 ms)"
        )
    print(f"\noutputs: {work}")
    return 0


def split_f1(items: list[dict[str, object]], folder: Path) -> float:
    """score.py's F1 over ``items`` only (the same rule: a segment found, whitespace
    normalised)."""
    from benchmarks.consensus import Counts, count, f1

    total = Counts()
    for item in items:
        path = folder / f"{item['id']}.txt"
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        total += count(item, text)
    return f1(total)


if __name__ == "__main__":
    sys.exit(main())
