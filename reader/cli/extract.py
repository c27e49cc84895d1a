"""`reader extract INPUT... [-o DIR] [--format text|json|markdown] [--jobs N] [--fast]`.

Each input (an http(s) URL, a saved page, a plain-text scrape or ``-`` for stdin)
becomes a clean article. Without ``-o`` the articles go to stdout in input order;
with ``-o DIR`` each one is written to ``DIR/<name>.<ext>`` (the input's file name
without its extension, a slug for URLs), through a temporary file renamed into place.
A bad input prints one line on stderr and the others still complete; the exit status
is 2 if any input failed.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

FORMATS = {"text": "txt", "json": "json", "markdown": "md"}
# Written between articles on stdout when there are several (not used with -o).
STDOUT_SEPARATOR = "\n\f\n"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="turn URLs, saved pages or pasted text into clean, speakable articles",
        description=(
            "Turn each INPUT (an http(s) URL, an .html file, a plain-text file, or - for "
            "stdin) into a clean article. HTML or text is decided from the content."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="URL, file, or - for stdin")
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        type=Path,
        help="write DIR/<name>.<ext> per input instead of printing to stdout",
    )
    parser.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default="text",
        help="text: the spoken text; json: the article model; markdown (default: text)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        default=1,
        metavar="N",
        help="extract in N processes (output order stays the input order)",
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="HTML: trafilatura alone, not checked against other extractors (for big "
        "batches; the `extraction` setting makes it the default)",
    )
    parser.set_defaults(handler=handle)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


# -- the work of one input (runs in a worker process with --jobs) -------------------------------


def render(article: Any, fmt: str) -> str:
    """An article in one of the output formats."""
    if fmt == "json":
        return str(article.to_json()) + "\n"
    if fmt == "markdown":
        return str(article.to_markdown())
    return str(article.text) + "\n"


Task = tuple[str, bytes | None, str, bool | None]  # source, stdin's bytes, format, fast


def _work(task: Task) -> tuple[bool, str]:
    """Extract one input; return (True, rendered) or (False, one-line error message).

    Any exception becomes one line: in a batch, one broken page must not take the
    others down, and the user never sees a traceback.
    """
    source, data, fmt, fast = task
    from reader.errors import ReaderError
    from reader.extract import extract, extract_loaded
    from reader.extract.sources import load_bytes

    try:
        if data is None:
            article = extract(source, fast=fast)
        else:
            article = extract_loaded(load_bytes(data, source), fast=fast)
        return True, render(article, fmt)
    except ReaderError as exc:
        return False, str(exc)
    except MemoryError:
        return False, f"{source}: out of memory"
    except Exception as exc:  # a bug in a parser must not end the batch
        detail = str(exc).split("\n")[0][:200]
        return False, f"{source}: extraction failed ({type(exc).__name__}: {detail})"


# -- output names -------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.-]+")
_MAX_NAME = 120


def output_stem(source: str) -> str:
    """A safe file name (without extension) for an input: never a path, never empty.

    Files keep their name without the extension; URLs become ``host-path`` slugs;
    ``-`` is ``stdin``. Only letters, digits, ``.``, ``-`` and ``_`` survive, no
    leading dot, no Windows device name.
    """
    from reader.extract.sources import is_url

    if source == "-":
        raw = "stdin"
    elif is_url(source):
        from urllib.parse import urlsplit

        url = urlsplit(source)
        path = re.sub(r"\.(?:html?|php|aspx?|jsp)$", "", url.path, flags=re.IGNORECASE)
        raw = f"{url.hostname or 'page'}{path}"
        if url.query:
            raw += f"-{url.query}"
    else:
        raw = Path(source).stem or Path(source).name
    raw = unicodedata.normalize("NFC", raw)
    parts = _UNSAFE.sub("-", raw).split("-")
    stem = "-".join(p for p in parts if p.strip("."))  # no "..", "." pieces
    stem = re.sub(r"\.{2,}", ".", stem).strip("-._")[:_MAX_NAME].rstrip("-._")
    if not stem:
        stem = "article"
    from reader.export.names import reserved_name

    if reserved_name(stem):  # CON, NUL, COM0-9, LPT0-9... (reader.export.names)
        stem = f"{stem}_"
    return stem


def _unique(stem: str, ext: str, taken: set[str]) -> str:
    """``stem.ext``, or ``stem-2.ext``... if an earlier input of this run took it."""
    name, n = f"{stem}.{ext}", 1
    while name.casefold() in taken:  # casefold: macOS and Windows ignore case
        n += 1
        name = f"{stem}-{n}.{ext}"
    taken.add(name.casefold())
    return name


def write_atomic(folder: Path, name: str, content: str) -> Path:
    """Write ``folder/name`` through a temporary file in ``folder`` and a rename.

    The file gets the mode any new file would (0666 less the umask). A symbolic link at
    the name is left alone (``FileExistsError``): whoever put it there meant something.
    """
    import errno

    from reader.files import atomic_writer

    target = folder / name
    if target.is_symlink():
        raise FileExistsError(errno.EEXIST, "a symbolic link is there; not replaced")
    if target.resolve().parent != folder.resolve():  # defence in depth: names are slugs
        raise ValueError(f"refusing to write outside {folder}: {name}")
    with atomic_writer(target) as handle:
        handle.write(content.encode("utf-8"))
    return target


# -- the command --------------------------------------------------------------------------------


def _tasks(sources: list[str], fmt: str, fast: bool | None) -> tuple[list[Task], dict[int, str]]:
    """One task per input (stdin read here, once), and the inputs failed already."""
    from reader.errors import InputError
    from reader.extract.sources import read_stdin

    tasks: list[Task] = []
    stdin_used = False
    pre_errors: dict[int, str] = {}
    for index, source in enumerate(sources):
        data = None
        if source == "-":
            if stdin_used:
                pre_errors[index] = "-: standard input can be read only once"
            else:
                stdin_used = True
                try:
                    data = read_stdin()
                except InputError as exc:
                    pre_errors[index] = str(exc)
        tasks.append((source, data, fmt, fast))
    return tasks, pre_errors


def _make_folder(out_dir: Path) -> None:
    from reader.errors import InputError

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(out_dir), f"cannot create the folder ({exc.strerror})") from None
    if not out_dir.is_dir():
        raise InputError(str(out_dir), "is not a folder")


def handle(args: argparse.Namespace) -> int:
    from reader.cli.lines import error

    fmt: str = args.format
    sources: list[str] = list(args.inputs)
    # --fast forces trafilatura alone; without it the `extraction` setting decides.
    tasks, pre_errors = _tasks(sources, fmt, True if args.fast else None)
    failed = False
    out_dir: Path | None = args.output
    if out_dir is not None:
        _make_folder(out_dir)

    taken: set[str] = set()
    first_output = True
    for index, (ok, payload) in enumerate(_run(tasks, args.jobs, pre_errors)):
        if not ok:
            failed = True
            error(payload)
            continue
        if out_dir is None:
            if not first_output:
                sys.stdout.write(STDOUT_SEPARATOR)
            sys.stdout.write(payload)
            sys.stdout.flush()
            first_output = False
            continue
        name = _unique(output_stem(sources[index]), FORMATS[fmt], taken)
        try:
            written = write_atomic(out_dir, name, payload)
        except (OSError, ValueError) as exc:
            failed = True
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            error(f"{sources[index]}: cannot write {out_dir / name} ({reason})")
            continue
        print(written, flush=True)
    return 2 if failed else 0


def _run(tasks: list[Task], jobs: int, pre_errors: dict[int, str]) -> Any:
    """Results in input order; in a process pool when ``jobs`` > 1."""
    todo = [i for i in range(len(tasks)) if i not in pre_errors]
    if jobs <= 1 or len(todo) <= 1:
        for index in range(len(tasks)):
            yield (False, pre_errors[index]) if index in pre_errors else _work(tasks[index])
        return
    from concurrent.futures.process import BrokenProcessPool

    # Imported once here, inherited by forked workers (where fork is the start method).
    import trafilatura  # noqa: F401

    import reader.extract.html  # noqa: F401

    if any(task[3] is not True for task in tasks):  # the consensus may run: its libraries too
        from reader.extract.candidates import preload

        preload()
    from reader.workers import process_pool, stop_pool

    pool = process_pool(min(jobs, len(todo)), initializer=_worker_init)
    try:
        # Small chunks: pages differ a lot in cost, and results stream back in order.
        results = iter(pool.map(_work, [tasks[i] for i in todo], chunksize=4))
        broken: str | None = None
        for index in range(len(tasks)):
            if index in pre_errors:
                yield False, pre_errors[index]
                continue
            if broken is None:
                try:
                    yield next(results)
                    continue
                except BrokenProcessPool:  # a worker died (killed, out of memory, a crash)
                    broken = "a worker process died; not extracted"
            yield False, f"{tasks[index][0]}: {broken}"
    except BaseException:
        # Ctrl-C, SIGTERM/SIGHUP (reader.cli.Terminated) or the consumer gone: the
        # workers stop now instead of finishing every queued page.
        stop_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)


def _worker_init() -> None:
    """Workers leave Ctrl-C to the parent, which reports it once (no worker tracebacks),
    and die of SIGTERM/SIGHUP (forked workers would inherit the parent's handler, which
    unwinds the command: in a worker it would only fail the task and carry on)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
