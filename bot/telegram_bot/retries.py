"""Telegram's flood limits and transient failures, handled for every request the bot sends.

Three rules: sends are spaced as Telegram asks (flood_limits.py); a 429 is waited out for as
long as Telegram says (retry_after), then the request goes again, with one warning line each
time; a network error or a 5xx is retried a few times with pauses, except a send that timed out
while waiting for Telegram's answer: Telegram may have delivered it, and sending it again would
post the answer twice.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.telegram_bot.flood_limits import TELEGRAM_LIMITS, FloodLimits, SendSchedule

log = logging.getLogger(__name__)

# Pauses before each retry after a network error or a 5xx from Telegram.
NETWORK_RETRY_DELAYS = (0.5, 1.0, 2.0)
# 429s waited out for one request before it fails: Telegram's retry_after is seconds, rarely
# more than a minute, so this rides out minutes of flood control without hanging for ever.
MAX_FLOOD_WAITS = 12
# Sent once, never throttled nor retried: a late "typing…" is worse than none.
UNRETRIED_ENDPOINTS = frozenset({"sendChatAction"})
# Requests that post a new message: spaced per chat, and never sent again after a timeout.
POSTING_ENDPOINTS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendVoice", "sendAnimation",
    "sendSticker", "sendMediaGroup", "copyMessage", "forwardMessage", "sendPoll", "sendLocation", "sendContact",
})
# Timeouts that happen before the request reached Telegram: safe to send again.
_NOT_SENT_TIMEOUTS = (httpx.ConnectTimeout, httpx.PoolTimeout)


class MaybeDelivered(TimedOut):
    """A message was sent but Telegram's answer did not come in time: it may have been
    delivered, so it is not sent again."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(f"{endpoint} timed out waiting for Telegram; not sent again, as it may have been delivered")
        self.endpoint = endpoint


class RetryingRateLimiter(BaseRateLimiter):
    """Every request the bot makes goes through here: spaced to Telegram's `limits`, 429s waited
    out with their retry_after, network failures retried after `retry_delays`."""

    def __init__(
        self, *, limits: FloodLimits = TELEGRAM_LIMITS, retry_delays: tuple[float, ...] = NETWORK_RETRY_DELAYS,
        max_flood_waits: int = MAX_FLOOD_WAITS,
    ) -> None:
        self.schedule = SendSchedule(limits)
        self.retry_delays = retry_delays
        self.max_flood_waits = max_flood_waits
        # Until the bot has been online once, a network error is reported at once: retrying
        # an unreachable server or a wrong address only delays the message that says so.
        self.online = False
        # Telegram's retry_after holds back every request of the bot, not only the one refused.
        self._flood_over = asyncio.Event()
        self._flood_over.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[override]
        """Send the request when the flood limits allow; wait out 429s; retry network failures."""
        if endpoint in UNRETRIED_ENDPOINTS:
            return await callback(*args, **kwargs)
        chat_id = _chat_key(data.get("chat_id")) if endpoint in POSTING_ENDPOINTS else None
        network_delays = iter(self.retry_delays if self.online else ())
        flood_waits = 0
        while True:
            await self._flood_over.wait()
            await self.schedule.wait_turn(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                flood_waits += 1
                if flood_waits > self.max_flood_waits:
                    raise
                wait = _seconds(error)
                log.warning("%s: Telegram's flood limit, waiting %.0f s as it asks (%d)", endpoint, wait, flood_waits)
                await self._hold_everything(wait)
            except BadRequest:
                raise  # our request is wrong: sending it again will not help
            except TimedOut as error:
                if endpoint in POSTING_ENDPOINTS and not isinstance(error.__cause__, _NOT_SENT_TIMEOUTS):
                    raise MaybeDelivered(endpoint) from error
                delay = next(network_delays, None)
                if delay is None:
                    raise
                log.warning("%s timed out; retrying in %.1f s", endpoint, delay)
                await asyncio.sleep(delay)
            except NetworkError as error:
                delay = next(network_delays, None)
                if delay is None:
                    raise
                log.warning("%s failed (%s); retrying in %.1f s", endpoint, error, delay)
                await asyncio.sleep(delay)

    async def _hold_everything(self, seconds: float) -> None:
        self._flood_over.clear()
        try:
            await asyncio.sleep(seconds)
        finally:
            self._flood_over.set()


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns while retry_after moves from int to timedelta
        warnings.simplefilter("ignore")
        retry_after = error.retry_after
    seconds = retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else float(retry_after)
    return max(seconds, 0.0)


def _chat_key(chat_id: Any) -> int | str | None:
    """The chat as a number when it is one ("-100…" arrives as text too), else as given."""
    if chat_id is None:
        return None
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return str(chat_id)
