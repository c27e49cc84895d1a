"""Reading a file the user named: a regular file only, within a size cap, or one line why not.

Every read of a user's file goes through :func:`read_user_file`: an article to extract,
``reader say -f``, the lexicon, the settings file. A path can name something that is not
a file: a named pipe (``mkfifo f.txt``) blocks the reader until some writer comes, and a
device (``/dev/zero``) never ends. So the file is opened without blocking, refused unless
it is a regular file, and read to at most ``limit`` bytes (a file that grows while we
read is refused too, not read on).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from reader.errors import InputError, ReaderError

MB = 1024 * 1024


def too_large(limit: int, size: int | None = None) -> str:
    """The reason for a file or download over ``limit`` bytes: "too large (25.0 MB; the
    limit is 20 MB)"."""
    cap = f"the limit is {limit // MB} MB" if limit % MB == 0 else f"the limit is {limit} bytes"
    return f"too large ({size / MB:.1f} MB; {cap})" if size else f"too large ({cap})"


def _not_a_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "not a regular file (a named pipe)"
    if stat.S_ISSOCK(mode):
        return "not a regular file (a socket)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a regular file (a device)"
    return "not a regular file"


def check_regular(
    path: str | Path, *, subject: str | None = None, error: type[ReaderError] = InputError
) -> None:
    """Raise ``error`` unless ``path`` is a regular file that can be opened for reading."""
    os.close(_open(Path(path), error, subject))


def read_user_file(
    path: str | Path,
    limit: int,
    *,
    subject: str | None = None,
    error: type[ReaderError] = InputError,
) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises ``error`` (an :class:`~reader.errors.InputError` unless told otherwise) naming
    ``subject`` (the path by default): missing, a folder, a named pipe or a device, too
    large, unreadable. Never blocks on a pipe, never reads more than ``limit + 1`` bytes.
    """
    path = Path(path)
    name = subject if subject is not None else str(path)
    fd = _open(path, error, name)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise error(name, too_large(limit, size))
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:  # it grew while we read
            raise error(name, too_large(limit))
        return b"".join(chunks)
    except OSError as exc:
        raise error(name, f"cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _open(path: Path, error: type[ReaderError], subject: str | None = None) -> int:
    """A descriptor open for reading on the regular file ``path``; ``error`` otherwise."""
    name = subject if subject is not None else str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path.expanduser(), flags)
    except FileNotFoundError:
        raise error(name, "no such file") from None
    except IsADirectoryError:
        raise error(name, "is a folder, not a file") from None
    except PermissionError:
        if path.expanduser().is_dir():  # Windows cannot open a folder at all
            raise error(name, "is a folder, not a file") from None
        raise error(name, "permission denied") from None
    except OSError as exc:
        raise error(name, f"cannot read ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise error(name, f"cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise error(name, _not_a_file(mode))
    return fd
