"""The question behind each of the bot's recent answers, so that a reply to an answer can be
asked as a follow-up of it ("and in China?"), also after a restart or on another worker:
Telegram shows the bot the answer replied to, but not the question that answer replied to.

Kept in the bot's working state (state_database.py), bounded: the question's text as searched,
with the chat and message id of the answer.
"""

from __future__ import annotations

from bot.telegram_bot.state_database import StateDatabase

# About a day of a busy bot's answers; older answers are answered as if asked alone.
REMEMBERED_ANSWERS = 10_000

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS telegram_answer_questions (
        seq {serial},
        chat_id BIGINT NOT NULL,
        message_id BIGINT NOT NULL,
        question TEXT NOT NULL,
        follow_up INTEGER NOT NULL DEFAULT 0,   -- searched with the question before it
        UNIQUE (chat_id, message_id)
    )""",
)
# The version before this one named the table `answered` (with the same columns).
_CARRY_OVER = (
    "INSERT INTO telegram_answer_questions (chat_id, message_id, question, follow_up) "
    "SELECT chat_id, message_id, question, follow_up FROM answered WHERE true ORDER BY seq ON CONFLICT DO NOTHING",
    "DROP TABLE answered",
)


class EarlierQuestions:
    """(chat id, answer's message id) -> the question it answers, in `database`."""

    def __init__(self, database: StateDatabase, capacity: int = REMEMBERED_ANSWERS) -> None:
        self.database = database
        self.capacity = capacity
        database.create_schema(_SCHEMA + (_CARRY_OVER if database.has_table("answered") else ()))

    def remember(self, chat_id: int, message_id: int, question: str, follow_up: bool = False) -> None:
        """The bot's message `message_id` in `chat_id` answers `question` (as searched; with
        `follow_up`, formed with the question before it)."""
        self.database.run(
            "INSERT INTO telegram_answer_questions (chat_id, message_id, question, follow_up) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (chat_id, message_id) DO UPDATE SET question = excluded.question, follow_up = excluded.follow_up",
            (chat_id, message_id, question, int(follow_up)),
        )

    def question_of(self, chat_id: int, message_id: int, *, follow_ups_only: bool = False) -> str | None:
        """The question the bot's message answers, if it is one of the answers remembered (with
        `follow_ups_only`, only if it answers a follow-up)."""
        rows = self.database.run(
            "SELECT question, follow_up FROM telegram_answer_questions WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        if not rows or (follow_ups_only and not rows[0][1]):
            return None
        return rows[0][0]

    def forget_old(self) -> None:
        """Keep only the `capacity` latest answers."""
        self.database.run(
            "DELETE FROM telegram_answer_questions WHERE seq <= "
            "(SELECT seq FROM telegram_answer_questions ORDER BY seq DESC LIMIT 1 OFFSET ?)",
            (self.capacity,),
        )
