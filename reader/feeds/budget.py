"""The time a feed sync may take, and the host gates its fetches wait at.

One fetch is bounded (:mod:`reader.extract.fetch`: timeouts and a 60 s deadline), but a
sync makes many: a hostile feed of 50 items that each drip for a minute would hold it
for a quarter of an hour. So a sync has an overall deadline (the ``sync_deadline``
setting, ``feeds sync --deadline``), and each feed a budget for its items
(:data:`FEED_BUDGET`, counted from when its items start): every fetch gets at most
what is left of both, and a wait for a host's turn too. Items not finished in time
are *late*: not recorded, so the next sync takes them (their feed's validators are not
kept, so that it is fetched whole again).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reader.errors import FetchError, ReaderError

HOST_LIMIT = 4  # fetches at once to one host
WAIT = 600.0  # seconds a fetch waits for its host's turn before giving up
FEED_BUDGET = 60.0  # seconds for one feed's items (started together, 4 at a time per host)
SYNC_DEADLINE = 600.0  # seconds for a whole sync (the default of the sync_deadline setting)


class Late(ReaderError):
    """The time of the feed or of the sync ran out before this fetch could finish."""


@dataclass(frozen=True)
class Budget:
    """When a sync must end (``time.monotonic()``), and each feed's share."""

    ends: float
    seconds: float
    per_feed: float = FEED_BUDGET

    @classmethod
    def start(cls, seconds: float, per_feed: float = FEED_BUDGET) -> Budget:
        return cls(time.monotonic() + seconds, seconds, per_feed)

    def left(self) -> float:
        return self.ends - time.monotonic()

    def feed_until(self) -> float:
        """When the items of a feed starting now must be done."""
        return min(self.ends, time.monotonic() + self.per_feed)


class Hosts:
    """A semaphore per host, so that one site is never asked more than HOST_LIMIT at once;
    every fetch bounded by the time left (``until``, a ``time.monotonic()`` value)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}

    def fetch(self, url: str, *, until: float | None = None, **kwargs: Any) -> Any:
        from reader.extract.fetch import DEADLINE, fetch

        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            gate = self._hosts.setdefault(host, threading.BoundedSemaphore(self.limit))
        wait = WAIT if until is None else min(WAIT, until - time.monotonic())
        if wait <= 0 or not gate.acquire(timeout=wait):
            if until is not None and time.monotonic() >= until:
                raise Late(url, "out of time before a connection to its host was free")
            raise FetchError(url, f"waited more than {WAIT:g} s for a connection to {host}")
        try:
            if until is None:
                return fetch(url, **kwargs)
            left = until - time.monotonic()
            if left <= 0:
                raise Late(url, "out of time before it could be fetched")
            deadline = min(DEADLINE, left)
            try:
                return fetch(url, deadline=deadline, **kwargs)
            except FetchError as error:
                if deadline < DEADLINE and time.monotonic() >= until - 0.05:
                    raise Late(url, f"cut short by the time budget ({error.reason})") from None
                raise
        finally:
            gate.release()
