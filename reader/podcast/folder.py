"""The podcast folder of ``feeds sync --export DIR``: every article of the feeds synced
that has not been listened to, whenever it was synced.

The folder is defined by the library, not by what one sync brought: the articles the
feeds brought (:func:`reader.library.feeds.feed_articles`) less those heard to the end
(the library's listening state, :meth:`reader.library.Library.unlistened`). Each sync
hands them all to the export runner, whose resume skips the files already up to date,
so an article synced before the folder was first named, or whose export failed, is
rendered by the next sync. With ``drop_listened`` the files of articles heard to the
end are deleted first (only files reader wrote, found by their stamp), and the feed is
rewritten without them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.export import ExportOptions, ItemResult
    from reader.export.batch import Summary
    from reader.library import Library

PREFIX = "library:"


@dataclass
class Filled:
    """What a sync did to its podcast folder."""

    summary: Summary
    dropped: list[str] = field(default_factory=list)  # files of listened articles deleted


def podcast_articles(library: Library, feed_ids: Sequence[int] | None) -> list[int]:
    """The articles the folder holds: brought by these feeds, not listened to."""
    from reader.library import feeds as store

    return library.unlistened(store.feed_articles(library, feed_ids))


def listened_keys(library: Library, folder: Path) -> list[str]:
    """The library inputs in ``folder`` whose article was heard to the end."""
    from reader.podcast.feed import keys

    found = []
    for key in keys(folder):
        ident = key.removeprefix(PREFIX)
        if key.startswith(PREFIX) and ident.isdigit() and library.listened_at(int(ident)):
            found.append(key)
    return found


def fill(
    library: Library,
    folder: Path,
    feed_ids: Sequence[int] | None,
    options: ExportOptions | None,
    *,
    jobs: int = 1,
    cluster: str | None = None,
    drop_listened: bool = False,
    on_item: Callable[[ItemResult], None] | None = None,
) -> Filled:
    """Bring ``folder`` to every unlistened article of the feeds (``None``: all followed);
    with ``drop_listened``, without the files of listened ones. Rewrites its feed."""
    from reader.export import Batch, ExportOptions
    from reader.export.batch import prepare_folder
    from reader.exporting import export
    from reader.library import feeds as store

    dropped: list[str] = []
    if drop_listened:
        from reader.podcast.feed import remove

        folder = prepare_folder(folder)
        dropped = remove(folder, listened_keys(library, folder))
    ids = podcast_articles(library, feed_ids)
    done: list[int] = []

    def each(result: ItemResult) -> None:
        if result.status != "failed" and result.label.startswith(PREFIX):
            done.append(int(result.label.removeprefix(PREFIX)))
        if on_item is not None:
            on_item(result)

    try:
        summary = export(
            [f"{PREFIX}{i}" for i in ids],
            folder,
            options or ExportOptions(),
            library=library,
            batch=Batch(jobs, cluster, feed=True),
            on_item=each,
        )
    finally:
        if done:  # the sync's own record of what it still had to render
            store.exported(library, str(folder), done)
    return Filled(summary, dropped)
