"""Where the Telegram bot keeps its working state (the question journal, the ids of handled
updates, which answer belongs to which question): one SQLite file for one process, or one
PostgreSQL database (TELEGRAM_STATE_DATABASE_URL) that several webhook workers share, so that any
worker can handle any update.

The modules that keep state write their SQL once, for both: `?` placeholders, `{now}` for the
database's clock (seconds since 1970, with fractions: one clock for every worker, whatever their
hosts' clocks say) and `{serial}` for an auto-numbered primary key. What differs between the two
databases is here and nowhere else.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.runtime.settings import mask_password

log = logging.getLogger(__name__)

FILE_NAME = "telegram-state.sqlite3"
# Connections one worker keeps to PostgreSQL: its writes are short and come from a few threads.
POOL_SIZE = 4
# How long one connection attempt to PostgreSQL may take.
CONNECT_TIMEOUT_SECONDS = 15.0
# Schema changes of several workers starting at once are taken one at a time (any fixed number).
_SCHEMA_LOCK = 0x50_72_61_51  # "SoraQ"

Row = tuple[Any, ...]
# Runs one statement inside a transaction: (portable SQL, parameters) -> the rows it returns.
Run = Callable[[str, Sequence[Any]], list[Row]]


@dataclass(frozen=True)
class Dialect:
    """The SQL spellings that differ between the two databases."""

    placeholder: str
    now: str
    serial: str

    def translate(self, sql: str) -> str:
        return sql.replace("?", self.placeholder).format(now=self.now, serial=self.serial)


SQLITE = Dialect(placeholder="?", now="((julianday('now') - 2440587.5) * 86400.0)", serial="INTEGER PRIMARY KEY AUTOINCREMENT")
POSTGRES = Dialect(placeholder="%s", now="extract(epoch FROM clock_timestamp())::double precision",
                   serial="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")


class StateDatabase(ABC):
    """A database for the bot's working state; safe to use from several threads at once."""

    dialect: Dialect
    # Where it is, for logs and messages (a URL's password masked).
    where: str

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Run]:
        """A transaction, committed when the block ends (rolled back on an exception)."""

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One statement in a transaction of its own; the rows it returns."""
        with self.transaction() as run:
            return run(sql, params)

    @abstractmethod
    def has_table(self, name: str) -> bool:
        """Whether the table exists (a file written by an older version may have other tables)."""

    def create_schema(self, statements: Sequence[str]) -> None:
        """Run `statements` (CREATE … IF NOT EXISTS, carrying data over) in one transaction."""
        with self.transaction() as run:
            for statement in statements:
                run(statement, ())

    @abstractmethod
    def close(self) -> None: ...


class SQLiteState(StateDatabase):
    """One SQLite file at `path` (created with its folder), for one process."""

    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.where = str(path)
        # Autocommit, WAL: each transaction is small and survives the process.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()  # one connection: one transaction at a time

    @contextmanager
    def transaction(self) -> Iterator[Run]:
        def run(sql: str, params: Sequence[Any]) -> list[Row]:
            return self._db.execute(self.dialect.translate(sql), tuple(params)).fetchall()

        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield run
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def has_table(self, name: str) -> bool:
        return bool(self.run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def close(self) -> None:
        self._db.close()


class PostgresState(StateDatabase):
    """A PostgreSQL database at the libpq URL `url`, shared by every worker, through a small
    pool of connections (one that the server dropped is replaced). ConnectionError in one line,
    naming the URL without its password and saying why, when it cannot be reached."""

    dialect = POSTGRES

    def __init__(self, url: str, connect_timeout: float = CONNECT_TIMEOUT_SECONDS) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self.where = mask_password(url)
        try:  # once directly, for a clear reason when it fails (the pool would only time out)
            psycopg.connect(url, connect_timeout=max(1, round(connect_timeout))).close()
        except psycopg.Error as error:
            reason = " ".join(str(error).split()) or type(error).__name__
            raise ConnectionError(
                f"could not connect to the Telegram state database TELEGRAM_STATE_DATABASE_URL={self.where}: {reason}"
            ) from None
        self._pool = ConnectionPool(
            url, min_size=1, max_size=POOL_SIZE, open=True, check=ConnectionPool.check_connection,
            name="telegram-state", kwargs={"connect_timeout": max(1, round(connect_timeout))},
        )

    @contextmanager
    def transaction(self) -> Iterator[Run]:
        def run(sql: str, params: Sequence[Any]) -> list[Row]:
            cursor = connection.execute(self.dialect.translate(sql), tuple(params))
            return cursor.fetchall() if cursor.description is not None else []

        with self._pool.connection() as connection:  # commits at the end, rolls back on an error
            yield run

    def has_table(self, name: str) -> bool:
        return self.run("SELECT to_regclass(?) IS NOT NULL", (name,))[0][0]

    def create_schema(self, statements: Sequence[str]) -> None:
        # Workers starting together would race on CREATE TABLE IF NOT EXISTS (a unique
        # violation in PostgreSQL's catalog): the first takes the lock, the others then find it done.
        with self.transaction() as run:
            run("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))
            for statement in statements:
                run(statement, ())

    def close(self) -> None:
        self._pool.close()


def open_state_database(url: str | None, default_path: Path) -> StateDatabase:
    """PostgreSQL at `url` (TELEGRAM_STATE_DATABASE_URL), or without one the SQLite file
    `default_path`."""
    if url:
        database = PostgresState(url)
        log.info("Telegram working state in PostgreSQL at %s", database.where)
        return database
    return SQLiteState(default_path)
