"""Where feedback is kept: an SQLite file (FEEDBACK_DB_PATH, the default), or a PostgreSQL
database (FEEDBACK_DATABASE_URL) that bots on several machines or processes share.

The store, the schema and the report speak only to the two small interfaces below, with SQL
that both databases read alike ('?' placeholders, ON CONFLICT upserts); what differs (connecting,
transactions, the migrations' DDL, which errors mean "the database failed") lives in
sqlite_database.py and postgres_database.py alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.runtime.database_url import is_postgres_url

if TYPE_CHECKING:
    from bot.runtime.settings import Settings

DATABASE_NAME = "feedback.sqlite3"
# How long a write waits for another process's write (a lock) before giving up.
BUSY_TIMEOUT_MS = 5000


class FeedbackConnection(Protocol):
    """One connection, for one writer at a time."""

    # The DDL of each schema version (see schema.py), and of the table that records them.
    migrations: dict[int, str]
    schema_version_table: str

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """Run one statement ('?' placeholders); a cursor with fetchone, fetchall and rowcount."""

    def transaction(self) -> AbstractContextManager[None]:
        """A write transaction: committed at the end of the block, rolled back on an exception."""

    def lock_schema(self) -> None:
        """Within a transaction: make another process migrating the same database wait for it."""

    def has_table(self, name: str) -> bool: ...


class FeedbackDatabase(Protocol):
    """A feedback database, opened once per process."""

    # As logs and messages show it: the file, or the URL with its password masked.
    name: str
    # What to set to use another one, for messages: "FEEDBACK_DB_PATH at another file".
    elsewhere: str
    # The exceptions that mean the database failed (not a bug): a write that raises one is lost.
    errors: tuple[type[BaseException], ...]

    def exists(self) -> bool:
        """Whether there is something to report on yet, without creating anything."""

    def open(self) -> None:
        """Connect (creating an SQLite file and its directory); raises one of `errors`."""

    def connection(self) -> AbstractContextManager[FeedbackConnection]:
        """A connection for one piece of work, once opened."""

    def close(self) -> None:
        """Close what `open` opened; idempotent."""


def feedback_database(location: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> FeedbackDatabase:
    """The database at `location`: a postgresql:// URL, or an SQLite file's path."""
    if isinstance(location, str) and is_postgres_url(location):
        from bot.feedback.postgres_database import PostgresDatabase

        return PostgresDatabase(location.strip(), busy_timeout_ms)
    from bot.feedback.sqlite_database import SQLiteDatabase

    return SQLiteDatabase(Path(location), busy_timeout_ms)


def default_database_path() -> Path:
    """$XDG_DATA_HOME/sora-quotes/feedback.sqlite3, or ~/.local/share/sora-quotes/feedback.sqlite3."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "sora-quotes" / DATABASE_NAME


def configured_location(settings: "Settings") -> str | Path:
    """Where the settings keep feedback: FEEDBACK_DATABASE_URL when set, else FEEDBACK_DB_PATH
    or its default file."""
    if settings.feedback_database_url is not None:
        return settings.feedback_database_url.get_secret_value()
    return settings.feedback_db_path or default_database_path()
