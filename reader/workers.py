"""Where parallel work runs: local process pools that stop when the command is
stopped, and a Dask cluster's executor (:func:`cluster_executor`).

``ProcessPoolExecutor`` on its own outlives an interrupted parent: leaving its ``with``
block waits for every queued task, and a parent ended by SIGTERM or SIGHUP without
cleanup leaves its workers (and multiprocessing's resource tracker, which waits for
them) running. Pools are made by :func:`process_pool`; :func:`stop_pool` ends the
workers now: SIGTERM first (export workers turn it into an unwinding that removes their
temporary files), SIGKILL for any still alive after ``grace`` seconds.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, InvalidStateError, ProcessPoolExecutor
from typing import Any, Protocol, cast

from reader.errors import ReaderError

STOP_GRACE_SECONDS = 10.0


def _quiet_manager_race(hook: object) -> object:
    """Python < 3.12: when a worker dies, the pool's manager thread marks every pending
    future failed, and a future already cancelled by its owner (``pool.map``'s iterator
    cancels the rest when it is left by an exception) makes it raise InvalidStateError,
    printed as a traceback after the command's own last line (CPython gh-107219, fixed
    in 3.12 by ignoring exactly that error). The same is ignored here, nothing else."""

    def excepthook(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.exc_value, InvalidStateError) and (
            type(args.thread).__name__ == "_ExecutorManagerThread"
        ):
            return
        hook(args)  # type: ignore[operator]

    excepthook.quiets_manager_race = True  # type: ignore[attr-defined]
    return excepthook


def process_pool(max_workers: int, **options: Any) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` (``options`` as for it) whose stop prints nothing more
    than the command does: see :func:`_quiet_manager_race`."""
    guarded = getattr(threading.excepthook, "quiets_manager_race", False)
    if sys.version_info < (3, 12) and not guarded:
        threading.excepthook = _quiet_manager_race(threading.excepthook)  # type: ignore[assignment]
    return ProcessPoolExecutor(max_workers, **options)


def stop_pool(pool: ProcessPoolExecutor, grace: float = STOP_GRACE_SECONDS) -> None:
    """Terminate ``pool``'s workers, wait up to ``grace`` seconds, kill the rest."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            if process.is_alive():
                process.kill()
                process.join(5)
    # A worker killed while sending its result leaves half a message in the result
    # pipe, and the pool's manager thread waits for the rest: the pipe's last writer is
    # this process's own end, so closing it ends that wait (the thread then sees a
    # broken pool and stops) instead of holding the interpreter's exit for ever.
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    if isinstance(manager, threading.Thread):
        manager.join(grace)
        if not manager.is_alive():
            _forget(manager)


def _forget(manager: threading.Thread) -> None:
    """Python < 3.12: at exit, concurrent.futures wakes every pool's manager thread it
    still lists, through a pipe that thread closes when it ends, without a lock: a
    manager that ended just before gave "OSError: Bad file descriptor" after the
    command's last line. An ended manager needs no waking: it is taken off that list."""
    from concurrent.futures import process

    wakeups = getattr(process, "_threads_wakeups", None)
    if wakeups is not None:
        with contextlib.suppress(KeyError, TypeError):
            del wakeups[manager]


class _DaskClient(Protocol):
    """What is used of ``distributed.Client``, typed (its methods are not)."""

    def get_executor(self, *, pure: bool) -> Executor: ...

    def close(self) -> None: ...


@contextlib.contextmanager
def cluster_executor(address: str) -> Iterator[Executor]:
    """A Dask scheduler's ``concurrent.futures`` executor, its client closed after.

    Tasks are functions of importable modules with picklable arguments: the workers
    there must have reader installed. One line (a :class:`ReaderError`) when Dask is
    missing or the scheduler cannot be reached within 10 s.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ReaderError("--cluster", "needs Dask: pip install 'hark-reader[cluster]'") from None
    try:
        connect = cast("Callable[..., _DaskClient]", Client)  # an unannotated __init__
        client = connect(address, timeout="10s")
    except (OSError, TimeoutError) as error:
        raise ReaderError(address, f"cannot reach the Dask scheduler ({error})") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
