"""The library's errors: the one-line failures its users see (ReaderError's kinds).

The bottom of the package: every other module of ``reader.library`` may import it, it
imports none of them.
"""

from __future__ import annotations

from reader.errors import InputError, ReaderError

__all__ = ["LibraryBusy", "LibraryError", "NotInLibrary"]


class LibraryError(ReaderError):
    """The library file cannot be used (newer version, unreadable, damaged)."""


class LibraryBusy(LibraryError):
    """Another process held the library for longer than :data:`BUSY_TIMEOUT`."""


class NotInLibrary(InputError):
    """No article or highlight with that id."""
