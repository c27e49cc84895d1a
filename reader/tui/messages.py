"""Messages posted by the TUI's thread workers (extraction, listening, export).

Workers never touch widgets: they post one of these and the screen reacts on the
UI thread. Progress messages replace each other in the queue (``can_replace``), so a
flood of updates collapses to the latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from reader.article import Article
    from reader.speech import Chunk


@dataclass
class ArticleReady(Message):
    """Extraction (or a library load) finished."""

    article: Article
    article_id: int | None
    position: int
    highlights: list[Any]


@dataclass
class ArticleFailed(Message):
    """Extraction failed: ``text`` is the one line to show."""

    text: str


@dataclass
class ChunkStarted(Message):
    """A chunk started sounding (posted from the audio thread)."""

    generation: int
    chunk: Chunk


@dataclass
class ListeningFinished(Message):
    """Everything asked for has been spoken (not posted when stopped or restarted)."""

    generation: int


@dataclass
class ListeningFailed(Message):
    generation: int
    text: str


@dataclass
class ExportProgress(Message):
    done: float  # 0..1
    label: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ExportProgress)


@dataclass
class ExportDone(Message):
    paths: list[str]


@dataclass
class ExportFailed(Message):
    text: str
