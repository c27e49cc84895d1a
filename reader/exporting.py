"""Export as the front ends ask for it: inputs looked up, the one runner, the library told.

:mod:`reader.export` is a pure stage (handed articles and resolved options). What
lies around it is here, shared by ``reader export``, ``reader feeds sync --export``
and the TUI's export dialog: turning inputs as the user gives them (``library:ID``,
``-`` for stdin, URLs, files) into :class:`~reader.export.Item`, handing the
runner :func:`reader.extract.extract` for the workers to read URLs and files with,
and recording the files written from library articles, with the same settings
whichever front end exported them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import ReaderError
from reader.export import Item, ItemResult

if TYPE_CHECKING:
    from reader.config import Settings
    from reader.export import Batch, ExportOptions
    from reader.export.batch import Summary
    from reader.library import Library
    from reader.text.article import Article


class LibraryLink:
    """The library: the one given, or opened on first need (most exports never touch it)."""

    def __init__(self, library: Library | None = None) -> None:
        self._library = library
        self._owned = library is None
        self._by_source: dict[str, int] | None = None

    def get(self) -> Library:
        if self._library is None:
            from reader.library import Library

            self._library = Library.open()
        return self._library

    def find(self, label: str) -> int | None:
        """The id of the library article added from ``label`` (as given or as a path)."""
        if self._by_source is None:
            self._by_source = {s.source: s.id for s in reversed(self.get().list())}
        for candidate in (label, str(Path(label).expanduser().resolve())):
            if candidate in self._by_source:
                return self._by_source[candidate]
        return None

    def close(self) -> None:
        if self._owned and self._library is not None:
            self._library.close()
            self._library = None


def lookup(inputs: Sequence[str], options: ExportOptions, library: LibraryLink) -> list[Item]:
    """The runner's items for ``inputs``, in order; an input that cannot be looked up
    becomes an item settled as failed (one line naming it).

    Library articles (by id, or any input in ``highlights_only`` mode, whose
    highlights only the library knows) and stdin are read here, in the caller's
    process: workers get the article itself, so they need neither the library nor
    stdin. URLs and files are left to the workers.
    """
    from reader.export import item_key
    from reader.library import NotInLibrary, library_id

    items: list[Item] = []
    for label in inputs:
        try:
            ident = library_id(label)
            if ident is None and options.highlights_only and label != "-":
                ident = library.find(label)
                if ident is None:
                    raise ReaderError(label, "not in the library, so it has no saved highlights")
            if ident is not None:
                stored = library.get().get(ident)
                highlights = tuple((h.start, h.end) for h in stored.highlights if not h.detached)
                items.append(Item(label, f"library:{ident}", None, stored.article, highlights))
            elif label == "-":
                from reader.extract import extract
                from reader.library import source_key

                article = extract("-")
                # stdin:<hash>, as the library keeps it
                items.append(Item(label, source_key(article), None, article))
            else:
                items.append(Item(label, item_key(label), source=label))
        except ReaderError as error:
            reason = (
                str(error)
                if error.subject == label
                # "99: not in the library", not "99: article 99: not in the library"
                else f"{label}: {error.reason}"
                if isinstance(error, NotInLibrary)
                else f"{label}: {error}"
            )
            items.append(Item(label, error=reason))
    return items


def record(
    result: ItemResult,
    folder: Path,
    options: ExportOptions,
    save: Callable[[int, str, dict[str, object]], object],
) -> None:
    """Tell the library (through ``save``) which files were written from its articles."""
    exported = [f for f, part in zip(result.files, result.parts, strict=False) if part.temp]
    if not result.key.startswith("library:") or not exported:
        return
    article_id = int(result.key.removeprefix("library:"))
    try:
        for name in exported:
            save(article_id, str(folder / name), options.recorded())
    except ReaderError as error:  # the files are written; the record is a convenience
        result.error = f"{result.label}: exported, but not recorded in the library ({error})"


def export(
    inputs: Sequence[str],
    folder: Path,
    options: ExportOptions,
    *,
    settings: Settings | None = None,
    library: Library | None = None,
    batch: Batch | None = None,
    on_start: Callable[[int], None] | None = None,
    on_item: Callable[[ItemResult], None] | None = None,
) -> Summary:
    """Export ``inputs`` as ``reader export`` takes them into ``folder``; the files
    written from library articles are recorded there. ``options`` are resolved with
    ``settings`` (the user's, when not given). Raises only what
    :func:`reader.export.batch.run` raises."""
    from reader.export.batch import run
    from reader.extract import extract

    options = options.resolved(settings)
    link = LibraryLink(library)

    def each(result: ItemResult) -> None:
        if result.parts:
            record(result, folder.resolve(), options, _saver(link))
        if on_item is not None:
            on_item(result)

    try:
        items = lookup(inputs, options, link)
        return run(
            items,
            folder,
            options,
            batch,
            extract=extract,
            on_start=on_start,
            on_item=each,
        )
    finally:
        link.close()


def _saver(link: LibraryLink) -> Callable[[int, str, dict[str, object]], object]:
    def save(article_id: int, file: str, kept: dict[str, object]) -> object:
        return link.get().record_export(article_id, file, kept)

    return save


def export_article(
    article: Article,
    article_id: int | None,
    highlights: Sequence[tuple[int, int]],
    folder: Path,
    options: ExportOptions,
    *,
    progress: Callable[[float, str], None],
    save: Callable[[int, str, dict[str, object]], object] | None = None,
) -> list[Path]:
    """Export one article open in a front end (always rendered anew); returns the
    files written, in order, after recording them through ``save``.

    ``progress(fraction, title)`` is called before each part and at the end; it may
    raise :class:`~reader.export.Cancelled` to stop (the part being written goes).
    A failure raises :class:`~reader.errors.ReaderError` with the runner's line.
    """
    from dataclasses import replace

    from reader.export.batch import run

    key = f"library:{article_id}" if article_id is not None else "tui:" + article.content_hash
    label = article.name
    item = Item(label, key, None, article, tuple(highlights))
    options = replace(options, force=True)

    def on_part(done: int, total: int, title: str) -> None:
        progress(done / total, title)

    summary = run([item], folder, options, on_part=on_part)
    (result,) = summary.items
    if result.status == "failed":
        reason = (result.error or "not exported").removeprefix(f"{label}: ")
        raise ReaderError(label, reason)
    if save is not None:
        record(result, Path(summary.folder), options, save)
    progress(1.0, "done")
    return [Path(summary.folder) / name for name in result.files]
