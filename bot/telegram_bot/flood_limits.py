"""Telegram's flood limits, kept before Telegram has to enforce them with 429s.

Telegram's Bot FAQ: in one chat, avoid more than one message a second (short bursts are
allowed); in a group, no more than 20 messages a minute; overall, about 30 messages a second.
Each rule here is "at most N sends in any W seconds", and each limit is its own: a chat's rules
hold its sends back and nobody else's (sends to one chat keep their order), and the overall rule
counts every send at the moment it is booked to go out, wherever that falls. So a busy group's
sends waiting minutes ahead take one slot each at their own moments, and a private chat's
answer goes now if the last second has room, never behind the group's queue.
"""

from __future__ import annotations

import asyncio
import bisect
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
        self._chats: dict[int | str, deque[float]] = {}  # each chat's booked sends, in order
        self._all: list[float] = []  # every booked send, sorted: future ones too, not only the latest
        self._longest = max(
            (window for rules in (limits.private, limits.group, limits.overall) for _, window in rules), default=0.0,
        )

    def reserve(self, chat_id: int | str | None) -> float:
        """The moment a message to `chat_id` (None: no chat) may be sent, booked for it."""
        now = self.clock()
        del self._all[:bisect.bisect_right(self._all, now - self._longest)]  # can share no window with `now`
        sent = self._chats.setdefault(chat_id, deque()) if chat_id is not None else None
        at = now if sent is None else _after_chat(sent, self._rules_for(chat_id), now)
        if self.limits.overall:
            at = _first_free_moment(self._all, self.limits.overall, at)
            bisect.insort_right(self._all, at)
        if sent is not None:
            sent.append(at)  # the moment it really goes, so the chat's next send is spaced from that
            if len(self._chats) > MAX_TRACKED_CHATS:
                self._forget_idle(now)
        return at

    async def wait_turn(self, chat_id: int | str | None) -> None:
        """Wait until a message to `chat_id` may be sent."""
        delay = self.reserve(chat_id) - self.clock()
        if delay > 0:
            await asyncio.sleep(delay)

    def _rules_for(self, chat_id: int | str) -> tuple[Rule, ...]:
        # Private chats have positive ids; groups, supergroups and channels negative ones (or @name).
        is_private = isinstance(chat_id, int) and chat_id > 0
        return self.limits.private if is_private else self.limits.group

    def _forget_idle(self, now: float) -> None:
        for chat_id in [chat_id for chat_id, sent in self._chats.items() if not sent or sent[-1] <= now - self._longest]:
            del self._chats[chat_id]


def _after_chat(sent: deque[float], rules: tuple[Rule, ...], now: float) -> float:
    """The first moment from `now` on that a chat's `rules` allow its next send, after its last one."""
    if not rules:
        return now
    longest = max(window for _, window in rules)
    while sent and sent[0] <= now - longest:
        sent.popleft()
    at = max(now, sent[-1]) if sent else now  # in order within the chat
    for count, window in rules:
        if len(sent) >= count:
            at = max(at, sent[-count] + window)
    return at


def _first_free_moment(booked: list[float], rules: tuple[Rule, ...], earliest: float) -> float:
    """The first moment from `earliest` on where one more send keeps every rule over the `booked`
    sends (sorted), wherever they fall: before it, after it, or on both sides."""
    at = earliest
    while True:
        later = max((_first_free_for_rule(booked, rule, at) for rule in rules), default=at)
        if later == at:
            return at
        at = later


def _first_free_for_rule(booked: list[float], rule: Rule, earliest: float) -> float:
    """The first moment from `earliest` on where one more send keeps `rule`: no `count` + 1
    sends in a row, the new one among them, closer together than `window`."""
    count, window = rule
    at = earliest
    while True:
        place = bisect.bisect_right(booked, at)  # a send booked for the same moment goes first
        crowded = None
        for before in range(count, -1, -1):  # the new send with `before` booked ones ahead of it in the row
            after = count - before
            if place - before < 0 or place + after > len(booked):
                continue
            first = booked[place - before] if before else at
            last = booked[place + after - 1] if after else at
            if last < first + window:  # as `first + window` was computed: `last - first` may round below
                crowded = before
                break
        if crowded is None:
            return at
        # Last in its row: later by the window. Otherwise the row holds sends still to come:
        # no moment before the next booked send helps, so go on from that one.
        at = booked[place - count] + window if crowded == count else booked[place]
