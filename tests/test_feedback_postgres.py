"""What only feedback in PostgreSQL (FEEDBACK_DATABASE_URL) meets: the same tables as the SQLite
file, a connection the server drops, a server out of reach, and a password that never shows.
(Everything else is tested on both databases: test_feedback_store.py, test_feedback_report.py,
test_feedback_processes.py.)"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import time

import psycopg
import pytest

from bot.feedback.postgres_database import psycopg_placeholders
from bot.feedback.store import FeedbackStore
from bot.feedback.vote_data import Vote
from retrieval.answer import Answer
from tests.conftest import REPO

ALICE = 111_222_333
SECRET = "s3cret-Pass"
# A server that is not there: no socket in this directory.
UNREACHABLE = f"postgresql://sora:{SECRET}@/feedback?host=/nonexistent-sora-quotes-socket"
SHOWN_UNREACHABLE = "postgresql://sora:***@/feedback?host=/nonexistent-sora-quotes-socket"


def declined(question: str) -> Answer:
    return Answer(question, False, "en", decline_reason="no passage holds the question's words")


def _columns_in_sqlite(path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: sorted(row[1] for row in connection.execute(f"PRAGMA table_info({table})")) for table in tables}


def _columns_in_postgres(url) -> dict[str, list[str]]:
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT table_name, column_name FROM information_schema.columns"
                                  " WHERE table_schema = 'public'").fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return {table: sorted(names) for table, names in columns.items()}


def test_both_databases_get_the_same_tables_and_columns(tmp_path, postgres_database):
    FeedbackStore.open(tmp_path / "feedback.sqlite3").close()
    FeedbackStore.open(postgres_database).close()
    in_sqlite = _columns_in_sqlite(tmp_path / "feedback.sqlite3")
    assert set(in_sqlite) == {"schema_version", "meta", "questions", "votes"}
    assert _columns_in_postgres(postgres_database) == in_sqlite


async def test_a_connection_the_server_dropped_is_replaced_and_nothing_is_lost(postgres_database, caplog):
    caplog.set_level(logging.INFO, logger="bot.feedback")
    store = FeedbackStore.open(postgres_database)
    before = store.record_question("telegram", ALICE, declined("What is Cameo?"))
    await store.flush()
    with psycopg.connect(postgres_database, autocommit=True) as admin:  # a restart, a failover
        dropped = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
    assert dropped == [(True,)]  # the store's one connection

    after = store.record_question("telegram", ALICE, declined("What is Sora 2?"))
    store.record_vote("telegram", ALICE, after, Vote.down)
    await store.flush()
    store.close()

    with psycopg.connect(postgres_database) as connection:
        assert sorted(connection.execute("SELECT id FROM questions").fetchall()) == sorted([(before,), (after,)])
        assert connection.execute("SELECT answer_id, vote FROM votes").fetchall() == [(after, -1)]
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def test_a_server_out_of_reach_costs_no_answer_and_is_said_once_without_the_password(caplog):
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    store = FeedbackStore.open(UNREACHABLE)
    answer_id = store.record_question("telegram", ALICE, declined("What is Cameo?"))
    store.record_vote("telegram", ALICE, answer_id, Vote.down)
    await store.flush()
    store.close()

    assert answer_id  # the answer still has its buttons
    assert time.monotonic() - started < 30  # a refused connection is not waited for (a safety net only)
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"feedback not recorded in {SHOWN_UNREACHABLE}: ")
    assert "/.s.PGSQL.5432\" failed: No such file or directory (answers go on; " in warnings[0]
    assert "\n" not in warnings[0]
    assert not [record for record in caplog.records if SECRET in record.getMessage()]


def test_the_report_on_a_server_out_of_reach_says_so_in_one_line_without_the_password(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FEEDBACK")}
    environment.update(FEEDBACK_DATABASE_URL=UNREACHABLE, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "bot", "feedback"], capture_output=True, text=True,
                            encoding="utf-8", env=environment, timeout=120, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot read the feedback database {SHOWN_UNREACHABLE}: ")
    assert result.stderr.endswith("/.s.PGSQL.5432\" failed: No such file or directory\n")
    assert len(result.stderr.strip().splitlines()) == 1
    assert SECRET not in result.stderr + result.stdout


@pytest.mark.parametrize(("shared", "psycopg_form"), [
    ("SELECT * FROM votes WHERE answer_id = ? AND vote = ?", "SELECT * FROM votes WHERE answer_id = %s AND vote = %s"),
    ("SELECT 'what? 100%' WHERE 1 = ?", "SELECT 'what? 100%%' WHERE 1 = %s"),
])
def test_the_shared_sql_placeholders_become_psycopgs_outside_quoted_text(shared, psycopg_form):
    assert psycopg_placeholders(shared) == psycopg_form
