"""Glue between the export dialog's choice and :mod:`reader.exporting` (no widgets here).

The export itself is the one the CLI runs (:func:`reader.exporting.export_article`
over the export runner); this module only turns an
:class:`~reader.tui.dialogs.ExportChoice` and the session's resolved settings into
that call, and the worker's cancellation into the runner's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reader.config import Settings
    from reader.text.article import Article
    from reader.tui.dialogs import ExportChoice


def run_export(
    article: Article,
    article_id: int | None,
    highlights: list[tuple[int, int]],
    choice: ExportChoice,
    *,
    voice: str | None,
    rate: int,
    bitrate: str,
    progress: Callable[[float, str], None],
    settings: Settings | None = None,
    save: Callable[[int, str, dict[str, Any]], object] | None = None,
) -> list[Path]:
    """Export as chosen; returns the files written, in order, recorded through ``save``.

    ``progress(fraction, label)`` is called before each part and at the end; it may
    raise :class:`InterruptedError` to stop the export (the part being written is then
    removed, and the error raised again here). ``settings`` are the session's (pauses,
    pitch, volume); the user's file when not given.
    """
    from reader.export import Cancelled, ExportOptions
    from reader.exporting import export_article

    options = ExportOptions(
        bitrate=bitrate,
        voice=voice,
        rate=rate,
        highlights_only=choice.what == "highlights",
        split=choice.split,
    ).resolved(settings)

    def report(fraction: float, label: str) -> None:
        try:
            progress(fraction, label)
        except InterruptedError:
            raise Cancelled from None

    try:
        return export_article(
            article, article_id, highlights, choice.folder, options, progress=report, save=save
        )
    except Cancelled:
        raise InterruptedError from None
