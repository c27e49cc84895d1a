"""A saved highlight: the one type for it, from the library to the screen.

:class:`reader.library.Library` returns these (``reader.library.Highlight`` is this
class) and the TUI keeps and shows them as they are: the article view's margin and
colours, the highlights dialog, listening to highlights. It lives outside
:mod:`reader.library` so that holding one needs no SQLite: the TUI keeps a session's
highlights in memory when the library cannot be loaded or opened.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Highlight:
    """A saved passage: ``article.text[start:end]`` when not :attr:`detached`.

    ``detached`` highlights could not be found again after the article's text
    changed; they keep their quote, note and old offsets until a later version of
    the text contains the passage again. ``note`` is ``None`` when there is none.
    """

    id: int
    article_id: int
    start: int
    end: int
    text: str
    color: str | None
    note: str | None
    created: str
    prefix: str = ""
    suffix: str = ""
    detached: bool = False
