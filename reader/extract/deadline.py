"""A deadline for a call in this thread: the extractors of the consensus run under one.

The call runs in the calling thread (the TUI's worker, a batch worker, the command's
main thread: wherever extraction runs). A timer thread raises :class:`Overrun` in it when
the deadline passes (``PyThreadState_SetAsyncExc``); the exception arrives at the next
Python instruction the call runs, so a library stuck in one long C call is stopped when
that call returns. :class:`Overrun` is a ``BaseException``: a library's ``except
Exception`` cannot swallow it.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_set_async_exc.restype = ctypes.c_int


class Overrun(BaseException):  # raised into a call, like KeyboardInterrupt
    """The call did not finish within its deadline."""


def call_with_deadline(call: Callable[[], T], seconds: float) -> T:
    """``call()``, or :class:`Overrun` once ``seconds`` have passed."""
    target = threading.get_ident()
    lock = threading.Lock()
    running = [True]

    def interrupt() -> None:
        with lock:
            if running[0]:
                _set_async_exc(target, Overrun)

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        return call()
    finally:
        with lock:
            running[0] = False
            # An exception sent but not yet raised would hit whatever runs next: cleared.
            _set_async_exc(target, ctypes.py_object())
        timer.cancel()
