"""Feedback from real processes: bots writing to one database at once (two sharing an SQLite
file, four sharing a PostgreSQL database), and a bot whose database it may not write (a volume
with the wrong owner, a PostgreSQL user without the right)."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from bot.feedback.schema import SCHEMA_VERSION
from bot.feedback.store import FeedbackStore

REPO = Path(__file__).resolve().parent.parent
# A safety net only: the tests wait for the processes' own signals, never for a duration.
DEADLINE_SECONDS = 180
QUESTIONS_EACH = 300

# A bot's recording loop: wait for the go signal, open the store (all migrate at once on a new
# database), record questions and a vote on each, which it then changes, close (which finishes
# the queued writes).
WRITER = """
import sys, time
from pathlib import Path
from bot.feedback.store import FeedbackStore
from bot.feedback.vote_data import Vote
from retrieval.answer import Answer

database, name, ready, go = sys.argv[1:5]
count = int(sys.argv[5])
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.001)
store = FeedbackStore.open(database)
for number in range(count):
    answer = Answer(f"{name} asks question {number}", False, "en", decline_reason="only numbers")
    answer_id = store.record_question(name, number, answer)
    store.record_vote(name, number, answer_id, Vote.up)
    store.record_vote(name, number, answer_id, Vote.down)
store.close()
"""
# How many bots write at once: two share an SQLite file (docker compose's two services); more
# processes, on more machines, share a PostgreSQL database.
WRITERS = {"sqlite": 2, "postgresql": 4}

# A bot starting with FEEDBACK_DB_PATH on a file it may not write (or FEEDBACK_DATABASE_URL on a
# database): it records, then says what it got.
READ_ONLY_BOT = """
import logging
from bot.feedback.store import open_feedback
from bot.feedback.vote_data import Vote
from bot.runtime.settings import load_settings
from retrieval.answer import Answer

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
store = open_feedback(load_settings())
answer_id = store.record_question("telegram", 42, Answer("What is Cameo?", False, "en", decline_reason="only numbers"))
store.record_vote("telegram", 42, answer_id, Vote.down)
store.close()
print(f"answered, and the answer's id is {answer_id}")
"""


def _wait_for(paths: list[Path], processes: list[subprocess.Popen]) -> None:
    """Until every path exists; fails at once if a process dies first."""
    started = time.monotonic()
    while not all(path.exists() for path in paths):
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"a writer exited early: {process.stderr.read()}")
        if time.monotonic() - started > DEADLINE_SECONDS:
            pytest.fail("the writers did not start")
        time.sleep(0.01)


def test_bots_writing_at_once_lose_and_double_nothing(feedback_backend, tmp_path):
    database = feedback_backend
    go = tmp_path / "go"
    names = [f"bot-{number}" for number in range(WRITERS[database.kind])]
    processes = []
    try:
        for name in names:
            processes.append(subprocess.Popen(
                [sys.executable, "-c", WRITER, str(database.location), name, str(tmp_path / f"{name}.ready"), str(go),
                 str(QUESTIONS_EACH)],
                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            ))
        _wait_for([tmp_path / f"{name}.ready" for name in names], processes)
        go.touch()
        for process in processes:
            _, errors = process.communicate(timeout=DEADLINE_SECONDS)
            assert process.returncode == 0, errors
            assert "not recorded" not in errors, errors
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()

    asked = database.rows("SELECT question FROM questions")
    assert sorted(asked) == sorted((f"{name} asks question {number}",) for name in names for number in range(QUESTIONS_EACH))
    votes = database.rows("SELECT vote, COUNT(*) FROM votes GROUP BY vote")
    assert votes == [(-1, len(names) * QUESTIONS_EACH)]  # one each, the changed one
    unvoted = database.rows("SELECT COUNT(*) FROM questions WHERE id NOT IN (SELECT answer_id FROM votes)")
    assert unvoted == [(0,)]
    # Migrated once, though all opened the new database at once; and one salt for all.
    assert database.rows("SELECT version FROM schema_version ORDER BY 1") == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
    assert len(database.rows("SELECT value FROM meta WHERE key = 'salt'")) == 1


# Capabilities that let root write files whatever their mode (see capabilities(7)).
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SETPCAP = 1, 2, 8
PR_CAPBSET_DROP = 24


def _bound_by_file_modes():
    """For the child, when the tests run as root: drop the capabilities that let root ignore a
    file's mode, so a read-only file is read-only to it as to any other user."""
    if os.geteuid() != 0:
        return None
    status = Path("/proc/self/status").read_text()
    effective = int(next(line.split()[1] for line in status.splitlines() if line.startswith("CapEff")), 16)
    if not effective & (1 << CAP_SETPCAP):
        pytest.skip("running as root without CAP_SETPCAP: a read-only file cannot be made read-only to root")
    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


def test_a_database_the_bot_may_not_write_costs_no_answer(tmp_path):
    database = tmp_path / "data" / "feedback.sqlite3"
    FeedbackStore.open(database).close()
    database.chmod(0o444)
    database.parent.chmod(0o555)
    env = {key: value for key, value in os.environ.items() if not key.startswith("FEEDBACK")}
    env.update(FEEDBACK_DB_PATH=str(database), PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    try:
        result = subprocess.run(
            [sys.executable, "-c", READ_ONLY_BOT], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=DEADLINE_SECONDS, preexec_fn=_bound_by_file_modes(),
        )
    finally:
        database.parent.chmod(0o755)  # so that pytest can clean up

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("answered, and the answer's id is ")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith(f"WARNING feedback not recorded in {database}: ")
    assert "answers go on" in warnings[0]
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        assert connection.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 0


def test_a_postgresql_user_who_may_only_read_costs_no_answer(postgres_database, tmp_path):
    FeedbackStore.open(postgres_database).close()
    reader = f"reader_{uuid.uuid4().hex[:12]}"  # roles belong to the whole server: a name of its own
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {reader} LOGIN")
        admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}")
    as_reader = postgres_database.replace("user=postgres", f"user={reader}")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FEEDBACK")}
    env.update(FEEDBACK_DATABASE_URL=as_reader, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    try:
        result = subprocess.run([sys.executable, "-c", READ_ONLY_BOT], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=DEADLINE_SECONDS)
    finally:
        with psycopg.connect(postgres_database, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {reader}")
            admin.execute(f"DROP ROLE {reader}")

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("answered, and the answer's id is ")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert warnings == [f"WARNING feedback not recorded in {as_reader}: permission denied for table meta "
                        "(answers go on; said again when writes work)"], result.stderr
    with psycopg.connect(postgres_database) as connection:
        assert connection.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 0
