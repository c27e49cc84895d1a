"""Where parallel work runs: local process pools that stop when the command is
stopped, and a Dask cluster's executor (:func:`cluster_executor`).

``ProcessPoolExecutor`` on its own outlives an interrupted parent: leaving its ``with``
block waits for every queued task, and a parent ended by SIGTERM or SIGHUP without
cleanup leaves its workers (and multiprocessing's resource tracker, which waits for
them) running. Pools are made by :func:`process_pool`; :func:`stop_pool` ends the
workers now: SIGTERM first (export workers turn it into an unwinding that removes their
temporary files), SIGKILL for any still alive after ``grace`` seconds.

A parent that is killed outright (SIGKILL, the OOM killer) runs no cleanup at all, and
its workers went on rendering as orphans, then idled for minutes, their ``.part``
files kept by the next run because their owners were alive. So every pool worker ends
when its parent dies, whatever kills it (:func:`_start_worker`): on Linux the kernel
sends it SIGTERM (``PR_SET_PDEATHSIG``); elsewhere a thread watches the parent's
sentinel and sends the same. SIGTERM is what :func:`stop_pool` sends: the worker
unwinds as it would then.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, InvalidStateError, ProcessPoolExecutor
from typing import Any, Protocol, cast

from reader.errors import ReaderError

STOP_GRACE_SECONDS = 10.0
PARENT_POLL_SECONDS = 1.0  # where no parent-death signal exists, how often to look
PR_SET_PDEATHSIG = 1  # linux/prctl.h


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


def process_pool(
    max_workers: int,
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    **options: Any,
) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` (``options`` as for it) whose workers end with this
    process (:func:`_start_worker`, then ``initializer``) and whose stop prints nothing
    more than the command does: see :func:`_quiet_manager_race`."""
    guarded = getattr(threading.excepthook, "quiets_manager_race", False)
    if sys.version_info < (3, 12) and not guarded:
        threading.excepthook = _quiet_manager_race(threading.excepthook)  # type: ignore[assignment]
    return ProcessPoolExecutor(
        max_workers,
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
        **options,
    )


def _start_worker(
    parent: int, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]
) -> None:
    """In a pool worker, first: end with the parent (``parent``, its process id), then
    the pool's own ``initializer``."""
    _die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def _die_with_parent(parent: int) -> None:
    """SIGTERM this process when ``parent`` dies: the kernel's parent-death signal on
    Linux, a watching thread elsewhere. A parent already gone (it died before this ran)
    is the same."""
    if sys.platform.startswith("linux") and _parent_death_signal(signal.SIGTERM):
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)
        return
    import multiprocessing

    watched = multiprocessing.parent_process()
    if watched is None or watched.sentinel is None:
        return

    def watch() -> None:
        from multiprocessing.connection import wait

        while not wait([watched.sentinel], timeout=PARENT_POLL_SECONDS):
            if os.getppid() != parent:
                break
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="reader-parent-watch", daemon=True).start()


def _parent_death_signal(signum: int) -> bool:
    """Ask Linux to send ``signum`` when the parent dies; whether it took."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


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


CLUSTER_CONNECT_SECONDS = 10.0  # to reach a Dask scheduler (Dask retries within it)


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
        client = connect(address, timeout=f"{CLUSTER_CONNECT_SECONDS:g}s")
    except (OSError, TimeoutError) as error:
        raise ReaderError(address, f"cannot reach the Dask scheduler ({error})") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
