"""reader.workers.stop_pool: workers gone, and nothing printed after the command's end."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import time

    from reader.workers import process_pool, stop_pool

    pool = process_pool(1)
    futures = [pool.submit(time.sleep, 30) for _ in range(12)]
    while not futures[0].running():
        time.sleep(0.01)
    # What pool.map's iterator does when an exception leaves it: the queued rest is
    # cancelled by the owner while the manager thread still holds them as pending.
    cancelled = [f.cancel() for f in futures[4:]]
    assert all(cancelled), cancelled
    processes = list(pool._processes.values())
    # The worker dies before the pool is told to shut down (stop_pool's own order
    # makes this a race; here it is certain): the manager thread fails the pending.
    processes[0].terminate()
    time.sleep(1)
    stop_pool(pool, grace=5)
    assert not any(p.is_alive() for p in processes)
    print("done", flush=True)
    """
)


@pytest.mark.timeout(60)
def test_a_dead_worker_with_cancelled_futures_prints_no_traceback() -> None:
    """Fails without the gh-107219 guard on Python 3.11: the pool's manager thread
    printed ``InvalidStateError: CANCELLED`` on stderr after the command's last line."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=50
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert "Traceback" not in result.stderr, result.stderr
    assert "InvalidStateError" not in result.stderr, result.stderr


def test_other_thread_errors_still_reach_the_hook() -> None:
    import threading

    from reader.workers import _quiet_manager_race

    seen: list[BaseException | None] = []
    hook = _quiet_manager_race(lambda args: seen.append(args.exc_value))
    error = ValueError("boom")
    thread = threading.Thread()
    hook(threading.ExceptHookArgs((ValueError, error, None, thread)))  # type: ignore[operator]
    assert seen == [error]


@pytest.mark.timeout(120)
def test_a_reader_error_raised_in_a_worker_process_comes_back_whole() -> None:
    """A page without an article, extracted in another process (as a pool or a Dask
    worker does): the error crosses back with its type, subject and reason, so the item
    fails with its own one line (Exception's pickling keeps one message, and rebuilding
    an error of two parts from it failed)."""
    import multiprocessing

    from reader.errors import InputError
    from reader.feeds.sync import Page, extract_page
    from reader.workers import process_pool

    page = Page("http://x.test/empty", "http://x.test/empty", data=b"<html><body></body></html>")
    pool = process_pool(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        future = pool.submit(extract_page, page)
        with pytest.raises(InputError) as raised:
            future.result(timeout=100)
    finally:
        pool.shutdown()
    assert raised.value.subject == "http://x.test/empty"
    assert str(raised.value) == "http://x.test/empty: no article found in the page"
