"""Take updates from Telegram only as fast as they are handled.

python-telegram-bot's long polling confirms a batch of updates (by asking for the next one) as
soon as it has queued it, and its webhook answers 200 once it has; a crash then loses every
confirmed update not yet handled, up to hundreds in a burst. This queue makes the poller (or the
webhook's reply) wait while `max_in_hand` updates are queued or being handled; the rest Telegram
keeps. Each update is claimed in a QuestionJournal (question_journal.py) before the poller can
confirm it or the webhook answer 200, the questions among them whole, so a crash loses none, and
an update delivered twice (to this worker or another sharing the journal) is handled once."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.telegram_bot.question_journal import QuestionJournal

# Enough to keep the retrieval thread and the sends busy; a crash loses at most this many.
MAX_UPDATES_IN_HAND = 32


class BoundedUpdateQueue(asyncio.Queue):
    """The Application's update queue, whose `put` of an Update waits for room and claims it in
    `journal` (one already claimed is dropped: Telegram repeating it)."""

    def __init__(self, max_in_hand: int = MAX_UPDATES_IN_HAND, journal: QuestionJournal | None = None) -> None:
        super().__init__()
        self.max_in_hand = max_in_hand
        self.journal = journal
        self._room = asyncio.Event()

    async def put(self, item: Any) -> None:
        # Claimed first: from here on a crash loses nothing, and while this waits for room,
        # a second delivery of the update elsewhere is dropped.
        if isinstance(item, Update) and self.journal is not None:
            if not await asyncio.to_thread(self.journal.claim, item.update_id, item.to_dict()):
                return
        # Only updates wait: the Application's own stop signal must always get through.
        # asyncio.Queue counts put items until task_done() (the Application calls it once an
        # update is handled) in _unfinished_tasks.
        while isinstance(item, Update) and self._unfinished_tasks >= self.max_in_hand:
            self._room.clear()
            await self._room.wait()
        await super().put(item)

    def task_done(self) -> None:
        super().task_done()
        self._room.set()
