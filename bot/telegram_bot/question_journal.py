"""Questions Telegram has handed over but the bot has not answered yet, kept on disk.

Long polling confirms updates to Telegram by batch, before they are answered, and answers may
wait minutes behind a group's flood limit: a crash (SIGKILL, power loss of the container)
would lose every confirmed, unanswered question. Each new message is written here as it is
queued, before the poller can confirm it, and struck off once handled; at the next start the
ones still here are handled again. A few thousand ids of handled updates are kept so that one
Telegram hands out again (it was not yet confirmed) is not answered twice.

The file holds the waiting updates whole (their text and sender), only until they are
answered; what stays longer is bare update ids.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "telegram-state.sqlite3"
# Handled update ids kept to recognise a repeat: more than Telegram ever hands out again.
HANDLED_KEPT = 5_000
# Kinds of update that carry a question (button presses and inline queries are not worth
# answering minutes late: their spinner has long gone).
JOURNALED_KINDS = ("message", "edited_message")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS waiting (update_id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS handled (update_id INTEGER PRIMARY KEY);
"""


class QuestionJournal:
    """The journal in one SQLite file at `path` (created with its folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit, WAL: each write is one small transaction that survives the process.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def add(self, update_id: int, body: dict[str, Any]) -> bool:
        """Keep the update (its Bot API JSON) until `done`; False when it is kept already or was
        handled (Telegram handing out again one it had not seen confirmed)."""
        known = self._db.execute(
            "SELECT 1 FROM handled WHERE update_id = ? UNION ALL SELECT 1 FROM waiting WHERE update_id = ?",
            (update_id, update_id),
        ).fetchone()
        if known:
            return False
        self._db.execute("INSERT INTO waiting VALUES (?, ?)", (update_id, json.dumps(body)))
        return True

    def done(self, update_id: int) -> None:
        """The update is handled: forget its content, remember its id for a while."""
        self._db.execute("BEGIN")
        self._db.execute("DELETE FROM waiting WHERE update_id = ?", (update_id,))
        self._db.execute("INSERT OR IGNORE INTO handled VALUES (?)", (update_id,))
        self._db.execute(
            "DELETE FROM handled WHERE update_id <= (SELECT update_id FROM handled ORDER BY update_id DESC LIMIT 1 OFFSET ?)",
            (HANDLED_KEPT,),
        )
        self._db.execute("COMMIT")

    def waiting(self) -> list[dict[str, Any]]:
        """The updates still waiting for an answer, oldest first (Bot API JSON)."""
        rows = self._db.execute("SELECT body FROM waiting ORDER BY update_id").fetchall()
        return [json.loads(body) for (body,) in rows]

    def close(self) -> None:
        self._db.close()


def carries_question(body: dict[str, Any]) -> bool:
    """Whether an update (Bot API JSON) is of a kind the journal keeps."""
    return any(kind in body for kind in JOURNALED_KINDS)
