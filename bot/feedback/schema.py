"""The feedback database's tables, created and migrated when a bot starts.

`schema_version` holds one row per migration applied. A database migrated by newer code than
this (a version above SCHEMA_VERSION) is refused: older code could misread or damage it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

# Each migration takes the database from the version before it to its own number; never edit
# one that has shipped, add the next instead.
MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- One row per question a bot was asked; `id` is the answer id its vote buttons carry.
        CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            asked_at INTEGER NOT NULL,               -- Unix seconds, UTC
            platform TEXT NOT NULL,
            lang TEXT NOT NULL,
            question TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('answered', 'declined', 'small_talk')),
            decline_reason TEXT,
            article_id TEXT,                         -- the first quote's article, when answered
            article_title TEXT,
            excerpt TEXT,
            asker TEXT NOT NULL                      -- salted hash of the asker's user id
        );
        CREATE INDEX questions_by_time ON questions (asked_at);
        -- One vote per person per answer: a second press replaces the first.
        CREATE TABLE votes (
            answer_id TEXT NOT NULL,
            voter TEXT NOT NULL,                     -- salted hash of the voter's user id
            vote INTEGER NOT NULL CHECK (vote IN (1, -1)),
            voted_at INTEGER NOT NULL,
            PRIMARY KEY (answer_id, voter)
        ) WITHOUT ROWID;
        CREATE INDEX votes_by_time ON votes (voted_at);
    """,
    # Answers v3: an answer the engine is not sure of (its closest quotes) is an outcome of its
    # own. SQLite cannot change a CHECK constraint in place: the table is rebuilt, rows kept.
    2: """
        CREATE TABLE questions_v2 (
            id TEXT PRIMARY KEY,
            asked_at INTEGER NOT NULL,
            platform TEXT NOT NULL,
            lang TEXT NOT NULL,
            question TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('answered', 'uncertain', 'declined', 'small_talk')),
            decline_reason TEXT,
            article_id TEXT,
            article_title TEXT,
            excerpt TEXT,
            asker TEXT NOT NULL
        );
        INSERT INTO questions_v2 (id, asked_at, platform, lang, question, outcome, decline_reason,
                                  article_id, article_title, excerpt, asker)
            SELECT id, asked_at, platform, lang, question, outcome, decline_reason,
                   article_id, article_title, excerpt, asker FROM questions;
        DROP TABLE questions;
        ALTER TABLE questions_v2 RENAME TO questions;
        CREATE INDEX questions_by_time ON questions (asked_at);
    """,
}
SCHEMA_VERSION = max(MIGRATIONS)

# How long a write waits for another process's write to finish before giving up.
BUSY_TIMEOUT_MS = 5000
# How often switching a new file to WAL is tried again while another process writes to it.
WAL_SWITCH_RETRY_SECONDS = 0.01


class FeedbackSchemaError(Exception):
    """The database was made by newer code than this; the message names the file and versions."""


def connect(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """A connection to the database at `path` (created if missing), in WAL mode so readers and
    a writer of two processes do not block each other. Statements commit one by one
    (autocommit); `migrate` opens its own transaction."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                 timeout=busy_timeout_ms / 1000)
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        _switch_to_wal(connection, busy_timeout_ms)
        # In WAL mode NORMAL never corrupts the database; a power cut may lose the last writes.
        connection.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        connection.close()
        raise
    return connection


def _switch_to_wal(connection: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """PRAGMA journal_mode = WAL, waiting up to the busy timeout for another process's write.
    SQLite answers this pragma SQLITE_BUSY at once, without its busy handler: two bots opening
    a new file at once (docker compose up) saw one fail, and its feedback dropped until a reopen."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
            time.sleep(WAL_SWITCH_RETRY_SECONDS)


def applied_version(connection: sqlite3.Connection) -> int:
    """The database's schema version: 0 for a new, empty file."""
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    return connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def migrate(connection: sqlite3.Connection, path: Path) -> int:
    """Bring the database up to SCHEMA_VERSION in one transaction (two bots starting at once
    take turns) and return the version; FeedbackSchemaError when it is newer than this code."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = applied_version(connection)
        if version > SCHEMA_VERSION:
            raise FeedbackSchemaError(
                f"the feedback database {path} has schema version {version}, but this version of "
                f"the bot knows versions up to {SCHEMA_VERSION}: run the newer bot, or point "
                f"FEEDBACK_DB_PATH at another file, or set FEEDBACK=off"
            )
        if version == 0:
            connection.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
        for number in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _statements(MIGRATIONS[number]):
                connection.execute(statement)
            connection.execute("INSERT INTO schema_version VALUES (?, ?)", (number, int(time.time())))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:  # (SQLite rolls back by itself after some errors)
            connection.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION


def _statements(script: str) -> list[str]:
    """The statements of a migration, one by one (executescript would commit our transaction)."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [statement.strip() for statement in without_comments.split(";") if statement.strip()]
