"""The library's records: what :class:`reader.library.Library` methods return.

Frozen dataclasses, kept apart from :mod:`reader.library` so that commands that only
list or search (which return :class:`~reader.library.ArticleSummary` and
:class:`~reader.library.SearchHit` rows) do not import :mod:`dataclasses` or build
these classes at start-up. Import them from :mod:`reader.library` as usual; they are
loaded on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

# The highlight record is shared with the front ends, which may hold one without SQLite.
from reader.highlight import Highlight as Highlight

if TYPE_CHECKING:
    from reader.article import Article
    from reader.library.repair import RepairReport


@dataclass(frozen=True)
class StoredArticle:
    """An article as kept in the library, with its highlights in text order."""

    id: int
    article: Article
    source: str
    content_hash: str
    added: str
    updated: str | None
    opened: str | None
    position: int
    highlights: tuple[Highlight, ...] = ()


@dataclass(frozen=True, slots=True)
class Similar:
    """An article already in the library that tells the same story."""

    id: int
    similarity: float  # estimated Jaccard index of content words, 0..1
    title: str | None
    source: str


@dataclass(frozen=True)
class AddResult:
    """What :meth:`Library.add` did.

    ``status``: ``"added"`` (new article), ``"unchanged"`` (same source, same text:
    nothing written), ``"updated"`` (same source, new text: highlights re-anchored)
    or ``"skipped"`` (a similar article exists and ``if_similar="skip"``; ``id`` is 0).
    ``existing`` is the id the source already had, if any.
    """

    id: int
    status: Literal["added", "unchanged", "updated", "skipped"]
    similar: tuple[Similar, ...] = ()
    existing: int | None = None
    reanchored: int = 0
    detached: tuple[Highlight, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportRecord:
    id: int
    article_id: int | None
    file: str
    settings: dict[str, Any]
    created: str


@dataclass(frozen=True, slots=True)
class Recovery:
    """A damaged or foreign file found where the library should be, and where it went."""

    path: Path
    moved_to: Path
    reason: str
    # What was read back from the moved file into the new library (None: nothing).
    salvaged: RepairReport | None = None

    def message(self) -> str:
        start = (
            f"{self.path}: not a usable reader library ({self.reason}); "
            f"moved it to {self.moved_to.name} and started a new"
        )
        saved = self.salvaged
        if saved is None:
            return start + ", empty library"
        line = (
            f"{start} library with the {saved.articles} article(s) and {saved.highlights} "
            "highlight(s) that could be read back from it"
        )
        if saved.stand_ins:
            line += (
                f" ({len(saved.stand_ins)} article(s) whose text was lost keep their "
                "highlights in a stand-in: `reader add SOURCE` brings the text back)"
            )
        return line


@dataclass(frozen=True)
class ImportResult:
    articles_added: int = 0
    articles_merged: int = 0  # already present (same source and text): highlights merged
    highlights_added: int = 0
    exports_added: int = 0
    feeds_added: int = 0  # feeds not followed before
    feed_items_added: int = 0  # items taken from feeds, remembered so a sync skips them
    ids: dict[int, int] = field(default_factory=dict)  # id in the file -> id here
