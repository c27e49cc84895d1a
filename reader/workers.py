"""Local process pools that stop when the command is stopped.

``ProcessPoolExecutor`` on its own outlives an interrupted parent: leaving its ``with``
block waits for every queued task, and a parent ended by SIGTERM or SIGHUP without
cleanup leaves its workers (and multiprocessing's resource tracker, which waits for
them) running. :func:`stop_pool` ends the workers now: SIGTERM first (export workers
turn it into an unwinding that removes their temporary files), SIGKILL for any still
alive after ``grace`` seconds.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ProcessPoolExecutor

STOP_GRACE_SECONDS = 10.0


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
    pool.shutdown(wait=False, cancel_futures=True)
