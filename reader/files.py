"""Reading a file the user named: a regular file only, within a size cap, or one line why not.

Every read of a user's file goes through :func:`read_user_file`: an article to extract,
``reader say -f``, the lexicon, the settings file. A path can name something that is not
a file: a named pipe (``mkfifo f.txt``) blocks the reader until some writer comes, and a
device (``/dev/zero``) never ends. So the file is opened without blocking, refused unless
it is a regular file, and read to at most ``limit`` bytes (a file that grows while we
read is refused too, not read on).

Every write of a whole file goes through :func:`atomic_writer` (or :func:`write_atomic`):
a temporary file beside the target, renamed over it when complete, so no reader ever sees
half a file. Temporary names say which process owns them (:func:`temp_name`), so a later
run can remove what a killed one left (:func:`remove_stale_temps`).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

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


# -- writing --------------------------------------------------------------------------------

# A temporary file whose writer left no trace for this long is abandoned (one being
# written is written to all the time); the rule for files from another machine (a Dask
# worker on a shared folder) or from an older reader, whose owner cannot be checked.
STALE_SECONDS = 3600
_HOST = re.compile(r"[^A-Za-z0-9-]+")


def _host() -> str:
    """This machine's name as it goes into temporary file names (letters, digits, -)."""
    import socket

    return _HOST.sub("", socket.gethostname())[:32] or "host"


def temp_name(prefix: str, suffix: str) -> str:
    """``PREFIX<token>.<host>.<pid>SUFFIX``: a new temporary name that says who owns it.

    A later run on this machine removes the file once that process is gone (a SIGKILL,
    a power cut) and never while it lives (a concurrent run's file), see :func:`is_stale`.
    """
    return f"{prefix}{secrets.token_hex(8)}.{_host()}.{os.getpid()}{suffix}"


def _owner(name: str, suffix: str) -> tuple[str, int] | None:
    """``(host, pid)`` from a name made by :func:`temp_name`; None for any other name."""
    parts = name.removesuffix(suffix).rsplit(".", 2)
    if len(parts) != 3 or not name.endswith(suffix):
        return None
    head, host, pid = parts
    token = head[-16:]
    if len(token) != 16 or not all(c in "0123456789abcdef" for c in token):
        return None
    if not host or _HOST.search(host) or not pid.isdigit() or len(pid) > 10:
        return None
    return host, int(pid)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process: alive
        return pid < 2**31
    return True


def is_stale(path: Path, suffix: str, now: float | None = None) -> bool:
    """Whether the temporary file at ``path`` was left by a writer that is gone.

    Its owner (named in it by :func:`temp_name`) is a dead process of this machine; or,
    when the owner cannot be checked, it has not been written for :data:`STALE_SECONDS`.
    """
    import time

    owner = _owner(path.name, suffix)
    if owner is not None and owner[0] == _host():
        return not _alive(owner[1])
    try:
        age = (time.time() if now is None else now) - path.lstat().st_mtime
    except OSError:
        return False
    return age > STALE_SECONDS


def remove_stale_temps(folder: Path, prefixes: tuple[str, ...], suffix: str) -> int:
    """Remove the abandoned temporary files (``PREFIX...SUFFIX``) in ``folder``; how many."""
    removed = 0
    try:
        names = [name for name in os.listdir(folder) if name.startswith(prefixes)]
    except OSError:
        return 0
    for name in names:
        path = Path(folder, name)
        if name.endswith(suffix) and is_stale(path, suffix):
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def create_temp(folder: str | Path, prefix: str, suffix: str) -> tuple[int, str]:
    """Create a new, empty temporary file in ``folder``: ``(fd, path)``.

    Unlike :func:`tempfile.mkstemp` (mode 0600), the file gets the mode any new
    file would (0666 less the umask), so the final file renamed from it can be
    read by a web server serving a podcast folder or by other users. Its name says
    which process owns it (:func:`temp_name`), so a later run can clean up after a
    killed one.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        path = os.path.join(folder, temp_name(prefix, suffix))
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue


@contextlib.contextmanager
def atomic_writer(
    path: Path, *, prefix: str | None = None, suffix: str = ".tmp"
) -> Iterator[BinaryIO]:
    """A binary handle on a new temporary file beside ``path``, renamed to ``path`` when
    the ``with`` block ends without an error, and removed when it does not.

    The temporary file is ``PREFIX<owner>SUFFIX`` (``prefix`` defaults to ``.NAME.``)
    with the mode any new file gets (0666 less the umask, see :func:`create_temp`).
    """
    name = f".{path.name}." if prefix is None else prefix
    fd, tmp = create_temp(path.parent, name, suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(
    path: Path, data: bytes, *, prefix: str | None = None, suffix: str = ".tmp"
) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_writer`: all of it, or nothing."""
    with atomic_writer(path, prefix=prefix, suffix=suffix) as handle:
        handle.write(data)
