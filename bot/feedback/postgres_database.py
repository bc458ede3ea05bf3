"""Feedback in a PostgreSQL database (FEEDBACK_DATABASE_URL), which any number of bot processes,
on any number of machines, write at once: answer ids are drawn at random and inserted once,
votes are upserts, and a migration holds an advisory lock so that processes starting together
take turns.

Each process keeps a pool of one connection (psycopg_pool), which its feedback writer thread
borrows for each write; the pool checks the connection before lending it and replaces one the
server dropped (a restart, a failover), so writes resume by themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from bot.runtime.settings import mask_password

# The same tables as SQLite's (sqlite_database.MIGRATIONS), version by version; seconds are
# BIGINT, as INTEGER is 32 bits here. Never edit one that has shipped, add the next instead.
MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            asked_at BIGINT NOT NULL,
            platform TEXT NOT NULL,
            lang TEXT NOT NULL,
            question TEXT NOT NULL,
            outcome TEXT NOT NULL CONSTRAINT questions_outcome_check
                CHECK (outcome IN ('answered', 'declined', 'small_talk')),
            decline_reason TEXT,
            article_id TEXT,
            article_title TEXT,
            excerpt TEXT,
            asker TEXT NOT NULL
        );
        CREATE INDEX questions_by_time ON questions (asked_at);
        CREATE TABLE votes (
            answer_id TEXT NOT NULL,
            voter TEXT NOT NULL,
            vote SMALLINT NOT NULL CHECK (vote IN (1, -1)),
            voted_at BIGINT NOT NULL,
            PRIMARY KEY (answer_id, voter)
        );
        CREATE INDEX votes_by_time ON votes (voted_at);
    """,
    2: """
        ALTER TABLE questions DROP CONSTRAINT questions_outcome_check;
        ALTER TABLE questions ADD CONSTRAINT questions_outcome_check
            CHECK (outcome IN ('answered', 'uncertain', 'declined', 'small_talk'));
    """,
}
SCHEMA_VERSION_TABLE = "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"

# The advisory lock a migration holds (per database): "sorafeed" in ASCII.
MIGRATION_LOCK = 0x736F726166656564
# How long opening, or borrowing the pool's connection for a write, waits for the server.
CONNECT_TIMEOUT_SECONDS = 10
# A statement that runs this long (a server in trouble) is cancelled, and its write lost.
STATEMENT_TIMEOUT_MS = 60_000


def psycopg_placeholders(sql: str) -> str:
    """The shared SQL's '?' placeholders as psycopg's %s, and a literal % as %%; a '?' within a
    quoted string stays as it is."""
    parts = sql.replace("%", "%%").split("'")
    return "'".join(part.replace("?", "%s") if index % 2 == 0 else part for index, part in enumerate(parts))


class PostgresConnection:
    """A psycopg connection as the store and the report use it (see database.FeedbackConnection)."""

    migrations = MIGRATIONS
    schema_version_table = SCHEMA_VERSION_TABLE

    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> psycopg.Cursor:
        return self._connection.execute(psycopg_placeholders(sql), tuple(parameters))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._connection.transaction():
            yield

    def lock_schema(self) -> None:
        self.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))

    def has_table(self, name: str) -> bool:
        found = self.execute("SELECT 1 FROM information_schema.tables"
                             " WHERE table_schema = current_schema() AND table_name = ?", (name,))
        return found.fetchone() is not None


class PostgresDatabase:
    """The feedback database at a postgresql:// URL (see database.FeedbackDatabase)."""

    errors = (psycopg.Error, OSError)  # psycopg_pool's PoolTimeout is a psycopg.OperationalError

    def __init__(self, url: str, busy_timeout_ms: int) -> None:
        self.url = url
        self.name = mask_password(url)
        self.elsewhere = "FEEDBACK_DATABASE_URL at another database"
        self._busy_timeout_ms = busy_timeout_ms
        self._options: dict[str, Any] = {"autocommit": True}
        if "connect_timeout" not in conninfo_to_dict(url):
            self._options["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        self._pool: ConnectionPool | None = None

    def exists(self) -> bool:
        return True  # a server's database is made by whoever runs it; the report connects to see

    def open(self) -> None:
        """Connects once directly, so that a refusal (a wrong password, no such database) raises
        with the server's own words, then opens the pool the writes borrow from."""
        self.close()
        psycopg.connect(self.url, **self._options).close()
        # The pool would log each attempt to reconnect while the server is away; the store says
        # once that writes fail, and once that they work again.
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
        self._pool = ConnectionPool(
            self.url, kwargs=self._options, min_size=1, max_size=1, num_workers=1, name="feedback",
            configure=self._configure, check=ConnectionPool.check_connection, timeout=CONNECT_TIMEOUT_SECONDS,
            open=False,
        )
        self._pool.open()

    def _configure(self, connection: psycopg.Connection) -> None:
        # A write waits for another's lock at most as long as SQLite's busy timeout.
        connection.execute(f"SET lock_timeout = {int(self._busy_timeout_ms)}")
        connection.execute(f"SET statement_timeout = {int(STATEMENT_TIMEOUT_MS)}")

    @contextmanager
    def connection(self) -> Iterator[PostgresConnection]:
        if self._pool is None:
            raise psycopg.OperationalError(f"the feedback database {self.name} is not open")
        with self._pool.connection() as connection:
            yield PostgresConnection(connection)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
