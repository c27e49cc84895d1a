"""The one exception type users see.

Every failure a user can cause (bad input, unreachable host, unknown voice...) is a
:class:`ReaderError` naming the input and the reason. Front ends print ``str(error)``
as one line and exit with :attr:`ReaderError.exit_code`; nothing else is shown.
"""

from __future__ import annotations


class ReaderError(Exception):
    """A failure caused by an input, reported as ``"<subject>: <reason>"``."""

    exit_code = 2

    def __init__(self, subject: str, reason: str) -> None:
        super().__init__(f"{subject}: {reason}")
        self.subject = subject
        self.reason = reason


class InputError(ReaderError):
    """An input that cannot be read or holds no article."""


class FetchError(InputError):
    """A URL that could not be fetched."""


class ConfigError(ReaderError):
    """A settings or lexicon file with a bad value."""
