"""The one exception type users see.

Every failure a user can cause (bad input, unreachable host, unknown voice...) is a
:class:`ReaderError` naming the input and the reason. Front ends print ``str(error)``
as one line and exit with :attr:`ReaderError.exit_code`; nothing else is shown.
"""

from __future__ import annotations

from reader.text.sanitize import one_line


class ReaderError(Exception):
    """A failure caused by an input, reported as ``"<subject>: <reason>"``."""

    exit_code = 2

    def __init__(self, subject: str, reason: str) -> None:
        # Both parts can quote outside text (a server's reason phrase, a page's title, a
        # file name): the message is one line without escapes, controls or bidi overrides.
        super().__init__(f"{one_line(str(subject))}: {one_line(str(reason))}")
        self.subject = subject
        self.reason = reason

    def __reduce__(self) -> tuple[type[ReaderError], tuple[str, str]]:
        # Raised in another process (a pool or a Dask worker) and re-raised here: rebuilt
        # from its two parts, as Exception's own pickling (one message) cannot.
        return type(self), (self.subject, self.reason)


class InputError(ReaderError):
    """An input that cannot be read or holds no article."""


class FetchError(InputError):
    """A URL that could not be fetched."""


class ConfigError(ReaderError):
    """A settings or lexicon file with a bad value."""
