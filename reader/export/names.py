"""Safe file names from article titles.

Titles come from the web, so they may hold anything: path separators,
``..``, control characters, a Windows device name (``CON``), hundreds of
characters, or nothing at all. :func:`safe_stem` turns a title into a name that
is valid on Linux, macOS and Windows alike (a folder exported here may be copied
to any of them), and :func:`inside` is the last guard that a path built from it
stays in the export folder.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from pathlib import Path

from reader.sanitize import one_line

# Bytes, not characters: file systems limit names to 255 *bytes*, and the stem
# leaves room for " (999)", a " - 01" part number and the extension.
MAX_STEM_BYTES = 150
FALLBACK = "untitled"

# Characters that Windows forbids in names, path separators, and controls.
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"\.{2,}")
# Stripped from both ends: no hidden files, nothing that looks like an option, and no
# trailing ellipsis or comma (a title made from the body's first words ends in "…").
_TRIM = " .-…,;"
# Device names Windows reserves in every folder, with or without an extension.
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{stem}{n}" for stem in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]]
)


def safe_stem(title: str | None, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A file name stem (no extension) for ``title`` that is safe everywhere.

    Terminal escapes, control characters and bidi controls go (a right-to-left
    override would make ``Evil\u202egnp.exe`` look like ``Evilexe.png``), separators
    and forbidden characters become spaces, runs of dots collapse to one (so ``..``
    cannot survive), leading/trailing dots, spaces, dashes, commas and ellipses go (no
    hidden files, nothing that looks like an option, no "Title…"), a reserved device
    name (also before an extension: ``CON.txt``) gets an underscore after it
    (``CON_.txt``), and the result is cut at a character boundary to ``max_bytes`` of
    UTF-8. An empty result becomes ``"untitled"``.
    """
    text = one_line(unicodedata.normalize("NFC", title or ""))  # no escapes, no bidi
    text = _FORBIDDEN.sub(" ", text)
    text = _DOTS.sub(".", text)
    text = _SPACES.sub(" ", text).strip(_TRIM)
    text = _truncate(text, max_bytes).rstrip(_TRIM)
    if not text:
        return FALLBACK
    head, dot, rest = text.partition(".")
    if head.rstrip().upper() in _RESERVED:
        # Windows reserves the name before the first dot: CON.txt is CON, CON_.txt is not.
        text = _truncate(f"{head.rstrip()}_{dot}{rest}", max_bytes).rstrip(_TRIM)
    return text


def _truncate(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    cut = encoded[:max_bytes].decode("utf-8", errors="ignore")
    # Prefer to end at a word boundary when one is reasonably close.
    space = cut.rfind(" ")
    return cut[:space] if space > len(cut) * 2 // 3 else cut


def numbered(stem: str, n: int) -> str:
    """The ``n``-th name for ``stem`` when it collides: ``stem``, ``stem (2)``, ..."""
    return stem if n <= 1 else f"{stem} ({n})"


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing any name that would land elsewhere.

    :func:`safe_stem` already makes that impossible; this checks the invariant
    where files are actually written, so a future change cannot break it quietly.
    """
    base = folder.resolve()
    path = (base / name).resolve()
    if path.parent != base or name in ("", ".", ".."):
        raise ValueError(f"unsafe file name {name!r}")
    return path


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


def create_temp(folder: Path, prefix: str, suffix: str) -> tuple[int, str]:
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
