"""Telegram's flood limits, kept before Telegram has to enforce them with 429s.

Telegram's Bot FAQ: in one chat, avoid more than one message a second (short bursts are
allowed); in a group, no more than 20 messages a minute; overall, about 30 messages a second.
Each rule here is "at most N sends in any W seconds"; a send waits for the first moment every
rule of its chat allows, and sends to one chat keep their order.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Rule = tuple[int, float]  # at most this many sends in any window of this many seconds


@dataclass(frozen=True)
class FloodLimits:
    """The rules: for each private chat, for each group (supergroups and channels too), and for
    all sends together. An empty tuple: no limit."""

    # One a second, never more: Telegram's bursts are allowed "short", without a number.
    private: tuple[Rule, ...] = ((1, 1.0),)
    group: tuple[Rule, ...] = ((1, 1.0), (20, 60.0))
    overall: tuple[Rule, ...] = ((30, 1.0),)

    @classmethod
    def none(cls) -> FloodLimits:
        """No throttling at all (a stand-in server has no flood limit)."""
        return cls(private=(), group=(), overall=())


TELEGRAM_LIMITS = FloodLimits()
# Chats remembered before the idle ones are forgotten (their windows have long passed).
MAX_TRACKED_CHATS = 10_000


class SendSchedule:
    """When each send may go: `reserve(chat_id)` books the earliest moment the rules allow and
    returns it (a `clock()` time); `wait_turn(chat_id)` books and sleeps until then."""

    def __init__(self, limits: FloodLimits = TELEGRAM_LIMITS, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._sent: dict[object, deque[float]] = {}

    def reserve(self, chat_id: int | str | None) -> float:
        """The moment a message to `chat_id` (None: no chat) may be sent, booked for it."""
        now = self.clock()
        at = now
        if chat_id is not None:
            at = self._book(("chat", chat_id), self._rules_for(chat_id), now)
        return self._book("overall", self.limits.overall, at)

    async def wait_turn(self, chat_id: int | str | None) -> None:
        """Wait until a message to `chat_id` may be sent."""
        delay = self.reserve(chat_id) - self.clock()
        if delay > 0:
            await asyncio.sleep(delay)

    def _rules_for(self, chat_id: int | str) -> tuple[Rule, ...]:
        # Private chats have positive ids; groups, supergroups and channels negative ones (or @name).
        is_private = isinstance(chat_id, int) and chat_id > 0
        return self.limits.private if is_private else self.limits.group

    def _book(self, key: object, rules: tuple[Rule, ...], earliest: float) -> float:
        if not rules:
            return earliest
        sent = self._sent.setdefault(key, deque())
        longest = max(window for _, window in rules)
        while sent and sent[0] <= earliest - longest:
            sent.popleft()
        at = max(earliest, sent[-1]) if sent else earliest  # in order within the chat
        for count, window in rules:
            if len(sent) >= count:
                at = max(at, sent[-count] + window)
        sent.append(at)
        if len(self._sent) > MAX_TRACKED_CHATS:
            self._forget_idle(earliest)
        return at

    def _forget_idle(self, now: float) -> None:
        longest = max((w for rules in (self.limits.private, self.limits.group, self.limits.overall) for _, w in rules),
                      default=0.0)
        for key in [key for key, sent in self._sent.items() if not sent or sent[-1] <= now - longest]:
            del self._sent[key]
