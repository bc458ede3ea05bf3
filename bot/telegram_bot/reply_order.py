"""Replies to one chat leave in the order the questions arrived.

Updates are handled concurrently, so a quick reply (a rate-limit notice, a hint) would overtake
the answer to an earlier question in the same chat. Each question takes its place in its chat's
line when its handler starts (in update order, before anything is awaited) and sends only once
the one before it has finished sending.
"""

from __future__ import annotations

import asyncio


class ChatLine:
    """One place in a chat's line: `wait_turn()` before sending, `leave()` when done (always)."""

    def __init__(self, chat_lines: ChatLines, chat_id: int, ahead: asyncio.Future | None) -> None:
        self._chat_lines = chat_lines
        self._chat_id = chat_id
        self._ahead = ahead
        self.done: asyncio.Future = asyncio.get_running_loop().create_future()

    async def wait_turn(self) -> None:
        """Return once every earlier question of this chat has had its replies sent (or failed)."""
        if self._ahead is not None:
            await asyncio.shield(self._ahead)

    def leave(self) -> None:
        """Let the next one go; if the one ahead is still sending, only once it has finished."""
        if self.done.done():
            return
        if self._ahead is None or self._ahead.done():
            self._finish()
        else:
            self._ahead.add_done_callback(lambda _: self._finish())

    def _finish(self) -> None:
        if not self.done.done():
            self.done.set_result(None)
        self._chat_lines.forget(self._chat_id, self.done)


class ChatLines:
    """The line of each chat that has questions being answered."""

    def __init__(self) -> None:
        self._last: dict[int, asyncio.Future] = {}

    def join(self, chat_id: int) -> ChatLine:
        """A place at the end of the chat's line (call before awaiting anything)."""
        place = ChatLine(self, chat_id, self._last.get(chat_id))
        self._last[chat_id] = place.done
        return place

    def forget(self, chat_id: int, done: asyncio.Future) -> None:
        # Keep memory bounded: a chat whose last question is answered has no line.
        if self._last.get(chat_id) is done:
            del self._last[chat_id]

    def __len__(self) -> int:
        return len(self._last)
