"""Single keys from a terminal, without Enter (`reader listen`).

:class:`KeyReader` puts the terminal in cbreak mode (keys arrive one at a time, not
echoed; Ctrl-C still interrupts) and gives back what was pressed, arrow keys by name.
The terminal's mode is restored on :meth:`KeyReader.close`, whatever ended the run.
Reads never block for longer than asked: a run with nothing pressed just waits.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
from typing import Any

# The escape sequences of the keys that have names (xterm and the Linux console).
SEQUENCES = {
    "\x1b[A": "up",
    "\x1b[B": "down",
    "\x1b[C": "right",
    "\x1b[D": "left",
    "\x1bOA": "up",
    "\x1bOB": "down",
    "\x1bOC": "right",
    "\x1bOD": "left",
}
READ_CAP = 64  # bytes read at a time: a paste of a novel is read in pieces, not at once


class KeyReader:
    """Keys from a terminal on file descriptor ``fd`` in cbreak mode."""

    def __init__(self, fd: int) -> None:
        import termios
        import tty

        self.fd = fd
        self._saved: Any = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        self._pending = ""

    @classmethod
    def for_stdin(cls) -> KeyReader | None:
        """Keys from stdin when it is a terminal (None otherwise: then the run just plays)."""
        try:
            fd = sys.stdin.fileno()
        except (AttributeError, ValueError, OSError):
            return None
        if not os.isatty(fd):
            return None
        try:
            return cls(fd)
        except (ImportError, OSError):  # no termios (Windows): play without keys
            return None

    def read(self, timeout: float) -> list[str]:
        """The keys pressed, waiting at most ``timeout`` seconds for the first."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return []
        data = os.read(self.fd, READ_CAP).decode("utf-8", "replace")
        return self._split(self._pending + data)

    def _split(self, text: str) -> list[str]:
        keys: list[str] = []
        self._pending = ""
        i = 0
        while i < len(text):
            if text[i] == "\x1b":
                chunk = text[i : i + 3]
                if chunk in SEQUENCES:
                    keys.append(SEQUENCES[chunk])
                    i += 3
                    continue
                if len(chunk) < 3 and i + len(chunk) == len(text) and chunk in ("\x1b", "\x1b["):
                    self._pending = chunk  # the rest of the sequence comes with the next read
                    break
                keys.append("escape")
                i += 1
                continue
            keys.append(text[i])
            i += 1
        return keys

    def close(self) -> None:
        """Give the terminal its mode back."""
        import termios

        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
