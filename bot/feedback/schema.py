"""The feedback database's tables, created and migrated when a bot starts, alike in SQLite and
PostgreSQL (each backend's module holds its DDL for every version).

`schema_version` holds one row per migration applied. A database migrated by newer code than
this (a version above SCHEMA_VERSION) is refused: older code could misread or damage it.

The versions:
1. questions (one per question asked, `id` the answer id its vote buttons carry), votes (one per
   person per answer: a second press replaces the first), meta (the generated salt).
2. Answers v3: an answer the engine is not sure of (its closest quotes) is an outcome of its own,
   "uncertain".
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.feedback.database import FeedbackConnection, FeedbackDatabase

SCHEMA_VERSION = 2


class FeedbackSchemaError(Exception):
    """The database was made by newer code than this; the message names it and the versions."""


def applied_version(connection: "FeedbackConnection") -> int:
    """The database's schema version: 0 for a new, empty one."""
    if not connection.has_table("schema_version"):
        return 0
    return connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def migrate(connection: "FeedbackConnection", database: "FeedbackDatabase") -> int:
    """Bring the database up to SCHEMA_VERSION in one transaction (processes starting at once
    take turns) and return the version; FeedbackSchemaError when it is newer than this code."""
    with connection.transaction():
        connection.lock_schema()
        version = applied_version(connection)
        if version > SCHEMA_VERSION:
            raise FeedbackSchemaError(
                f"the feedback database {database.name} has schema version {version}, but this version "
                f"of the bot knows versions up to {SCHEMA_VERSION}: run the newer bot, or point "
                f"{database.elsewhere}, or set FEEDBACK=off"
            )
        if version == 0:
            connection.execute(connection.schema_version_table)
        for number in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _statements(connection.migrations[number]):
                connection.execute(statement)
            connection.execute("INSERT INTO schema_version VALUES (?, ?)", (number, int(time.time())))
    return SCHEMA_VERSION


def _statements(script: str) -> list[str]:
    """The statements of a migration, one by one (executescript would commit our transaction)."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [statement.strip() for statement in without_comments.split(";") if statement.strip()]
