"""Fetch updates from Telegram only as fast as they are handled.

python-telegram-bot's long polling confirms a batch of updates (by asking for the next one) as
soon as it has queued it; a crash then loses every confirmed update not yet handled, up to
hundreds in a burst. This queue makes the poller wait while `max_in_hand` updates are queued or
being handled, so a crash loses at most that many; the rest Telegram hands out again."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

# Enough to keep the retrieval thread and the sends busy; a crash loses at most this many.
MAX_UPDATES_IN_HAND = 32


class BoundedUpdateQueue(asyncio.Queue):
    """The Application's update queue, whose `put` of an Update waits for room."""

    def __init__(self, max_in_hand: int = MAX_UPDATES_IN_HAND) -> None:
        super().__init__()
        self.max_in_hand = max_in_hand
        self._room = asyncio.Event()

    async def put(self, item: Any) -> None:
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
