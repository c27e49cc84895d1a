"""Export records: which audio files were written from which article, with what settings.

A record stays, unlinked, when its article is removed.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.library.ids import now
from reader.library.store import Store

if TYPE_CHECKING:
    from reader.library.records import ExportRecord

__all__ = ["ExportRecords"]


class ExportRecords(Store):
    """The library's export-record methods (see :class:`reader.library.Library`)."""

    def record_export(
        self, article_id: int | None, file: str | Path, settings: dict[str, Any] | None = None
    ) -> ExportRecord:
        """Remember that ``file`` was written (from ``article_id``) with ``settings``."""
        import json

        from reader.library.records import ExportRecord

        created = now()
        data = dict(settings or {})
        with self._write() as c:
            cursor = c.execute(
                "INSERT INTO exports (article_id, file, settings, created) VALUES (?,?,?,?)",
                (article_id, str(file), json.dumps(data, sort_keys=True, default=str), created),
            )
            ident = int(cursor.lastrowid or 0)
        return ExportRecord(ident, article_id, str(file), data, created)

    def exports(self, article_id: int | None = None) -> builtins.list[ExportRecord]:
        import json

        from reader.library.records import ExportRecord

        query = "SELECT id, article_id, file, settings, created FROM exports"
        params: tuple[Any, ...] = ()
        if article_id is not None:
            query += " WHERE article_id = ?"
            params = (article_id,)
        rows = self._read(lambda c: c.execute(query + " ORDER BY id", params).fetchall())
        return [ExportRecord(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]
