"""Fetch updates from Telegram only as fast as they are handled.

python-telegram-bot's long polling confirms a batch of updates (by asking for the next one) as
soon as it has queued it; a crash then loses every confirmed update not yet handled, up to
hundreds in a burst. This queue makes the poller wait while `max_in_hand` updates are queued or
being handled; the rest Telegram keeps. The questions among those in hand are written to a
QuestionJournal (question_journal.py) before the poller can confirm them, so a crash loses none."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.telegram_bot.question_journal import QuestionJournal, carries_question

# Enough to keep the retrieval thread and the sends busy; a crash loses at most this many.
MAX_UPDATES_IN_HAND = 32


class BoundedUpdateQueue(asyncio.Queue):
    """The Application's update queue, whose `put` of an Update waits for room and writes a
    question to `journal` (one already in hand or handled is dropped: Telegram repeating it)."""

    def __init__(self, max_in_hand: int = MAX_UPDATES_IN_HAND, journal: QuestionJournal | None = None) -> None:
        super().__init__()
        self.max_in_hand = max_in_hand
        self.journal = journal
        self._room = asyncio.Event()

    async def put(self, item: Any) -> None:
        # Only updates wait: the Application's own stop signal must always get through.
        # asyncio.Queue counts put items until task_done() (the Application calls it once an
        # update is handled) in _unfinished_tasks.
        while isinstance(item, Update) and self._unfinished_tasks >= self.max_in_hand:
            self._room.clear()
            await self._room.wait()
        if isinstance(item, Update) and self.journal is not None:
            body = item.to_dict()
            if carries_question(body) and not self.journal.add(item.update_id, body):
                return
        await super().put(item)

    def task_done(self) -> None:
        super().task_done()
        self._room.set()
