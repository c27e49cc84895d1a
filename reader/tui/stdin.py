"""`reader open -`: read the article from stdin, then give the app the terminal.

A full-screen app reads keys from stdin, which here is the pipe the article came
through. The article is saved to a private temporary file and the terminal
(``/dev/tty``) is put back on file descriptor 0 before the app starts.
"""

from __future__ import annotations

import os
import tempfile
from typing import IO

from reader import locations
from reader.errors import InputError


def read_stdin_to_file(stream: IO[str]) -> str:
    """Save stdin to a temporary file (the caller's to delete); reattach the terminal."""
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
    folder = locations.writable(locations.cache_dir())
    fd, path = tempfile.mkstemp(prefix="stdin-", suffix=".txt", dir=folder)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    try:
        tty = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        os.unlink(path)
        raise InputError("-", "reader open - needs a terminal to show the article") from None
    os.dup2(tty, 0)
    os.close(tty)
    return path
