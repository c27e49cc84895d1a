"""Extraction quality and speed on the annotated corpus, every README figure in one run.

    python -m benchmarks.extraction CORPUS [--jobs N] [--keep DIR]

CORPUS is the folder holding ``html/``, ``text/``, ``score.py`` and
``annotations.json`` (for this project: ../shared/bench/extraction).

1. Reference: trafilatura alone (``trafilatura.extract``, default settings, no
   comments) over every page of ``html/``, in this one process; outputs written.
2. ``reader extract --jobs N --format text -o OUT html/*.html``: the real command in a
   subprocess, start-up and process pool included. Target: no slower than step 1.
3. ``reader extract --format text -o OUT text/*.txt`` (one process, the plain-text
   cleaner). Target: under 15 s. The uncleaned copies of ``text/`` are the reference.
4. ``score.py`` over the four output folders: precision, recall and F1 side by side.

Timings on shared machines drift; the ratio of step 2 to step 1, measured in the same
run, is the figure that matters.
"""

from __future__ import annotations

import argparse
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


def reader_extract(pages: list[Path], out: Path, jobs: int) -> tuple[float, float, list[str]]:
    """Run the real command; return wall and CPU seconds (all its processes) and its
    error lines (one per failed input)."""
    cmd = [sys.executable, "-m", "reader", "extract", "--format", "text", "-o", str(out)]
    cmd += ["--jobs", str(jobs), *map(str, pages)]
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu
    # A failed input writes nothing; score.py counts a missing output as empty.
    return elapsed, cpu, [line for line in proc.stderr.splitlines() if line.strip()]


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
    args = parser.parse_args(argv)

    corpus: Path = args.corpus
    html_pages = sorted((corpus / "html").glob("*.html"))
    text_pages = sorted((corpus / "text").glob("*.txt"))
    if not html_pages or not (corpus / "score.py").is_file():
        print(f"{corpus}: not an extraction corpus (html/, text/, score.py)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="reader-bench-")) if args.keep is None else args.keep
    dirs = {name: work / name for name in ("trafilatura", "reader-html", "as-is", "reader-text")}
    for folder in dirs.values():
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    print(f"corpus: {corpus} ({len(html_pages)} HTML pages, {len(text_pages)} text pages)")
    t_ref = t_html = t_text = c_ref = c_html = float("inf")
    for _ in range(max(1, args.repeat)):  # interleaved: load from other processes hits both
        wall, cpu = trafilatura_alone(html_pages, dirs["trafilatura"])
        t_ref, c_ref = min(t_ref, wall), min(c_ref, cpu)
        wall, cpu, html_failed = reader_extract(html_pages, dirs["reader-html"], args.jobs)
        t_html, c_html = min(t_html, wall), min(c_html, cpu)
        wall, _cpu, text_failed = reader_extract(text_pages, dirs["reader-text"], 1)
        t_text = min(t_text, wall)
    copy_as_is(text_pages, dirs["as-is"])

    print(f"\nspeed (best of {max(1, args.repeat)}, same run)      wall       CPU")
    print(f"  trafilatura alone, 1 process, HTML: {t_ref:7.1f} s {c_ref:7.1f} s")
    print(f"  reader extract --jobs {args.jobs}, HTML:      {t_html:7.1f} s {c_html:7.1f} s")
    print(
        f"    ratio (reader / trafilatura):      {t_html / t_ref:7.2f}   {c_html / c_ref:7.2f}"
        "    target: wall <= 1.00"
    )
    print(f"  reader extract, 1 process, text:    {t_text:7.1f} s             target: < 15 s")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for label, failures in (("HTML", html_failed), ("text", text_failed)):
        print(f"  {label} inputs reader reported as failed: {len(failures)}")
        for line in failures[:10]:
            print(f"    {line}")

    rows = [
        ("HTML: trafilatura alone (reference)", dirs["trafilatura"]),
        ("HTML: reader extract", dirs["reader-html"]),
        ("text: copied as is (reference)", dirs["as-is"]),
        ("text: reader extract", dirs["reader-text"]),
    ]
    print(f"\n{'quality (score.py)':40} {'precision':>9} {'recall':>7} {'F1':>6}")
    for label, folder in rows:
        s = score(corpus, folder)
        print(f"  {label:38} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f}")
    print(f"\noutputs: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
