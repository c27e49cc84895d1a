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

from reader.library.ids import STAND_IN_PREFIX, STDIN_PREFIX

# The highlight record is shared with the front ends, which may hold one without SQLite.
from reader.text.highlight import Highlight as Highlight

if TYPE_CHECKING:
    from reader.text.article import Article


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


@dataclass
class RepairReport:
    """What :func:`repair` saved and lost. ``complete``: nothing the user made was lost."""

    path: Path
    status: Literal["missing", "healthy", "repaired", "unreadable"]
    moved_to: Path | None = None
    reason: str = ""
    articles: int = 0  # saved with their text
    highlights: int = 0
    exports: int = 0
    from_search_index: int = 0  # articles whose text came from the search index
    articles_lost: int = 0  # text lost (their highlights are in stand-ins, if any)
    highlights_lost: int = 0
    exports_lost: int = 0
    feeds: int = 0  # feeds followed, saved
    feed_items: int = 0  # items taken from feeds, saved
    feeds_lost: int = 0
    feed_items_forgotten: int = 0  # lost, or their article was: the next sync takes them again
    positions_lost: int = 0  # articles saved without their row: position reset
    dates_lost: int = 0  # ... and whose date added no index kept either
    from_pages: int = 0  # rows read straight from table pages the tree no longer reached
    unverified: int = 0  # texts read back by hand whose stored hash did not confirm them
    uncertain: bool = False  # some pages could not be read at all: counts are lower bounds
    stand_ins: list[tuple[int, str, int]] = field(default_factory=list)  # id, source, marks
    lost_articles: list[tuple[int, str | None]] = field(default_factory=list)  # id, source

    @property
    def complete(self) -> bool:
        return self.status != "unreadable" and not (
            self.articles_lost
            or self.highlights_lost
            or self.exports_lost
            or self.feeds_lost
            or self.positions_lost
            or self.uncertain
        )

    def lines(self) -> list[str]:
        """The report for the user: a summary line, then one line per thing to act on."""
        if self.status == "missing":
            return [f"{self.path}: no library yet, nothing to repair"]
        if self.status == "healthy":
            return [f"{self.path}: the library is healthy (integrity check passed); nothing to do"]
        if self.status == "unreadable":
            name = self.moved_to.name if self.moved_to else "?"
            return [
                f"{self.path}: nothing could be read ({self.reason}); moved it to {name} "
                "and started a new, empty library"
            ]
        lines = [
            f"repaired {self.path}: saved {self.articles} article(s), {self.highlights} "
            f"highlight(s), {self.exports} export record(s); could not save "
            f"{self.articles_lost} article text(s), {self.highlights_lost} highlight(s), "
            f"{self.exports_lost} export record(s)"
            + (" (at least: some pages could not be read at all)" if self.uncertain else "")
        ]
        if self.moved_to is not None:
            lines.append(f"the damaged file is kept as {self.moved_to.name} ({self.reason})")
        lines += self._feeds_line()
        if self.from_search_index:
            lines.append(
                f"{self.from_search_index} article(s) rebuilt from the search index's copy of "
                "the text (headings and lists became paragraphs; highlights still fit)"
            )
        if self.from_pages:
            lines.append(
                f"{self.from_pages} row(s) read straight from the file's pages "
                "(a damaged page of the table's tree hid them from queries)"
            )
        if self.unverified:
            lines.append(
                f"{self.unverified} article text(s) could not be checked against their stored "
                "hash and may carry damaged characters; `reader add SOURCE` fetches one again"
            )
        if self.positions_lost:
            dates = f", {self.dates_lost} their date added" if self.dates_lost else ""
            lines.append(f"{self.positions_lost} article(s) lost their listening position{dates}")
        for ident, origin, marks in self.stand_ins:
            again = _add_again(origin)
            lines.append(
                f"article {ident}: text lost; its {marks} highlight(s) are kept in a stand-in "
                + (
                    f"article: {again} brings the text back and re-anchors them"
                    if again
                    else "article (where the text came from is lost too)"
                )
            )
        for ident, known in self.lost_articles:
            again = _add_again(known)
            lines.append(
                f"article {ident}: text lost; {again} adds it again"
                if again
                else f"article {ident}: lost, with where it came from"
            )
        return lines

    def _feeds_line(self) -> list[str]:
        """What became of the feeds and their items (nothing when there were none)."""
        if not (self.feeds or self.feeds_lost or self.feed_items or self.feed_items_forgotten):
            return []
        line = f"kept {self.feeds} feed(s) and {self.feed_items} item(s) taken from them"
        if self.feeds_lost:
            line += (
                f"; could not save {self.feeds_lost} feed(s) (`reader feeds add URL` follows "
                "one again)"
            )
        if self.feed_items_forgotten:
            line += (
                f"; {self.feed_items_forgotten} item(s) forgotten (lost, or their article "
                "was): the next `reader feeds sync` takes them again while their feed lists them"
            )
        return [line]


def _add_again(source: str | None) -> str | None:
    """The command that adds an article again from ``source``, if it can be run as is
    (from any folder: a URL or an absolute path, never a name relative to somewhere)."""
    if not source or source.startswith((STAND_IN_PREFIX, STDIN_PREFIX)):
        return None
    if "://" not in source and not Path(source).is_absolute():
        return None
    return f"`reader add {source}`"
