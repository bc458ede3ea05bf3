"""Feedback in an SQLite file (FEEDBACK_DB_PATH): one connection per process, in WAL mode so
the two bots sharing the file (docker compose's volume) read and write it at once."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


# Each migration takes the database from the version before it to its own number (see
# schema.py); never edit one that has shipped, add the next instead.
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
    # SQLite cannot change a CHECK constraint in place: the table is rebuilt, rows kept.
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
SCHEMA_VERSION_TABLE = "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"

# How often switching a new file to WAL is tried again while another process writes to it.
WAL_SWITCH_RETRY_SECONDS = 0.01


def connect(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    """A connection to the database at `path` (created if missing), in WAL mode so readers and
    a writer of two processes do not block each other. Statements commit one by one
    (autocommit); a transaction is begun explicitly."""
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


class SQLiteConnection:
    """An SQLite connection as the store and the report use it (see database.FeedbackConnection)."""

    migrations = MIGRATIONS
    schema_version_table = SCHEMA_VERSION_TABLE

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._connection.execute(sql, parameters)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # IMMEDIATE: the write lock is taken at the start, so two writers take turns.
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._connection.in_transaction:  # (SQLite rolls back by itself after some errors)
                self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def lock_schema(self) -> None:
        return None  # BEGIN IMMEDIATE already holds the file's one write lock

    def has_table(self, name: str) -> bool:
        found = self._connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return found.fetchone() is not None


class SQLiteDatabase:
    """The feedback file at `path` (see database.FeedbackDatabase)."""

    errors = (sqlite3.Error, OSError)

    def __init__(self, path: Path, busy_timeout_ms: int) -> None:
        self.path = path
        self.name = str(path)
        self.elsewhere = "FEEDBACK_DB_PATH at another file"
        self._busy_timeout_ms = busy_timeout_ms
        self._connection: sqlite3.Connection | None = None

    def exists(self) -> bool:
        return self.path.is_file()

    def open(self) -> None:
        self.close()
        self._connection = connect(self.path, self._busy_timeout_ms)

    @contextmanager
    def connection(self) -> Iterator[SQLiteConnection]:
        if self._connection is None:
            raise sqlite3.ProgrammingError(f"the feedback database {self.path} is not open")
        yield SQLiteConnection(self._connection)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
