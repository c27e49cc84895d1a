"""An extractor's output tree as blocks: paragraphs, headings, list items, quotes,
table rows, each one clean line of text.

trafilatura's output (and the trees of the other extractors the consensus asks,
:mod:`reader.extract.candidates`) are lxml elements; this walks them into
:class:`~reader.text.article.Block` values the same way for all of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from reader.extract import sources
from reader.text.article import Block, BlockKind

__all__ = ["blocks_from_tree", "clean"]

# Element tags of trafilatura's output tree (plus a few raw HTML tags its fallback
# extractors sometimes leave) that start a block of their own.
_HEADINGS = frozenset({"head", "h1", "h2", "h3", "h4", "h5", "h6"})
_ITEMS = frozenset({"item", "li", "dt", "dd"})
_QUOTES = frozenset({"quote", "blockquote"})
_TABLES = frozenset({"table"})
_ROWS = frozenset({"row", "tr"})
_CELLS = frozenset({"cell", "td", "th"})
_BREAKS = frozenset({"lb", "br"})
_SKIP = frozenset({"graphic", "img", "figure", "colgroup", "col", "script", "style", "noscript"})
_CONTAINERS = frozenset({"body", "div", "article", "section", "main"})
# A code element is a block (a listing) directly under a container, and inline code
# ("run `pip install`") inside a paragraph or list item.
_CODE = frozenset({"code", "pre"})
_BLOCKS = (
    frozenset({"p", "list", "ul", "ol", "dl"})
    | _CONTAINERS
    | _HEADINGS
    | _ITEMS
    | _QUOTES
    | _TABLES
    | _ROWS
    | _CELLS
)

_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    # Invisible characters (soft hyphens, zero-width spaces...) split words for the
    # voice; entities such as &shy; only become them after parsing, so the loader
    # cannot remove them all.
    text = unicodedata.normalize("NFC", sources.strip_invisible(text))
    return _SPACES.sub(" ", text).strip()


def _inline_text(element: Any) -> str:
    """All the text inside an inline element (``hi``, ``ref``, ``del``...)."""
    return "".join(t for t in element.itertext() if isinstance(t, str))


def _walk(element: Any, kind: BlockKind) -> Iterator[tuple[BlockKind, str]]:
    """Yield ``(kind, text)`` for the blocks under ``element``.

    Inline children are glued into the current block; a line break (``lb``) ends it, so
    address lines or verse are spoken with a pause rather than run together; a block
    child flushes the text so far and is walked with its own kind.
    """
    buffer: list[str] = [element.text or ""]

    def flush() -> Iterator[tuple[BlockKind, str]]:
        text = clean("".join(buffer))
        buffer.clear()
        if text:
            yield kind, text

    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag or tag in _SKIP:  # a comment, a processing instruction, an image
            pass
        elif tag in _BREAKS:
            yield from flush()
        elif tag in _TABLES:
            yield from flush()
            yield from _table(child)
        elif tag in _BLOCKS or (tag in _CODE and element.tag in _CONTAINERS):
            yield from flush()
            yield from _walk(child, _kind_for(tag, kind))
        else:
            buffer.append(_inline_text(child))
        buffer.append(child.tail or "")
    yield from flush()


def _kind_for(tag: str, outer: BlockKind) -> BlockKind:
    if tag in _HEADINGS:
        return "heading"
    if tag in _ITEMS:
        return "list_item"
    if tag in _QUOTES:
        return "quote"
    # A paragraph inside a quote or a list item stays a quote or an item.
    return outer if outer in ("quote", "list_item") else "paragraph"


def _table(table: Any) -> Iterator[tuple[BlockKind, str]]:
    """One block per table row, its cells separated by commas (a pause, not a bar).

    A listener cannot see columns; reading a row as one phrase keeps a cell next to
    its neighbours, which is what a reader scanning the row would do.
    """
    rows = [el for el in table.iter() if isinstance(el.tag, str) and el.tag in _ROWS]
    if not rows:
        yield from _walk(table, "paragraph")
        return
    for row in rows:
        cells = [
            clean(_inline_text(cell))
            for cell in row
            if isinstance(cell.tag, str) and cell.tag in _CELLS
        ]
        cells = [c for c in cells if c]
        if cells:
            yield "paragraph", ", ".join(cells)


def blocks_from_tree(body: Any) -> list[Block]:
    """The blocks of trafilatura's output tree, in document order."""
    return [Block(kind, text) for kind, text in _walk(body, "paragraph")]
