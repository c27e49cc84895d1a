"""Glue between the export dialog's choice and :mod:`reader.export` (no widgets here).

The export itself belongs to the export package (plan the parts, render each into
a temporary file in the folder, rename it into place); this module only turns an
:class:`~reader.tui.dialogs.ExportChoice` into those calls and reports progress
after each part to the worker that runs it.
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
    highlights: list[tuple[int, int]],
    choice: ExportChoice,
    *,
    voice: str | None,
    rate: int,
    bitrate: str,
    progress: Callable[[float, str], None],
) -> list[Path]:
    """Export as chosen; returns the files written, in order.

    ``progress(fraction, label)`` is called before each part and at the end; it may
    raise to stop the export (the part being written is then removed).
    """
    from reader.config import settings
    from reader.export import ExportOptions, digest, plan, render_part
    from reader.export.batch import Names, prepare_folder

    folder = prepare_folder(choice.folder)
    options = ExportOptions(
        bitrate=bitrate,
        voice=voice,
        rate=rate,
        highlights_only=choice.what == "highlights",
        split=choice.split,
    ).resolved()
    current = settings()
    pauses = (current.pause_sentence_ms, current.pause_paragraph_ms, current.pause_heading_ms)
    key = f"library:{article_id}" if article_id is not None else "tui:" + article.content_hash
    parts = plan(article, key, options, highlights)
    names = Names(folder)
    written: list[Path] = []
    for number, part in enumerate(parts):
        progress(number / len(parts), part.title)
        part_digest = digest(article, part, options, pauses)
        temp, _ = render_part(article, part, options, folder, part_digest)
        try:
            name = names.commit(temp, part.stem, options.fmt, part.key)
        except OSError as error:
            Path(temp).unlink(missing_ok=True)
            raise ReaderError(str(folder), f"cannot write there ({error.strerror})") from None
        written.append(folder / name)
    progress(1.0, "done")
    return written
