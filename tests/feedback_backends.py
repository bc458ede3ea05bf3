"""The two databases feedback can be kept in, as the feedback tests see them: an SQLite file, or
a database of the throwaway PostgreSQL server (tests/postgres_server.py). The same tests run on
both (the fixture `feedback_backend` in conftest.py), reading what landed with the same SQL."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.feedback import postgres_database, sqlite_database

BACKENDS = ("sqlite", "postgresql")


class SQLiteFeedback:
    """Feedback in an SQLite file (FEEDBACK_DB_PATH)."""

    kind = "sqlite"
    # What a write blocked by another process's lock fails with, once its busy timeout is over.
    lock_refusal = "database is locked"
    migrations = sqlite_database.MIGRATIONS
    schema_version_table = sqlite_database.SCHEMA_VERSION_TABLE

    def __init__(self, path: Path) -> None:
        self.location = path
        self.name = str(path)  # as the bot's messages name it
        self.setting = {"FEEDBACK_DB_PATH": str(path)}

    def rows(self, query: str, *parameters) -> list[tuple]:
        with sqlite3.connect(self.location) as connection:
            return connection.execute(query, parameters).fetchall()

    def execute(self, statement: str, *parameters) -> None:
        """A write from outside the store (another program, an older bot)."""
        connection = sqlite3.connect(self.location)
        try:
            with connection:
                connection.execute(statement, parameters)
        finally:
            connection.close()

    def created_anything(self) -> bool:
        return self.location.parent.exists()

    def indexes(self, table: str) -> list[str]:
        """The indexes made on `table` (not the primary key's)."""
        return [name for (name,) in self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", table)]

    def everything_kept(self) -> bytes:
        """All a copy of the database would hold: the file, with its -wal and -shm beside it."""
        return b"".join(path.read_bytes() for path in self.location.parent.iterdir()
                        if path.name.startswith(self.location.name))

    @contextmanager
    def locked_by_another_writer(self) -> Iterator[None]:
        """Another process in the middle of a long write."""
        other = sqlite3.connect(self.location, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            yield
            other.execute("ROLLBACK")
        finally:
            other.close()


class PostgresFeedback:
    """Feedback in a database of the throwaway PostgreSQL server (FEEDBACK_DATABASE_URL)."""

    kind = "postgresql"
    lock_refusal = "canceling statement due to lock timeout"
    migrations = postgres_database.MIGRATIONS
    schema_version_table = postgres_database.SCHEMA_VERSION_TABLE

    def __init__(self, url: str) -> None:
        self.location = url
        self.name = url  # it has no password to hide
        self.setting = {"FEEDBACK_DATABASE_URL": url}

    def rows(self, query: str, *parameters) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.location) as connection:
            return connection.execute(query.replace("?", "%s"), parameters).fetchall()

    def execute(self, statement: str, *parameters) -> None:
        import psycopg

        with psycopg.connect(self.location, autocommit=True) as connection:
            connection.execute(statement.replace("?", "%s"), parameters)

    def created_anything(self) -> bool:
        return bool(self.rows("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'"))

    def indexes(self, table: str) -> list[str]:
        return [name for (name,) in self.rows(
            "SELECT indexname FROM pg_indexes WHERE tablename = ? AND indexname != ? ORDER BY 1", table, f"{table}_pkey")]

    def everything_kept(self) -> bytes:
        """All a copy of the database would hold: its dump (pg_dump, data and schema)."""
        from tests.postgres_server import find_postgres_bindir

        return subprocess.run([find_postgres_bindir() / "pg_dump", "--dbname", self.location],
                              capture_output=True, check=True, timeout=120).stdout

    @contextmanager
    def locked_by_another_writer(self) -> Iterator[None]:
        import psycopg

        with psycopg.connect(self.location, autocommit=True) as other:
            other.execute("BEGIN")
            other.execute("LOCK TABLE questions, votes IN ACCESS EXCLUSIVE MODE")
            yield
            other.execute("ROLLBACK")


def feedback_backend(kind: str, sqlite_path: Path, postgres_url) -> SQLiteFeedback | PostgresFeedback:
    """The backend `kind`: an SQLite file at `sqlite_path`, or the database whose URL
    `postgres_url()` gives (only called for PostgreSQL, so SQLite runs need no server)."""
    return SQLiteFeedback(sqlite_path) if kind == "sqlite" else PostgresFeedback(postgres_url())
