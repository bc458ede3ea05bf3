"""Recording asked questions and 👍/👎 votes without ever holding up or failing an answer.

The adapters call `record_question` and `record_vote` from the event loop: each returns at
once (a few microseconds: an id is drawn and the write queued), and one writer thread per
process does the database work (SQLite or PostgreSQL: see database.py). A write that fails
(database locked, read-only, disk full, server away) logs one line when failures begin and one
when writes succeed again; the caller never sees it.

How a bot uses it:

    from bot.feedback.store import open_feedback           # at start-up, once
    feedback = open_feedback(settings)   # NoFeedback when FEEDBACK=off; FeedbackSchemaError: stop
    answer_id = feedback.record_question("telegram", user_id, answer)   # first reply only
    # answer_id None: show no 👍/👎; else the buttons carry bot.feedback.vote_data.vote_data(answer_id, vote)
    feedback.record_vote("telegram", user_id, answer_id, vote)          # on a press
    feedback.close()                                       # at shutdown (blocking)
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.feedback.database import (BUSY_TIMEOUT_MS, FeedbackConnection, FeedbackDatabase, configured_location,
                                   default_database_path, feedback_database)
from bot.feedback.pseudonyms import pseudonym, stored_salt
from bot.feedback.schema import FeedbackSchemaError, migrate
from bot.feedback.vote_data import Vote, new_answer_id
from retrieval.answer import Answer

if TYPE_CHECKING:
    from bot.runtime.settings import Settings

log = logging.getLogger("bot.feedback")

# Old rows are pruned when the store opens and then on a write at most this often.
PRUNE_EVERY_SECONDS = 3600
# After the database could not be opened, a write tries again at most this often.
REOPEN_AFTER_SECONDS = 60
# Writes queued beyond this (the database stuck for a long while) are dropped, not kept in memory.
MAX_PENDING_WRITES = 10_000
DAY_SECONDS = 86_400


__all__ = ["FeedbackRecorder", "FeedbackStore", "NoFeedback", "default_database_path", "open_feedback", "outcome_of"]


def outcome_of(answer: Answer) -> str:
    """How the question went: answered, uncertain (answered with the closest quotes, the engine
    not sure they answer it), declined or small_talk."""
    if answer.small_talk:
        return "small_talk"
    if not answer.answered:
        return "declined"
    return "uncertain" if answer.uncertain else "answered"


class FeedbackRecorder(Protocol):
    """What an adapter uses: `FeedbackStore`, or `NoFeedback` when FEEDBACK=off."""

    def record_question(self, platform: str, user_id: int | str, answer: Answer) -> str | None: ...
    def record_vote(self, platform: str, user_id: int | str, answer_id: str, vote: Vote) -> None: ...
    async def flush(self) -> None: ...
    def close(self) -> None: ...


class NoFeedback:
    """FEEDBACK=off: nothing is recorded and no answer gets an id (so no vote buttons)."""

    def record_question(self, platform: str, user_id: int | str, answer: Answer) -> str | None:
        return None

    def record_vote(self, platform: str, user_id: int | str, answer_id: str, vote: Vote) -> None:
        return None

    async def flush(self) -> None:
        return None

    def close(self) -> None:
        return None


class FeedbackStore:
    """The feedback database of one process; open it with `FeedbackStore.open`."""

    def __init__(self, database: FeedbackDatabase, salt: str | None, retention_days: int,
                 clock: Callable[[], float]) -> None:
        self.database = database
        self.retention_days = retention_days
        self._configured_salt = salt
        self._salt: str | None = salt
        self._clock = clock
        self._opened = False
        self._opened_at = float("-inf")
        self._pruned_at = float("-inf")
        self._failures = 0
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._closed = False
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="feedback")

    @classmethod
    def open(cls, location: str | Path, salt: str | None = None, retention_days: int = 90,
             busy_timeout_ms: int = BUSY_TIMEOUT_MS, clock: Callable[[], float] = time.time) -> "FeedbackStore":
        """The store at `location` (an SQLite file's path, or a postgresql:// URL), created or
        migrated now and pruned of rows older than `retention_days`. `salt` keys the user-id
        hashes (None: the one kept in the database). Raises FeedbackSchemaError for a database
        newer than this code; any other failure to open is logged and the store tries again
        later, dropping writes meanwhile."""
        store = cls(feedback_database(location, busy_timeout_ms), salt, retention_days, clock)
        try:
            store._open()
        except FeedbackSchemaError:
            store._writer.shutdown()
            raise
        except store.database.errors as error:
            store._failed(error)
        return store

    def record_question(self, platform: str, user_id: int | str, answer: Answer) -> str | None:
        """Queue the question and its outcome; return the answer id its vote buttons carry
        (None once the store is closed, and for an empty question: a bare "@bot" asks nothing
        and would only clutter the unanswered questions). Call it for a question's first reply
        only, not for the pages of "More", which keep the first reply's id."""
        if self._closed or not answer.question.strip():
            return None
        try:
            answer_id = new_answer_id()
            first = answer.hits[0] if answer.hits else None
            row = (
                answer_id, int(self._clock()), platform, answer.lang, answer.question, outcome_of(answer),
                answer.decline_reason, first and first.article.id, first and first.article.display_title,
                first and first.excerpt,
            )
        except Exception:  # a caller's mistake still costs no answer: logged, no buttons
            log.exception("feedback: question not recorded")
            return None

        def write(connection: FeedbackConnection) -> None:
            connection.execute(
                "INSERT INTO questions (id, asked_at, platform, lang, question, outcome, decline_reason,"
                " article_id, article_title, excerpt, asker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, pseudonym(self._salt, platform, user_id)),
            )

        self._queue(write)
        return answer_id

    def record_vote(self, platform: str, user_id: int | str, answer_id: str, vote: Vote) -> None:
        """Queue a person's vote on an answer; it replaces their earlier vote on that answer."""
        if self._closed:
            return
        voted_at = int(self._clock())

        def write(connection: FeedbackConnection) -> None:
            connection.execute(
                "INSERT INTO votes (answer_id, voter, vote, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (answer_id, voter) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
                (answer_id, pseudonym(self._salt, platform, user_id), int(vote), voted_at),
            )

        self._queue(write)

    async def flush(self) -> None:
        """Return once every write queued so far is done (or has failed and been logged)."""
        try:
            done = self._writer.submit(lambda: None)
        except RuntimeError:  # closed: nothing is pending
            return
        await asyncio.wrap_future(done)

    def close(self) -> None:
        """Finish the queued writes and close the database; later records are ignored. While
        writes are failing, the ones still queued are dropped rather than each waiting for a
        lock, so a bot stops promptly. Blocking: from an event loop, run it in a thread."""
        if self._closed:
            return
        self._closed = True
        self._writer.submit(self._close_connection)
        self._writer.shutdown(wait=True)

    # Everything below runs on the writer thread (or in `open`, before it has work).

    def _open(self) -> None:
        self._opened_at = time.monotonic()
        try:
            self.database.open()
            with self.database.connection() as connection:
                migrate(connection, self.database)
                if self._configured_salt is None:
                    self._salt = stored_salt(connection)
                self._opened = True
                self._prune(connection)
        except BaseException:
            if not self._opened:
                self.database.close()
            raise

    def _queue(self, write: Callable[[FeedbackConnection], None]) -> None:
        with self._pending_lock:
            if self._pending >= MAX_PENDING_WRITES:
                full = True
            else:
                full = False
                self._pending += 1
        try:
            if full:
                self._writer.submit(self._failed, RuntimeError(f"over {MAX_PENDING_WRITES} writes waiting"))
            else:
                self._writer.submit(self._run, write)
        except RuntimeError:  # closed meanwhile by another thread
            if not full:
                with self._pending_lock:
                    self._pending -= 1

    def _run(self, write: Callable[[FeedbackConnection], None]) -> None:
        try:
            if not self._ready() or (self._closed and self._failures):
                self._failed(None)
                return
            with self.database.connection() as connection:
                write(connection)
                self._succeeded()
                if time.monotonic() - self._pruned_at >= PRUNE_EVERY_SECONDS:
                    self._prune(connection)
        except (*self.database.errors, FeedbackSchemaError) as error:
            self._failed(error)
        except Exception:  # a bug here must not pass silently, nor reach an answer
            log.exception("feedback not recorded in %s", self.database.name)
        finally:
            with self._pending_lock:
                self._pending -= 1

    def _ready(self) -> bool:
        """Whether the database is open; when opening failed, it is tried again once
        REOPEN_AFTER_SECONDS have passed (False before that)."""
        if not self._opened and time.monotonic() - self._opened_at >= REOPEN_AFTER_SECONDS:
            self._open()
        return self._opened

    def _prune(self, connection: FeedbackConnection) -> None:
        """Delete questions and votes older than the retention period (votes with their answer)."""
        self._pruned_at = time.monotonic()
        cutoff = int(self._clock()) - self.retention_days * DAY_SECONDS
        try:
            with connection.transaction():
                connection.execute(
                    "DELETE FROM votes WHERE voted_at < ? OR answer_id IN (SELECT id FROM questions WHERE asked_at < ?)",
                    (cutoff, cutoff),
                )
                removed = connection.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount
        except self.database.errors as error:
            log.warning("feedback: old rows not pruned from %s: %s", self.database.name, error)
            return
        if removed:
            log.info("feedback: %d questions older than %d days pruned", removed, self.retention_days)

    def _failed(self, error: BaseException | None) -> None:
        self._failures += 1
        if self._failures == 1:
            said = str(error).strip() if error is not None else ""
            # One line: libpq's reasons go on with a hint on a line of their own.
            reason = said.splitlines()[0] if said else type(error).__name__ if error else "the database could not be opened"
            log.warning("feedback not recorded in %s: %s (answers go on; said again when writes work)",
                        self.database.name, reason)

    def _succeeded(self) -> None:
        if self._failures:
            log.info("feedback recorded in %s again, after %d writes were lost", self.database.name, self._failures)
            self._failures = 0

    def _close_connection(self) -> None:
        self._opened = False
        self.database.close()


def open_feedback(settings: "Settings") -> FeedbackRecorder:
    """The recorder the settings ask for: NoFeedback when FEEDBACK=off, else the store at
    FEEDBACK_DATABASE_URL or FEEDBACK_DB_PATH (FeedbackSchemaError, to stop start-up, when that
    database is too new)."""
    if not settings.feedback:
        return NoFeedback()
    salt = settings.feedback_salt.get_secret_value() if settings.feedback_salt is not None else None
    return FeedbackStore.open(configured_location(settings), salt, settings.feedback_retention_days)
