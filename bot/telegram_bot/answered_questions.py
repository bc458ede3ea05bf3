"""Which of the bot's messages answers which question, so that an edited question gets its
answer edited in place. Kept in memory and bounded: after a restart, or for a question answered
long ago, an edit gets a new answer instead."""

from __future__ import annotations

from collections import OrderedDict

# About a day of a busy bot's questions; each entry is three integers.
REMEMBERED_ANSWERS = 10_000


class AnsweredQuestions:
    """(chat id, question's message id) -> the message id of the answer's first page."""

    def __init__(self, capacity: int = REMEMBERED_ANSWERS) -> None:
        self.capacity = capacity
        self._answers: OrderedDict[tuple[int, int], int] = OrderedDict()

    def remember(self, chat_id: int, question_id: int, answer_id: int) -> None:
        self._answers[(chat_id, question_id)] = answer_id
        self._answers.move_to_end((chat_id, question_id))
        while len(self._answers) > self.capacity:
            self._answers.popitem(last=False)

    def answer_to(self, chat_id: int, question_id: int) -> int | None:
        """The message that answers the question, if the bot still knows it."""
        return self._answers.get((chat_id, question_id))
