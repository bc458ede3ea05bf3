"""The question behind each of the bot's recent answers, so that a reply to an answer can be
asked as a follow-up of it ("and in China?"), also after a restart: Telegram shows the bot the
answer replied to, but not the question that answer replied to.

Kept in the bot's working-state file (beside the question journal), bounded: the question's text
as searched, with the chat and message id of the answer.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# About a day of a busy bot's answers; older answers are answered as if asked alone.
REMEMBERED_ANSWERS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answered (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    question TEXT NOT NULL,
    follow_up INTEGER NOT NULL DEFAULT 0,   -- searched with the question before it
    UNIQUE (chat_id, message_id)
);
"""


class EarlierQuestions:
    """(chat id, answer's message id) -> the question it answers, in one SQLite file at `path`."""

    def __init__(self, path: Path, capacity: int = REMEMBERED_ANSWERS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.capacity = capacity
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def remember(self, chat_id: int, message_id: int, question: str, follow_up: bool = False) -> None:
        """The bot's message `message_id` in `chat_id` answers `question` (as searched; with
        `follow_up`, formed with the question before it)."""
        self._db.execute("BEGIN")
        self._db.execute(
            "INSERT OR REPLACE INTO answered (chat_id, message_id, question, follow_up) VALUES (?, ?, ?, ?)",
            (chat_id, message_id, question, int(follow_up)),
        )
        self._db.execute(
            "DELETE FROM answered WHERE seq <= (SELECT seq FROM answered ORDER BY seq DESC LIMIT 1 OFFSET ?)",
            (self.capacity,),
        )
        self._db.execute("COMMIT")

    def question_of(self, chat_id: int, message_id: int, *, follow_ups_only: bool = False) -> str | None:
        """The question the bot's message answers, if it is one of the answers remembered (with
        `follow_ups_only`, only if it answers a follow-up)."""
        row = self._db.execute(
            "SELECT question, follow_up FROM answered WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        ).fetchone()
        if row is None or (follow_ups_only and not row[1]):
            return None
        return row[0]

    def close(self) -> None:
        self._db.close()
