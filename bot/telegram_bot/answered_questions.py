"""Which of the bot's messages answers which question, so that an edited question gets its
answer edited in place, also after a restart or when another worker takes the edit. Kept in
the bot's working state (state_database.py), bounded: for a question answered long ago, an edit
gets a new answer instead."""

from __future__ import annotations

from bot.telegram_bot.state_database import StateDatabase

# About a day of a busy bot's questions; each entry is a few integers.
REMEMBERED_ANSWERS = 10_000

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS telegram_question_answers (
        seq {serial},
        chat_id BIGINT NOT NULL,
        question_id BIGINT NOT NULL,
        answer_id BIGINT NOT NULL,      -- the message id of the answer's first page
        UNIQUE (chat_id, question_id)
    )""",
)


class AnsweredQuestions:
    """(chat id, question's message id) -> the message id of the answer's first page, in `database`."""

    def __init__(self, database: StateDatabase, capacity: int = REMEMBERED_ANSWERS) -> None:
        self.database = database
        self.capacity = capacity
        database.create_schema(_SCHEMA)

    def remember(self, chat_id: int, question_id: int, answer_id: int) -> None:
        self.database.run(
            "INSERT INTO telegram_question_answers (chat_id, question_id, answer_id) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_id, question_id) DO UPDATE SET answer_id = excluded.answer_id",
            (chat_id, question_id, answer_id),
        )

    def answer_to(self, chat_id: int, question_id: int) -> int | None:
        """The message that answers the question, if the bot still knows it."""
        rows = self.database.run(
            "SELECT answer_id FROM telegram_question_answers WHERE chat_id = ? AND question_id = ?", (chat_id, question_id)
        )
        return rows[0][0] if rows else None

    def forget_old(self) -> None:
        """Keep only the `capacity` latest answers."""
        self.database.run(
            "DELETE FROM telegram_question_answers WHERE seq <= "
            "(SELECT seq FROM telegram_question_answers ORDER BY seq DESC LIMIT 1 OFFSET ?)",
            (self.capacity,),
        )
