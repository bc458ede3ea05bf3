"""The throwaway PostgreSQL server the tests use (tests/postgres_server.py): a fresh database per
test, several clusters side by side, and nothing left running or on disk afterwards, even when
the process that started one is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from tests.conftest import REPO
from tests.postgres_server import start_postgres_server

DEADLINE_SECONDS = 60


def _postmaster_pid(directory: Path) -> int:
    return int((directory / "data" / "postmaster.pid").read_text().split()[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A stopped child of ours lingers as a zombie until reaped; a postmaster is pg_ctl's child.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(")")[-1].split()[0] != "Z"


def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_each_test_gets_an_empty_database_of_its_own(postgres_database):
    with psycopg.connect(postgres_database) as connection:
        tables = connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        connection.execute("CREATE TABLE answers (id text PRIMARY KEY)")
        connection.execute("INSERT INTO answers VALUES ('a1')")
        assert connection.execute("SELECT id FROM answers").fetchall() == [("a1",)]
    assert tables == 0


def test_a_second_server_runs_beside_the_first_and_is_gone_once_stopped(postgres_url):
    second = start_postgres_server()
    try:
        pid = _postmaster_pid(second.directory)
        with psycopg.connect(second.url()) as connection, psycopg.connect(postgres_url) as first:
            socket = connection.execute("SHOW unix_socket_directories").fetchone()[0]
            assert socket != first.execute("SHOW unix_socket_directories").fetchone()[0]
            assert connection.execute("SHOW listen_addresses").fetchone()[0] == ""
    finally:
        second.stop()
    assert not second.directory.exists()
    _wait_until(lambda: not _alive(pid), "the stopped server's postmaster still runs")


def test_a_server_is_stopped_and_removed_when_the_process_that_started_it_is_killed(postgres_server):
    starter = subprocess.Popen(
        [sys.executable, "-c",
         "import json, sys, time\n"
         "from tests.postgres_server import start_postgres_server\n"
         "server = start_postgres_server()\n"
         "print(json.dumps(str(server.directory)), flush=True)\n"
         "time.sleep(600)\n"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        directory = Path(json.loads(starter.stdout.readline()))
        pid = _postmaster_pid(directory)
        assert _alive(pid)
    finally:
        starter.send_signal(signal.SIGKILL)
        starter.wait()
        starter.stdout.close()
    _wait_until(lambda: not directory.exists(), "the killed starter's cluster directory is still there")
    _wait_until(lambda: not _alive(pid), "the killed starter's postmaster still runs")
