"""What a feed sync reports: per feed, per item, and the whole (:mod:`reader.feeds.sync`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reader.export.batch import Summary

__all__ = ["FeedResult", "ItemOutcome", "SyncSummary"]


@dataclass
class FeedResult:
    id: int
    url: str
    title: str | None
    status: str = "unchanged"  # unchanged (304 or no new item), updated, failed, late
    error: str | None = None
    new: int = 0  # new items taken
    left: int = 0  # new items left for a later sync (--limit)
    late: int = 0  # items left for a later sync: the feed's time or the sync's ran out
    failing: bool = False
    notes: list[str] = field(default_factory=list)  # said once, not failures (duplicates)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "status": self.status,
            "error": self.error,
            "new": self.new,
            "left": self.left,
            "late": self.late,
            "failing": self.failing,
            "notes": list(self.notes),
        }


@dataclass
class ItemOutcome:
    feed_id: int
    guid: str
    url: str | None
    title: str | None
    status: str  # added, updated, unchanged, similar, refused, failed, late
    article_id: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed": self.feed_id,
            "url": self.url,
            "title": self.title,
            "status": self.status,
            "article": self.article_id,
            "error": self.error,
        }


@dataclass
class SyncSummary:
    feeds: list[FeedResult] = field(default_factory=list)
    items: list[ItemOutcome] = field(default_factory=list)
    seconds: float = 0.0
    export: Summary | None = None
    fetch_seconds: float = 0.0  # wall time of steps 1-3 (fetching, extracting, adding)
    dropped: list[str] = field(default_factory=list)  # --drop-listened: files deleted

    def count_feeds(self, status: str) -> int:
        return sum(1 for f in self.feeds if f.status == status)

    def count_items(self, *statuses: str) -> int:
        return sum(1 for i in self.items if i.status in statuses)

    @property
    def exit_code(self) -> int:
        failed = self.count_feeds("failed") or self.count_items("failed", "refused")
        return 1 if failed or (self.export is not None and self.export.exit_code) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "feeds": [f.to_dict() for f in self.feeds],
            "items": [i.to_dict() for i in self.items],
            "added": self.count_items("added", "updated"),
            "failed": self.count_feeds("failed") + self.count_items("failed", "refused"),
            "late": sum(f.late for f in self.feeds),
            "seconds": round(self.seconds, 3),
            "export": self.export.to_dict() if self.export is not None else None,
            "dropped": self.dropped,
        }
