"""Glue between the export dialog's choice and :mod:`reader.export` (no widgets here).

The export itself is a pure function of the export package; this module only turns
an :class:`~reader.tui.dialogs.ExportChoice` into its arguments and hands progress
back to the worker that runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import ReaderError

if TYPE_CHECKING:
    from reader.article import Article
    from reader.tui.dialogs import ExportChoice


def run_export(
    article: Article,
    article_id: int | None,
    highlights: list[tuple[int, int, str]],
    choice: ExportChoice,
    *,
    voice: str | None,
    rate: int,
    bitrate: str,
    progress: Callable[[float, str], None],
) -> list[Path]:
    """Export as chosen; returns the files written."""
    try:
        import reader.export as export
    except ImportError as error:  # pragma: no cover - the package ships with reader
        raise ReaderError("export", f"not available ({error})") from None
    function = getattr(export, "export_highlights", None)
    if function is None:
        raise ReaderError("export", "not available in this build yet")
    raise ReaderError("export", "not wired yet")
