"""The feedback store on a real SQLite file and on a real PostgreSQL database (each test runs on
both: see tests/feedback_backends.py): what lands in it, what never does, and that no failure of
the database reaches the bot answering a question."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

import pytest

from bot.feedback.pseudonyms import pseudonym
from bot.feedback.schema import SCHEMA_VERSION, FeedbackSchemaError, _statements
from bot.feedback.store import FeedbackStore, NoFeedback, open_feedback
from bot.feedback.vote_data import MAX_VOTE_DATA_BYTES, Vote, parse_vote_data, vote_data
from bot.runtime.settings import load_settings
from tests.crafted_answers import located_hit, not_sure

DAY = 86_400
ALICE, BOB = 111_222_333, 444_555_666


class Clock:
    """A wall clock the test sets; the store stamps rows with it."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(feedback_backend):
    """The database of the test: an SQLite file, or a PostgreSQL database."""
    return feedback_backend


async def test_a_declined_question_is_recorded_with_why(engine, db):
    store = FeedbackStore.open(db.location)
    answer = engine.answer("How do I bake sourdough bread?")
    answer_id = store.record_question("telegram", ALICE, answer)
    await store.flush()

    assert not answer.answered
    recorded = db.rows("SELECT id, platform, lang, question, outcome, decline_reason, article_id FROM questions")
    assert recorded == [(answer_id, "telegram", "en", "How do I bake sourdough bread?", "declined",
                         answer.decline_reason, None)]
    assert answer.decline_reason == "no passage holds the question's words"
    store.close()


async def test_an_answered_question_keeps_the_quote_it_was_given(engine, db):
    store = FeedbackStore.open(db.location)
    answer = engine.answer("How quickly did the Sora app pass a million downloads?")
    store.record_question("discord", BOB, answer)
    await store.flush()

    [(outcome, article_id, title, excerpt)] = db.rows("SELECT outcome, article_id, article_title, excerpt"
                                                       " FROM questions")
    assert (outcome, article_id, excerpt) == ("answered", answer.hits[0].article.id, answer.hits[0].excerpt)
    assert title == answer.hits[0].article.display_title
    store.close()


async def test_small_talk_is_counted_apart(engine, db):
    store = FeedbackStore.open(db.location)
    store.record_question("telegram", ALICE, engine.answer("hi!"))
    await store.flush()
    assert db.rows("SELECT outcome, decline_reason FROM questions") == [("small_talk", None)]
    store.close()


async def test_a_person_changes_their_vote_and_the_latest_counts(engine, db):
    store = FeedbackStore.open(db.location)
    answer_id = store.record_question("telegram", ALICE, engine.answer("What is Cameo?"))
    store.record_vote("telegram", BOB, answer_id, Vote.up)
    store.record_vote("telegram", ALICE, answer_id, Vote.up)
    store.record_vote("telegram", BOB, answer_id, Vote.down)  # Bob thinks again
    await store.flush()

    votes = db.rows("SELECT vote, COUNT(*) FROM votes WHERE answer_id = ? GROUP BY vote ORDER BY vote", answer_id)
    assert votes == [(-1, 1), (1, 1)]
    store.close()


async def test_user_ids_are_kept_only_as_salted_hashes(engine, db):
    store = FeedbackStore.open(db.location)
    answer_id = store.record_question("telegram", ALICE, engine.answer("What is Cameo?"))
    store.record_vote("discord", BOB, answer_id, Vote.down)
    await store.flush()
    store.close()

    stored = db.everything_kept()
    assert str(ALICE).encode() not in stored and str(BOB).encode() not in stored
    [(salt,)] = db.rows("SELECT value FROM meta WHERE key = 'salt'")
    assert db.rows("SELECT asker FROM questions") == [(pseudonym(salt, "telegram", ALICE),)]
    assert db.rows("SELECT voter FROM votes") == [(pseudonym(salt, "discord", BOB),)]
    assert pseudonym(salt, "telegram", ALICE) != pseudonym(salt, "discord", ALICE)  # one number, two people


async def test_the_generated_salt_is_kept_so_a_restarted_bot_knows_a_voter_again(engine, db):
    first = FeedbackStore.open(db.location)
    answer_id = first.record_question("telegram", ALICE, engine.answer("What is Cameo?"))
    first.record_vote("telegram", BOB, answer_id, Vote.up)
    first.close()

    restarted = FeedbackStore.open(db.location)
    restarted.record_vote("telegram", BOB, answer_id, Vote.down)
    await restarted.flush()
    assert db.rows("SELECT vote FROM votes") == [(-1,)]  # replaced, not a second vote
    restarted.close()


async def test_a_salt_from_the_settings_is_used_and_not_stored(engine, db, monkeypatch):
    for name, value in db.setting.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FEEDBACK_SALT", "a-salt-the-operator-keeps-elsewhere")
    store = open_feedback(load_settings())
    store.record_question("telegram", ALICE, engine.answer("What is Cameo?"))
    await store.flush()
    store.close()

    expected = pseudonym("a-salt-the-operator-keeps-elsewhere", "telegram", ALICE)
    assert db.rows("SELECT asker FROM questions") == [(expected,)]
    assert db.rows("SELECT COUNT(*) FROM meta") == [(0,)]


async def test_feedback_off_records_nothing_and_offers_no_buttons(engine, db, monkeypatch):
    monkeypatch.setenv("FEEDBACK", "off")
    for name, value in db.setting.items():
        monkeypatch.setenv(name, value)
    store = open_feedback(load_settings())
    answer_id = store.record_question("telegram", ALICE, engine.answer("What is Cameo?"))
    store.record_vote("telegram", ALICE, "Xc3_9aQ-0Lk", Vote.down)
    await store.flush()
    store.close()

    assert isinstance(store, NoFeedback)
    assert answer_id is None  # no id: the adapter shows no 👍/👎
    assert not db.created_anything()


async def test_questions_and_votes_older_than_the_retention_are_pruned_at_start(engine, db):
    clock = Clock()
    store = FeedbackStore.open(db.location, retention_days=90, clock=clock)
    clock.now -= 100 * DAY
    old = store.record_question("telegram", ALICE, engine.answer("What is Cameo?"))
    store.record_vote("telegram", BOB, old, Vote.down)
    clock.now += 95 * DAY
    recent = store.record_question("telegram", ALICE, engine.answer("What is Sora 2?"))
    store.record_vote("telegram", BOB, recent, Vote.up)
    store.close()
    assert len(db.rows("SELECT id FROM questions")) == 2

    clock.now += 5 * DAY  # 100 days after the first question
    FeedbackStore.open(db.location, retention_days=90, clock=clock).close()
    assert db.rows("SELECT id FROM questions") == [(recent,)]
    assert db.rows("SELECT answer_id FROM votes") == [(recent,)]


async def test_a_bot_that_keeps_running_prunes_as_it_writes(engine, db, monkeypatch):
    monkeypatch.setattr("bot.feedback.store.PRUNE_EVERY_SECONDS", 0)
    clock = Clock()
    store = FeedbackStore.open(db.location, retention_days=30, clock=clock)
    first = store.record_question("telegram", ALICE, engine.answer("What is Cameo?"))
    clock.now += 31 * DAY
    second = store.record_question("telegram", ALICE, engine.answer("What is Sora 2?"))
    await store.flush()
    assert db.rows("SELECT id FROM questions") == [(second,)]
    assert first != second
    store.close()


def test_a_database_from_newer_code_stops_start_up_naming_the_file_and_versions(db):
    FeedbackStore.open(db.location).close()
    db.execute("INSERT INTO schema_version VALUES (?, 0)", SCHEMA_VERSION + 1)

    with pytest.raises(FeedbackSchemaError) as raised:
        FeedbackStore.open(db.location)
    message = str(raised.value)
    assert db.name in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message and f"up to {SCHEMA_VERSION}" in message
    assert "FEEDBACK=off" in message


def test_the_schema_is_created_once_and_reopened_as_is(db):
    FeedbackStore.open(db.location).close()
    FeedbackStore.open(db.location).close()
    assert db.rows("SELECT version FROM schema_version") == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


def test_an_sqlite_file_is_written_in_wal_mode_so_two_bots_share_it(tmp_path):
    db = tmp_path / "feedback.sqlite3"
    FeedbackStore.open(db).close()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchall() == [("wal",)]


async def test_a_write_waiting_for_another_process_lock_never_holds_up_the_answer(engine, db):
    store = FeedbackStore.open(db.location, busy_timeout_ms=120_000)
    with db.locked_by_another_writer():  # another bot in the middle of a write
        # Were recording to wait for the lock, this call would not return before the lock is
        # released below (after two minutes of waiting, the write lost).
        answer_id = store.record_question("telegram", ALICE, engine.answer("What is Cameo?"))
        assert answer_id
    await store.flush()
    assert db.rows("SELECT id FROM questions") == [(answer_id,)]
    store.close()


async def test_a_locked_database_loses_the_write_logs_one_line_and_recovers(engine, db, caplog):
    caplog.set_level(logging.INFO, logger="bot.feedback")
    store = FeedbackStore.open(db.location, busy_timeout_ms=50)
    with db.locked_by_another_writer():
        lost = store.record_question("telegram", ALICE, engine.answer("What is Cameo?"))
        store.record_vote("telegram", BOB, lost, Vote.down)
        await store.flush()  # returns: nothing raised anywhere
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"feedback not recorded in {db.name}: {db.lock_refusal}")

    kept = store.record_question("telegram", ALICE, engine.answer("What is Sora 2?"))
    await store.flush()
    assert db.rows("SELECT id FROM questions") == [(kept,)]
    assert any(f"recorded in {db.name} again, after 2 writes were lost" in record.getMessage() for record in caplog.records)
    store.close()


def test_vote_data_fits_telegrams_callback_data_and_reads_back():
    data = vote_data("Xc3_9aQ-0Lk", Vote.down)
    assert data == "vote:Xc3_9aQ-0Lk:down"
    assert len(data.encode()) <= MAX_VOTE_DATA_BYTES <= 64
    assert parse_vote_data(data) == ("Xc3_9aQ-0Lk", Vote.down)
    assert parse_vote_data("vote:Xc3_9aQ-0Lk:up") == ("Xc3_9aQ-0Lk", Vote.up)
    for foreign in ("more:3:abcdefabcdef", "vote:short:up", "vote:Xc3_9aQ-0Lk:sideways", "", None):
        assert parse_vote_data(foreign) is None
    with pytest.raises(ValueError):
        vote_data("not an id", Vote.up)


def test_a_bot_opening_the_file_while_the_other_bot_writes_it_waits_and_records(engine, tmp_path):
    # Two bots started at once on a new file: one is still setting it up when the other opens it.
    db = tmp_path / "data" / "feedback.sqlite3"
    db.parent.mkdir(parents=True)
    other_bot = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other_bot.execute("CREATE TABLE setting_up (a)")
    other_bot.execute("BEGIN IMMEDIATE")
    done = threading.Event()

    def finish_when_asked() -> None:
        done.wait(60)  # a safety net only
        other_bot.execute("COMMIT")

    finisher = threading.Thread(target=finish_when_asked)
    finisher.start()
    try:
        threading.Timer(0.2, done.set).start()  # the other bot's write takes a moment
        store = FeedbackStore.open(db, busy_timeout_ms=60_000)
        store.record_question("telegram", ALICE, engine.answer("How do I bake bread?"))
        store.close()
    finally:
        done.set()
        finisher.join()
        other_bot.close()

    with sqlite3.connect(db) as connection:
        assert ("questions",) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        assert connection.execute("SELECT question FROM questions").fetchall() == [("How do I bake bread?",)]


async def test_an_answer_the_engine_was_not_sure_of_is_recorded_as_uncertain_with_its_quote(db):
    store = FeedbackStore.open(db.location)
    store.record_question("telegram", ALICE, not_sure("How do threads share memory?", "en", located_hit()))
    await store.flush()
    store.close()

    assert db.rows("SELECT outcome, decline_reason, article_id, excerpt FROM questions") == [
        ("uncertain", None, located_hit().article.id, located_hit().excerpt)]


def test_a_database_of_the_first_schema_is_migrated_keeping_its_rows(db):
    if db.kind == "sqlite":
        db.location.parent.mkdir(parents=True)
    # As the first released bot left it.
    for statement in [db.schema_version_table, *_statements(db.migrations[1]), "INSERT INTO schema_version VALUES (1, 0)"]:
        db.execute(statement)
    db.execute("INSERT INTO questions VALUES ('a1', 5, 'telegram', 'en', ?, 'answered', NULL, '000', 'Title', 'Quote', 'hash')",
               "What is Sora?")
    db.execute("INSERT INTO votes VALUES ('a1', 'voter', -1, 6)")

    store = FeedbackStore.open(db.location, retention_days=100_000)
    store.record_question("discord", BOB, not_sure("Is a mutex fair?", "en", located_hit()))
    store.close()

    assert db.rows("SELECT version FROM schema_version") == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
    assert db.rows("SELECT id, question, outcome FROM questions WHERE id = 'a1'") == [("a1", "What is Sora?", "answered")]
    assert db.rows("SELECT outcome FROM questions WHERE id != 'a1'") == [("uncertain",)]
    assert db.rows("SELECT answer_id, vote FROM votes") == [("a1", -1)]
    assert db.indexes("questions") == ["questions_by_time"]
