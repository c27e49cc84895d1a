"""Batches: many items, one folder, in-process, a local process pool or Dask.

The parent process owns the folder's names. Before anything runs it reads the
stamps of the files already there (which input each belongs to and the digest of
its audio); workers export into temporary files; the parent then commits the
results *in input order*: it picks each final name (the title, made safe, with
" (2)", " (3)"... when another input or a foreign file holds it), renames the
temporary file into place and removes the file an input had under an older
title. Because of that order, the same batch gets the same names with one worker
or twenty, and a rerun finds every file under the name it had.

The runner is pure: it is handed items (articles, or sources with the caller's
``extract`` function) and resolved options, and reports through callbacks; the
library and stdin are the caller's (:mod:`reader.exporting`).

The same :func:`reader.export.export_item` runs everywhere: ``jobs=1`` calls it
in this process, ``jobs>1`` in a ``ProcessPoolExecutor``, and ``cluster=ADDRESS``
on a Dask cluster through ``Client.get_executor()`` (workers there must have
reader installed and see the export folder at the same path, e.g. a shared
mount).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reader.export import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    Batch,
    ExportError,
    ExportOptions,
    Item,
    ItemResult,
    Job,
    export_item,
)
from reader.export.names import inside, numbered, remove_stale_temps

if TYPE_CHECKING:
    from reader.text.article import Article

# Recycle pool workers now and then so that a slow leak in a native library
# (the speech engine, lxml) cannot grow memory with the length of a batch.
TASKS_PER_WORKER = 25


@dataclass
class Summary:
    """The outcome of a batch; ``exit_code`` is 1 when any item failed."""

    folder: str
    items: list[ItemResult] = field(default_factory=list)
    seconds: float = 0.0
    feed: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0

    @property
    def audio_seconds(self) -> float:
        return sum(item.audio_seconds for item in self.items)

    @property
    def voices(self) -> list[str]:
        """The voices (with their rates) that spoke the exported items, in order."""
        return list(dict.fromkeys(item.voice for item in self.items if item.voice))

    def to_dict(self) -> dict[str, object]:
        return {
            "folder": self.folder,
            "exported": self.count("exported"),
            "skipped": self.count("skipped"),
            "failed": self.count("failed"),
            "seconds": round(self.seconds, 3),
            "audio_seconds": round(self.audio_seconds, 3),
            "voices": self.voices,
            "feed": self.feed,
            "items": [item.to_dict() for item in self.items],
        }


def prepare_folder(folder: Path) -> Path:
    """Create ``folder`` if needed and prove it writable; :class:`ExportError` if not."""
    try:
        if folder.exists() and not folder.is_dir():
            raise ExportError(str(folder), "is a file, not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise ExportError(str(folder), f"cannot write there ({error.strerror or error})") from None
    return folder.resolve()


class Names:
    """Who owns which name in the folder, and the picking of new names."""

    def __init__(self, folder: Path) -> None:
        from reader.export.tags import read_stamp

        self.folder = folder
        self.claimed: dict[str, str | None] = {}  # lower-cased name -> key (None: not ours)
        self.owned: dict[str, str] = {}  # key -> name
        self.digests: dict[str, str] = {}  # key -> digest
        # Temporary files of exports that were killed (SIGKILL, power loss) go first.
        remove_stale_temps(folder, (TEMP_PREFIX,), TEMP_SUFFIX)
        for path in folder.iterdir():
            if path.name.startswith(TEMP_PREFIX):
                continue
            stamp = read_stamp(path) if path.suffix.lower() in (".mp3", ".wav") else None
            key = stamp.key if stamp else None
            self.claimed[path.name.lower()] = key
            if stamp is not None and stamp.key not in self.owned:
                self.owned[stamp.key] = path.name
                self.digests[stamp.key] = stamp.digest

    def pick(self, stem: str, ext: str, key: str) -> str:
        n = 1
        while True:
            name = f"{numbered(stem, n)}.{ext}"
            holder = self.claimed.get(name.lower(), key)
            if holder == key:
                return name
            n += 1

    def commit(self, temp: str, stem: str, ext: str, key: str) -> str:
        """Rename ``temp`` into place for ``key``; returns the final name."""
        name = self.pick(stem, ext, key)
        os.replace(temp, inside(self.folder, name))
        old = self.owned.get(key)
        if old is not None and old.lower() != name.lower():
            (self.folder / old).unlink(missing_ok=True)  # the input's file under an old title
            self.claimed.pop(old.lower(), None)
        self.owned[key] = name
        self.claimed[name.lower()] = key
        return name


def commit(result: ItemResult, names: Names) -> None:
    """Give a worker's finished parts their final names (in the parent)."""
    try:
        for part in result.parts:
            if part.temp is None:
                result.files.append(names.owned.get(part.key, ""))
            else:
                result.files.append(names.commit(part.temp, part.stem, part.ext, part.key))
    except OSError as error:
        for part in result.parts:
            if part.temp:
                Path(part.temp).unlink(missing_ok=True)
        result.status = "failed"
        result.error = f"{result.label}: cannot write to {names.folder} ({error.strerror or error})"
        result.files.clear()


@contextmanager
def executor(jobs: int, cluster: str | None) -> Iterator[Executor | None]:
    """``None`` (run in this process), a process pool, or a Dask cluster's executor."""
    if cluster:
        from reader.workers import cluster_executor

        with cluster_executor(cluster) as remote:
            yield remote
    elif jobs > 1:
        # spawn, not fork: the parent runs a progress thread, and forking a
        # threaded process can deadlock the child.
        from reader.workers import process_pool

        pool = process_pool(
            jobs,
            mp_context=multiprocessing.get_context("spawn"),
            max_tasks_per_child=TASKS_PER_WORKER,
            initializer=_worker_init,
            initargs=(jobs,),
        )
        try:
            yield pool
        except BaseException:
            # Ctrl-C, SIGTERM, SIGHUP or an error in the parent: stop the workers now
            # (SIGTERM, which they turn into KeyboardInterrupt so each removes its
            # temporary file) rather than wait for their articles to finish.
            from reader.workers import stop_pool

            stop_pool(pool)
            raise
        else:
            pool.shutdown(wait=True)
    else:
        yield None


_busy = False  # in a pool worker: exporting an item right now


def _worker_signals() -> None:
    """In pool workers: Ctrl-C is the parent's to handle; SIGTERM (sent by the
    parent when interrupted) and SIGHUP (a closed terminal reaches the whole group)
    unwind a running export, so that it removes its temporary file, and end an idle
    worker at once."""
    import signal

    def stop(signum: int, frame: object) -> None:
        if _busy:
            raise KeyboardInterrupt
        os._exit(128 + signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, stop)


def _worker_init(jobs: int) -> None:
    """In pool workers: the signals (:func:`_worker_signals`), and onnxruntime's
    intra-op threads bounded to this worker's share of the cores: by default each
    Piper session starts one thread per core, so ``jobs`` workers would oversubscribe."""
    from reader.speech import piper

    _worker_signals()
    piper.set_exporting(max(1, (os.cpu_count() or 1) // jobs))


def _pool_task(job: Job, extract: Callable[[str], Article] | None) -> ItemResult:
    global _busy
    _busy = True
    try:
        return export_item(job, extract)
    except KeyboardInterrupt:  # terminated by the parent; cleanup has run
        os._exit(143)
    finally:
        _busy = False


def _cluster_task(job: Job, extract: Callable[[str], Article] | None) -> ItemResult:
    """On a Dask worker: onnxruntime's threads bounded to the worker's own threads (a
    cluster gives each worker its share of a host's cores; the Piper session would
    otherwise start one thread per core in every worker on the host), then the item."""
    from reader.speech import piper

    piper.set_exporting(_worker_threads())
    return export_item(job, extract)


def _worker_threads() -> int:
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):  # not on a worker after all
        return max(1, os.cpu_count() or 1)


def plan_jobs(
    items: Sequence[Item], folder: Path, options: ExportOptions, names: Names
) -> tuple[list[Job], list[ItemResult]]:
    """Jobs for the workers, and the items settled already (bad or repeated inputs)."""
    jobs: list[Job] = []
    settled: list[ItemResult] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.error is not None:
            result = ItemResult(index, item.label, "failed")
            result.error = item.error
            settled.append(result)
            continue
        key = item.key
        if key in seen:
            result = ItemResult(index, item.label, "skipped")
            result.error = f"{item.label}: same input as item {seen[key] + 1}; exported once"
            settled.append(result)
            continue
        seen[key] = index
        previous = {k: d for k, d in names.digests.items() if k == key or k.startswith(key + "#")}
        jobs.append(
            Job(
                index=index,
                label=item.label,
                key=key,
                folder=str(folder),
                options=options,
                source=item.source,
                article=item.article,
                highlights=item.highlights,
                previous=previous,
            )
        )
    return jobs, settled


class _InOrder:
    """Finished items, handed on in input order: their files named, then reported."""

    def __init__(
        self, names: Names, summary: Summary, on_item: Callable[[ItemResult], None] | None
    ) -> None:
        self.names, self.summary, self.on_item = names, summary, on_item
        self.results: dict[int, ItemResult] = {}  # finished, waiting for an earlier item
        self.next_index = 0

    def add(self, result: ItemResult) -> None:
        self.results[result.index] = result
        while self.next_index in self.results:
            ready = self.results.pop(self.next_index)
            if ready.parts:
                commit(ready, self.names)
            self.summary.items.append(ready)
            if self.on_item is not None:
                self.on_item(ready)
            self.next_index += 1

    def discard_unnamed(self) -> None:
        """Interrupted: no finished file is left under its temporary name."""
        for result in self.results.values():
            for part in result.parts:
                if part.temp:
                    Path(part.temp).unlink(missing_ok=True)


def _run_jobs(
    pool: Executor | None,
    jobs: list[Job],
    extract: Callable[[str], Article] | None,
    on_part: Callable[[int, int, str], None] | None,
    on_cluster: bool,
    done: _InOrder,
) -> None:
    """Export ``jobs`` here (``pool`` None: one by one, with ``on_part``) or on ``pool``."""
    if pool is None:
        for job in jobs:
            done.add(export_item(job, extract, on_part))
        return
    task = _cluster_task if on_cluster else _pool_task
    futures: dict[Future[ItemResult], Job] = {pool.submit(task, job, extract): job for job in jobs}
    for future in as_completed(futures):
        job = futures[future]
        try:
            result = future.result()
        except Exception as error:  # a worker died (killed, out of memory)
            result = ItemResult(job.index, job.label, "failed")
            reason = str(error) or type(error).__name__
            result.error = f"{job.label}: the worker failed ({reason})"
        done.add(result)


def _write_feed(folder: Path, base_url: str | None) -> str:
    """Rewrite the folder's ``feed.xml``; its path."""
    from reader.podcast.feed import write_feed

    try:
        write_feed(folder, base_url=base_url)
    except OSError as error:
        raise ExportError(str(folder), f"cannot write the feed ({error.strerror})") from None
    return str(folder / "feed.xml")


def run(
    items: Sequence[Item | str],
    folder: Path,
    options: ExportOptions,
    batch: Batch | None = None,
    *,
    extract: Callable[[str], Article] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_item: Callable[[ItemResult], None] | None = None,
    on_part: Callable[[int, int, str], None] | None = None,
) -> Summary:
    """Export ``items`` into ``folder``: the one runner of the CLI, the TUI, feed sync
    and Dask. Per-item failures are in the summary; only a folder that cannot be
    written at all raises (:class:`ExportError`).

    A string item is a URL or a file, read by ``extract`` in the worker (pass
    :func:`reader.extract.extract`); :func:`reader.exporting.export` takes inputs as
    the command line gives them (library ids, stdin) and records the files in the
    library. ``options`` are resolved from the settings here when the caller has not
    (:meth:`ExportOptions.resolved`); ``batch`` says how the items run (worker
    processes, a cluster) and whether a podcast feed is written. ``on_item`` gets each
    result in input order;
    ``on_part(done, total, title)`` is called before each part of items exported in
    this process (``jobs=1``) and may raise :class:`~reader.export.Cancelled`.
    """
    began = time.perf_counter()
    batch = batch or Batch()
    folder = prepare_folder(folder)
    if options.settings is None:
        options = options.resolved()
    names = Names(folder)
    given = [Item.of_source(i) if isinstance(i, str) else i for i in items]
    job_list, settled = plan_jobs(given, folder, options, names)
    summary = Summary(str(folder))
    if on_start is not None:
        on_start(len(given))
    done = _InOrder(names, summary, on_item)
    for result in settled:
        done.add(result)
    try:
        with executor(batch.jobs, batch.cluster) as pool:
            _run_jobs(pool, job_list, extract, on_part, bool(batch.cluster), done)
    except BaseException:
        # Interrupted: the workers are stopped; what a killed one was writing goes now.
        remove_stale_temps(folder, (TEMP_PREFIX,), TEMP_SUFFIX)
        raise
    finally:
        done.discard_unnamed()
    if batch.feed:
        summary.feed = _write_feed(folder, batch.base_url)
    summary.seconds = time.perf_counter() - began
    return summary
