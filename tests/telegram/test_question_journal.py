"""The journal of updates handed over by Telegram: each claimed once by whichever worker takes it
first, and the questions among them kept until answered, leased to the worker that has them;
in one SQLite file, and in a PostgreSQL database several workers share."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from bot.telegram_bot.question_journal import QuestionJournal, carries_question
from bot.telegram_bot.state_database import PostgresState, SQLiteState

# A lease short enough to run out within a test; tests wait for it, with a generous deadline.
SHORT_LEASE = 0.3
DEADLINE_SECONDS = 30.0


@pytest.fixture(params=["sqlite", "postgresql"])
def open_state(request, tmp_path):
    """Opens the working-state database anew (another connection, as another process would):
    one SQLite file, or one fresh PostgreSQL database."""
    opened = []
    if request.param == "sqlite":
        def connect():
            opened.append(SQLiteState(tmp_path / "data" / "telegram-state.sqlite3"))
            return opened[-1]
    else:
        url = request.getfixturevalue("postgres_database")

        def connect():
            opened.append(PostgresState(url))
            return opened[-1]
    yield connect
    for database in opened:
        database.close()


def question(update_id: int, text: str = "cameo?") -> dict:
    return {"update_id": update_id, "message": {"message_id": update_id, "text": text}}


def eventually(condition, deadline: float = DEADLINE_SECONDS):
    """The first true value of `condition()`, polled until the deadline."""
    ends = time.monotonic() + deadline
    while True:
        value = condition()
        if value or time.monotonic() > ends:
            return value
        time.sleep(0.05)


def test_a_question_waits_until_it_is_handled_and_survives_reopening(open_state):
    journal = QuestionJournal(open_state(), "worker-a")
    assert journal.claim(7, question(7, "cameo?"))
    assert journal.claim(8, question(8, "downloads?"))
    journal.done(7)

    reopened = QuestionJournal(open_state(), "worker-a")
    assert reopened.waiting() == [question(8, "downloads?")]


def test_an_update_delivered_twice_is_taken_once_whichever_worker_gets_it(open_state):
    a, b = QuestionJournal(open_state(), "worker-a"), QuestionJournal(open_state(), "worker-b")
    assert a.claim(7, question(7))

    assert not b.claim(7, question(7))  # still in hand, on the other worker
    a.done(7)
    assert not a.claim(7, question(7))  # answered already
    assert not b.claim(7, question(7))
    assert a.waiting() == []


def test_button_presses_are_claimed_once_but_not_kept_for_later(open_state):
    journal = QuestionJournal(open_state(), "worker-a")
    press = {"update_id": 9, "callback_query": {"id": "1", "data": "more:3:abc"}}

    assert journal.claim(9, press)
    assert not journal.claim(9, press)
    assert journal.waiting() == []


def test_of_two_workers_claiming_the_same_updates_at_once_each_update_goes_to_one(open_state):
    journals = [QuestionJournal(open_state(), f"worker-{n}") for n in range(2)]
    won: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def claim_all(n: int) -> None:
        start.wait()
        for update_id in range(1, 201):
            if journals[n].claim(update_id, question(update_id)):
                won[n].append(update_id)

    threads = [threading.Thread(target=claim_all, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(won[0] + won[1]) == list(range(1, 201))


def test_a_killed_workers_questions_are_taken_over_once_its_lease_runs_out(open_state):
    killed = QuestionJournal(open_state(), "worker-a", lease_seconds=SHORT_LEASE)
    survivor = QuestionJournal(open_state(), "worker-b", lease_seconds=30)
    killed.claim(7, question(7))
    killed.claim(8, question(8))
    killed.done(8)

    taken = eventually(survivor.take_over)

    assert taken == [question(7)]
    assert survivor.take_over() == []  # leased to the survivor now
    assert QuestionJournal(open_state(), "worker-c").take_over() == []


def test_a_worker_that_keeps_renewing_its_leases_keeps_its_questions(open_state):
    busy = QuestionJournal(open_state(), "worker-a", lease_seconds=2.0)
    other = QuestionJournal(open_state(), "worker-b")
    busy.claim(7, question(7))

    ends = time.monotonic() + 3 * busy.lease_seconds
    while time.monotonic() < ends:
        assert busy.renew() == 1
        assert other.take_over() == []
        time.sleep(busy.lease_seconds / 4)


def test_a_worker_never_takes_over_its_own_questions_while_it_runs(open_state):
    journal = QuestionJournal(open_state(), "worker-a", lease_seconds=SHORT_LEASE)
    journal.claim(7, question(7))
    time.sleep(2 * SHORT_LEASE)

    assert journal.take_over() == []  # still being answered here, however slowly


def test_a_worker_started_again_takes_up_at_once_what_it_left(open_state):
    QuestionJournal(open_state(), "host:8443").claim(7, question(7))

    started_again = QuestionJournal(open_state(), "host:8443")
    assert started_again.take_over(own_too=True) == [question(7)]
    assert QuestionJournal(open_state(), "host:8444").take_over() == []  # its lease is fresh again


def test_a_worker_that_stops_lets_its_questions_go_to_the_others_at_once(open_state):
    stopping = QuestionJournal(open_state(), "worker-a")
    stopping.claim(7, question(7))
    stopping.release()

    assert QuestionJournal(open_state(), "worker-b").take_over() == [question(7)]


def test_only_the_latest_handled_ids_are_kept(open_state):
    journal = QuestionJournal(open_state(), "worker-a")
    for update_id in range(1, 11):
        journal.claim(update_id, question(update_id))
        journal.done(update_id)
    journal.claim(11, question(11))  # waiting: never forgotten

    journal.forget_old(kept=3)

    assert journal.claim(7, question(7))  # forgotten: it would be taken again
    assert not journal.claim(8, question(8))
    assert journal.waiting() == [question(7), question(11)]


def test_a_file_of_the_previous_version_keeps_its_waiting_questions(tmp_path):
    path = tmp_path / "telegram-state.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript("""
            CREATE TABLE waiting (update_id INTEGER PRIMARY KEY, body TEXT NOT NULL);
            CREATE TABLE handled (update_id INTEGER PRIMARY KEY);
            INSERT INTO waiting VALUES (8, '{"update_id": 8, "message": {"text": "downloads?"}}');
            INSERT INTO handled VALUES (7);
        """)
    old.close()

    journal = QuestionJournal(SQLiteState(path), "worker-a")

    assert journal.take_over(own_too=True) == [{"update_id": 8, "message": {"text": "downloads?"}}]
    assert not journal.claim(7, question(7))  # handled before the upgrade
    journal.database.close()


def test_only_messages_and_edits_are_kept():
    assert carries_question({"update_id": 1, "message": {}})
    assert carries_question({"update_id": 2, "edited_message": {}})
    assert not carries_question({"update_id": 3, "callback_query": {}})
    assert not carries_question({"update_id": 4, "inline_query": {}})
