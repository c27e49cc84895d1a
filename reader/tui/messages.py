"""Messages posted by the TUI's thread workers (extraction, listening, export), and
by the screens to ask the app for something (no screen calls or imports the app).

Workers never touch widgets: they post one of these and the screen reacts on the
UI thread. Progress messages replace each other in the queue (``can_replace``), so a
flood of updates collapses to the latest. A worker that fails just raises: its
screen puts itself back and the app tells the user (:class:`WorkFailed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message


class WorkerMessage(Message, bubble=False):
    """Posted by a worker to the node that runs it; handled there, never bubbled."""


if TYPE_CHECKING:
    from textual.worker import Worker

    from reader.listening.events import Event
    from reader.text.article import Article
    from reader.text.highlight import Highlight


@dataclass
class ArticleReady(WorkerMessage, bubble=False):
    """Extraction (or a library load) finished."""

    article: Article
    article_id: int | None
    position: int
    highlights: list[Highlight]
    note: str | None = None  # e.g. the library already tells the same story


@dataclass
class ArticleStored(WorkerMessage, bubble=False):
    """The article shown is now in the library (its id, position and highlights)."""

    article: Article
    article_id: int
    position: int
    highlights: list[Highlight]
    note: str | None = None


@dataclass
class ExportProgress(WorkerMessage, bubble=False):
    done: float  # 0..1
    label: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ExportProgress)


@dataclass
class ExportDone(WorkerMessage, bubble=False):
    paths: list[str]


# -- asked of the app by a screen (they bubble up to it) ---------------------------------


class ShowLibrary(Message):
    """Go to the library screen."""


@dataclass
class OpenArticle(Message):
    """Open the library's article ``article_id``."""

    article_id: int


@dataclass
class OpenSource(Message):
    """Fetch and clean ``source`` (a URL or path), add it to the library, open it."""

    source: str


@dataclass
class WorkFailed(Message):
    """A screen's worker raised ``worker.error`` and the screen has put itself back:
    the app tells the user (one handler, one wording for every worker)."""

    worker: Worker[object]


@dataclass
class HighlightsChanged(Message):
    """A highlight of article ``article_id`` was deleted or its note edited (in the
    highlights dialog): its screen re-reads them (and clears the selection if asked)."""

    article_id: int
    clear_selection: bool = False


class WarmUp(Message):
    """A screen is drawn: start the speech engine and the audio device, if not yet."""


@dataclass
class PlayerEvent(Message):
    """Something the session player did (posted to the app from the player's thread)."""

    event: Event
