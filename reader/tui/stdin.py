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
    """Save stdin to a temporary file (the caller's to delete); reattach the terminal.

    Read up to the size cap and no further (:func:`reader.extract.sources.read_stdin`):
    an endless pipe (``yes | reader open -``) is refused at the cap, not read into
    memory until it ends."""
    from reader.extract.sources import MAX_BYTES, read_stdin, too_large

    if hasattr(stream, "buffer"):
        data = read_stdin(stream.buffer)
    else:
        data = stream.read(MAX_BYTES + 1).encode()
        if len(data) > MAX_BYTES:
            raise InputError("-", too_large())
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
