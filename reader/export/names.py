"""Safe file names from article titles.

Titles come from the web, so they may hold anything: path separators,
``..``, control characters, a Windows device name (``CON``), hundreds of
characters, or nothing at all. :func:`safe_stem` turns a title into a name that
is valid on Linux, macOS and Windows alike (a folder exported here may be copied
to any of them), and :func:`inside` is the last guard that a path built from it
stays in the export folder.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from reader.files import create_temp as create_temp  # moved to reader.files; still here
from reader.files import remove_stale_temps as remove_stale_temps  # for export's callers
from reader.text.sanitize import one_line

# Bytes, not characters: file systems limit names to 255 *bytes*, and the stem
# leaves room for " (999)", a " - 01" part number and the extension.
MAX_STEM_BYTES = 150
FALLBACK = "untitled"

# Characters that Windows forbids in names, path separators, and controls.
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
# Invisible characters that only make two names look alike: soft hyphen (a title's
# &shy;), zero-width space, word joiner, byte order mark. (ZWJ and ZWNJ stay: emoji
# sequences and Persian or Indic words need them.)
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"\.{2,}")
# Stripped from both ends: no hidden files, nothing that looks like an option, and no
# trailing ellipsis or comma (a title made from the body's first words ends in "…").
_TRIM = " .-…,;"
# Device names Windows reserves in every folder, with or without an extension.
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{stem}{n}" for stem in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]]
)


def reserved_name(stem: str) -> bool:
    """Whether Windows reserves ``stem`` (before any extension) as a device name."""
    return stem.split(".")[0].strip().upper() in _RESERVED


def safe_stem(title: str | None, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A file name stem (no extension) for ``title`` that is safe everywhere.

    Terminal escapes, control characters, bidi controls and invisible characters go (a
    right-to-left override would make ``Evil\u202egnp.exe`` look like ``Evilexe.png``;
    a zero-width space, two equal-looking names), separators
    and forbidden characters become spaces, runs of dots collapse to one (so ``..``
    cannot survive), leading/trailing dots, spaces, dashes, commas and ellipses go (no
    hidden files, nothing that looks like an option, no "Title…"), a reserved device
    name (also before an extension: ``CON.txt``) gets an underscore after it
    (``CON_.txt``), and the result is cut at a character boundary to ``max_bytes`` of
    UTF-8. An empty result becomes ``"untitled"``.
    """
    text = one_line(unicodedata.normalize("NFC", title or ""))  # no escapes, no bidi
    text = _INVISIBLE.sub("", text)
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
