"""The library's tables and their forward migrations.

The schema version is SQLite's ``PRAGMA user_version``; ``PRAGMA application_id``
marks the file as a reader library, so a foreign SQLite database (another program's
file left where ours should be) is told apart from an older library. Migrations only
go forward: each step is a list of statements run in one transaction together with
the version bump, so a crash mid-migration leaves the previous version intact.

Never edit a step once released; add a new one. A file whose version is newer than
:data:`LATEST` was written by a newer reader and is refused, not touched.
"""

from __future__ import annotations

import sqlite3

# "READ" in ASCII: written into the file header so `file(1)` and we can recognise it.
APPLICATION_ID = 0x52454144

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: articles, highlights, exports.
    (
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,            -- what the user gave: a URL, a path or "-"
                                             -- (from version 4: "stdin:<hash>", not "-")
            url TEXT,
            title TEXT,
            site TEXT,
            authors TEXT NOT NULL DEFAULT '',  -- "; "-joined, for display only
            date TEXT,
            language TEXT,
            words INTEGER NOT NULL,
            chars INTEGER NOT NULL,          -- len(Article.text): bounds for offsets
            content_hash TEXT NOT NULL,
            added TEXT NOT NULL,             -- ISO 8601 UTC
            updated TEXT,                    -- last time the text changed on re-adding
            opened TEXT,
            position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0)
        )
        """,
        "CREATE INDEX articles_source ON articles(source)",
        "CREATE INDEX articles_hash ON articles(content_hash)",
        "CREATE INDEX articles_added ON articles(added)",
        # The article itself lives apart so that listing never reads it.
        """
        CREATE TABLE article_bodies (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            article TEXT NOT NULL            -- Article.to_dict() as JSON
        )
        """,
        """
        CREATE TABLE highlights (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            quote TEXT NOT NULL,             -- the passage as it was highlighted
            prefix TEXT NOT NULL,            -- text just before and after it, to find it
            suffix TEXT NOT NULL,            -- again when the article's text changes
            color TEXT,
            note TEXT,
            created TEXT NOT NULL,
            detached INTEGER NOT NULL DEFAULT 0,  -- 1: not found in the current text
            CHECK (0 <= start AND start < "end")
        )
        """,
        "CREATE INDEX highlights_article ON highlights(article_id, start)",
        """
        CREATE TABLE exports (
            id INTEGER PRIMARY KEY,
            article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
            file TEXT NOT NULL,
            settings TEXT NOT NULL,          -- JSON object
            created TEXT NOT NULL
        )
        """,
        "CREATE INDEX exports_article ON exports(article_id)",
    ),
    # 2: full-text search over titles and text, kept in step by triggers.
    (
        """
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, tokenize = 'unicode61 remove_diacritics 2'
        )
        """,
        """
        CREATE TRIGGER article_bodies_ai AFTER INSERT ON article_bodies BEGIN
            INSERT INTO articles_fts(rowid, title, text)
            VALUES (new.article_id, json_extract(new.article, '$.title'),
                    json_extract(new.article, '$.text'));
        END
        """,
        """
        CREATE TRIGGER article_bodies_au AFTER UPDATE ON article_bodies BEGIN
            DELETE FROM articles_fts WHERE rowid = old.article_id;
            INSERT INTO articles_fts(rowid, title, text)
            VALUES (new.article_id, json_extract(new.article, '$.title'),
                    json_extract(new.article, '$.text'));
        END
        """,
        """
        CREATE TRIGGER article_bodies_ad AFTER DELETE ON article_bodies BEGIN
            DELETE FROM articles_fts WHERE rowid = old.article_id;
        END
        """,
        """
        INSERT INTO articles_fts(rowid, title, text)
        SELECT article_id, json_extract(article, '$.title'), json_extract(article, '$.text')
        FROM article_bodies
        """,
    ),
    # 3: same-story sketches (see reader.library.similar); filled lazily for old rows.
    (
        """
        CREATE TABLE sketches (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            sketch BLOB NOT NULL
        )
        """,
    ),
    # 4: an inverted index of sketch values, so that the same-story check looks up the
    # articles sharing values with a new one instead of reading every sketch; and a
    # queue of articles whose sketch and index rows are still to be made (imported
    # ones, changed ones, and every article of an older library), kept by triggers.
    (
        """
        CREATE TABLE sketch_index (
            value INTEGER NOT NULL,          -- a sketch value as a signed 64-bit integer
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (value, article_id)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX sketch_index_article ON sketch_index(article_id)",
        """
        CREATE TABLE unsketched (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
        )
        """,
        """
        CREATE TRIGGER article_bodies_sketch_ai AFTER INSERT ON article_bodies BEGIN
            INSERT OR IGNORE INTO unsketched (article_id) VALUES (new.article_id);
        END
        """,
        """
        CREATE TRIGGER article_bodies_sketch_au AFTER UPDATE OF article ON article_bodies
        BEGIN
            DELETE FROM sketches WHERE article_id = old.article_id;
            DELETE FROM sketch_index WHERE article_id = old.article_id;
            INSERT OR IGNORE INTO unsketched (article_id) VALUES (new.article_id);
        END
        """,
        # Sketches made before version 4 stay valid: they are indexed, not remade.
        "INSERT INTO unsketched (article_id) SELECT article_id FROM article_bodies",
        # Text from stdin was kept under "-"; now under its content (library.source_key).
        "UPDATE articles SET source = 'stdin:' || substr(content_hash, 1, 16) WHERE source = '-'",
    ),
    # 5: how many articles hold each sketch value, kept by triggers on the sketch index,
    # so that the same-story check reads the index rows of a new sketch's rarest values
    # only and never those of its common ones (see Library._similar). Rebuilt here
    # from the index rows of the sketches already stored; articles still queued are
    # counted when they are indexed.
    (
        """
        CREATE TABLE sketch_values (
            value INTEGER PRIMARY KEY,       -- a sketch value, as in sketch_index
            articles INTEGER NOT NULL        -- how many indexed sketches hold it
        )
        """,
        """
        CREATE TRIGGER sketch_index_ai AFTER INSERT ON sketch_index BEGIN
            INSERT INTO sketch_values (value, articles) VALUES (new.value, 1)
            ON CONFLICT (value) DO UPDATE SET articles = articles + 1;
        END
        """,
        """
        CREATE TRIGGER sketch_index_ad AFTER DELETE ON sketch_index BEGIN
            UPDATE sketch_values SET articles = articles - 1 WHERE value = old.value;
        END
        """,
        """
        INSERT INTO sketch_values (value, articles)
        SELECT value, count(*) FROM sketch_index GROUP BY value
        """,
    ),
    # 6: feeds the user follows (reader.library.feeds) and the items already taken from
    # them, remembered by GUID and by URL so that a sync adds nothing twice. Widths 12
    # and 8: reader.library.repair tells a table's records from their width (11 is
    # highlights', 5 exports', 15 articles').
    (
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,        -- the feed's address (after discovery)
            kind TEXT,                       -- rss, atom or json: what the last fetch held
            title TEXT,
            site TEXT,                       -- the site's home page, from the feed
            etag TEXT,                       -- validators for the next conditional GET
            last_modified TEXT,
            failures INTEGER NOT NULL DEFAULT 0,  -- failed syncs in a row
            last_error TEXT,
            last_ok TEXT,                    -- last successful fetch (ISO 8601 UTC)
            last_checked TEXT,
            added TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE feed_items (
            id INTEGER PRIMARY KEY,
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            guid TEXT NOT NULL,
            url TEXT,
            article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
            status TEXT NOT NULL,            -- added, unchanged, similar, refused
            export_to TEXT,                  -- a sync --export folder still to render it into
            added TEXT NOT NULL,
            UNIQUE (feed_id, guid)
        )
        """,
        "CREATE INDEX feed_items_url ON feed_items(url)",
        "CREATE INDEX feed_items_article ON feed_items(article_id)",
    ),
    # 7: small named values the library keeps about its own use (reader.library.visits:
    # when the user last looked at the library, to mark what a feed brought since).
    # Keyed by text, so a repair's reading by shape never takes its rows for another
    # table's (those are keyed by an INTEGER PRIMARY KEY).
    (
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID
        """,
    ),
    # 8: listening (reader.library.listening): articles heard to the end, with when, and
    # the queue of articles to hear next ("Up next"), in order. Tables of their own, not
    # columns of articles: a repair tells articles' records by their width (15).
    (
        """
        CREATE TABLE listened (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            at TEXT NOT NULL                 -- when it was heard to the end (ISO 8601 UTC)
        )
        """,
        """
        CREATE TABLE queue (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            rank INTEGER NOT NULL            -- the order of the queue: the lowest plays first
        )
        """,
        "CREATE INDEX queue_rank ON queue(rank)",
    ),
)

LATEST = len(MIGRATIONS)


class NewerSchema(Exception):
    """The file was written by a newer reader (its version is above :data:`LATEST`)."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection, target: int = LATEST) -> int:
    """Bring the database up to ``target``; return the version it had before.

    ``connection`` must be in autocommit mode (``isolation_level=None``). The check
    and every step happen under a write lock (``BEGIN IMMEDIATE``), so two processes
    opening a new library at once do not both run a step.
    """
    current = version(connection)
    if current > LATEST:
        raise NewerSchema(current)
    if current >= target:
        return current
    connection.execute("BEGIN IMMEDIATE")
    try:
        before = current = version(connection)
        if current > LATEST:
            raise NewerSchema(current)
        if current == 0:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        while current < target:
            for statement in MIGRATIONS[current]:
                connection.execute(statement)
            current += 1
            connection.execute(f"PRAGMA user_version = {current}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return before
