"""The article model: one shape for everything downstream of extraction.

An :class:`Article` holds metadata and a list of :class:`Block` (headings,
paragraphs, list items, quotes). From these it derives the *displayed text* — the
title (unless it was derived from the body's opening words) and the blocks,
separated by blank lines — which is also exactly what is spoken. Sentences, block
spans, highlights and follow-along are all character offsets into that text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from reader.text.sanitize import one_line, safe_text
from reader.text.segment import split_sentences

BlockKind = Literal["heading", "paragraph", "list_item", "quote"]
BLOCK_KINDS: tuple[str, ...] = ("heading", "paragraph", "list_item", "quote")
BLOCK_SEPARATOR = "\n\n"
SCHEMA = 1


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of the article's structure."""

    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as ``text[start:end]`` of the displayed text.

    ``block`` is the index of its block in :attr:`Article.blocks`, or ``None`` for
    the title.
    """

    start: int
    end: int
    block: int | None


@dataclass(frozen=True, slots=True)
class Span:
    """Where a block (or the title) sits in the displayed text."""

    start: int
    end: int


@dataclass(frozen=True)
class Article:
    """A clean, speakable article."""

    blocks: tuple[Block, ...]
    title: str | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None  # ISO 8601 (YYYY-MM-DD, or a full timestamp when known)
    site: str | None = None
    url: str | None = None
    language: str | None = None  # ISO 639-1 code
    title_from_body: bool = False  # the title repeats the body's opening words: not spoken
    source: str | None = None  # what the user gave: a URL, a path or "-"
    extras: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        """Text from outside made safe once, here, where every article is made.

        Entities are decoded after the loader stripped control characters, so a page's
        ``<title>&#27;]0;PWNED&#7;</title>`` arrives as a live terminal escape; an imported
        library file can hold anything. Metadata becomes one line without escapes,
        controls or bidi controls (:func:`~reader.text.sanitize.one_line`); block text keeps
        its line breaks and right-to-left marks (:func:`~reader.text.sanitize.safe_text`). A
        block left empty is dropped. ``source`` is what the user typed and stays as given.
        """
        blocks = []
        for block in self.blocks:
            text = safe_text(block.text)
            if text.strip():
                blocks.append(block if text == block.text else Block(block.kind, text))
        if len(blocks) != len(self.blocks) or any(
            a is not b for a, b in zip(blocks, self.blocks, strict=False)
        ):
            object.__setattr__(self, "blocks", tuple(blocks))
        for name in ("title", "date", "site", "url", "language"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, one_line(str(value)) or None)
        authors = tuple(filter(None, (one_line(str(a)) for a in self.authors)))
        if authors != self.authors:
            object.__setattr__(self, "authors", authors)

    # -- derived -----------------------------------------------------------------

    @cached_property
    def _layout(self) -> tuple[str, Span | None, tuple[Span, ...]]:
        parts: list[str] = []
        pos = 0
        title_span = None
        if self.title and not self.title_from_body:
            parts.append(self.title)
            title_span = Span(0, len(self.title))
            pos = len(self.title)
        spans = []
        for block in self.blocks:
            if parts:
                parts.append(BLOCK_SEPARATOR)
                pos += len(BLOCK_SEPARATOR)
            parts.append(block.text)
            spans.append(Span(pos, pos + len(block.text)))
            pos += len(block.text)
        return "".join(parts), title_span, tuple(spans)

    @property
    def text(self) -> str:
        """The displayed and spoken text."""
        return self._layout[0]

    @cached_property
    def name(self) -> str:
        """What the article is called wherever it is named (lists, the now-playing line,
        media keys, tags, file names, chapters): its title on one safe line, else the
        opening of its first sentence (:func:`reader.text.titles.title_from_body`, the one rule
        extraction names an untitled article by), else "Untitled"."""
        from reader.text.sanitize import one_line

        if self.title and self.title.strip():
            return one_line(self.title)
        body = next((b.text for b in self.blocks if b.kind != "heading"), "")
        if body.strip():
            from reader.text.titles import title_from_body

            return one_line(title_from_body(body, self.language)) or "Untitled"
        return "Untitled"

    @property
    def title_span(self) -> Span | None:
        return self._layout[1]

    @property
    def block_spans(self) -> tuple[Span, ...]:
        return self._layout[2]

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        """The sentences of :attr:`text`; none crosses a block boundary."""
        text = self.text
        result: list[Sentence] = []
        regions: list[tuple[Span, int | None]] = []
        if self.title_span is not None:
            regions.append((self.title_span, None))
        regions.extend((span, index) for index, span in enumerate(self.block_spans))
        for span, index in regions:
            if self.blocks and index is not None and self.blocks[index].kind == "heading":
                pieces = [(0, span.end - span.start)]  # a heading is one unit to the ear
            else:
                pieces = split_sentences(text[span.start : span.end], self.language)
            result.extend(Sentence(span.start + a, span.start + b, index) for a, b in pieces)
        return tuple(result)

    @cached_property
    def content_hash(self) -> str:
        """A stable hash of what is spoken (the text and the language)."""
        digest = hashlib.sha256()
        digest.update((self.language or "").encode())
        digest.update(b"\0")
        digest.update(self.text.encode("utf-8"))
        return digest.hexdigest()

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    # -- serialization --------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON data (documented in docs/schema.md)."""
        return {
            "schema": SCHEMA,
            "title": self.title,
            "title_from_body": self.title_from_body,
            "authors": list(self.authors),
            "date": self.date,
            "site": self.site,
            "url": self.url,
            "language": self.language,
            "source": self.source,
            "text": self.text,
            "blocks": [
                {"kind": b.kind, "text": b.text, "start": s.start, "end": s.end}
                for b, s in zip(self.blocks, self.block_spans, strict=True)
            ],
            "sentences": [
                {"start": s.start, "end": s.end, "block": s.block} for s in self.sentences
            ],
            # How an HTML page's body was chosen (reader.extract.html); absent otherwise.
            **({"extraction": self.extras["extraction"]} if "extraction" in self.extras else {}),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        blocks = []
        for b in data.get("blocks", []):
            kind = b.get("kind", "paragraph")
            if kind not in BLOCK_KINDS:
                raise ValueError(f"unknown block kind {kind!r}")
            blocks.append(Block(kind, str(b["text"])))
        extraction = data.get("extraction")
        return cls(
            blocks=tuple(blocks),
            title=data.get("title"),
            title_from_body=bool(data.get("title_from_body", False)),
            authors=tuple(data.get("authors") or ()),
            date=data.get("date"),
            site=data.get("site"),
            url=data.get("url"),
            language=data.get("language"),
            source=data.get("source"),
            extras={"extraction": extraction} if isinstance(extraction, dict) else {},
        )

    def to_markdown(self) -> str:
        lines: list[str] = []
        if self.title:
            lines.append(f"# {self.title}")
        meta = [m for m in (", ".join(self.authors), self.date, self.site, self.url) if m]
        if meta:
            lines.append(" · ".join(meta))
        for block in self.blocks:
            if block.kind == "heading":
                lines.append(f"## {block.text}")
            elif block.kind == "list_item":
                lines.append(f"- {block.text}")
            elif block.kind == "quote":
                lines.append(f"> {block.text}")
            else:
                lines.append(block.text)
        return "\n\n".join(lines) + "\n"
