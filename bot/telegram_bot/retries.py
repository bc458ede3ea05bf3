"""Telegram's flood limits and transient failures, handled for every request the bot sends."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

# Pauses before each retry after a network error or a 5xx from Telegram.
NETWORK_RETRY_DELAYS = (0.5, 1.0, 2.0)
# How often a 429 (flood limit) is waited out, with Telegram's own retry_after, before giving up.
FLOOD_RETRIES = 3
# Sent once, never throttled nor retried: a late "typing…" is worse than none.
UNRETRIED_ENDPOINTS = frozenset({"sendChatAction"})


class RetryingRateLimiter(AIORateLimiter):
    """python-telegram-bot's rate limiter (throttles to Telegram's limits, honours 429's
    `retry_after`), plus a few retries with backoff on network errors and 5xx answers."""

    def __init__(self, *, retry_delays: tuple[float, ...] = NETWORK_RETRY_DELAYS, **limits: Any) -> None:
        super().__init__(max_retries=FLOOD_RETRIES, **limits)
        self.retry_delays = retry_delays
        # Until the bot has been online once, a network error is reported at once: retrying
        # an unreachable server or a wrong address only delays the message that says so.
        self.online = False

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[override]
        """Send the request through the throttle; retry transient network failures."""
        if endpoint in UNRETRIED_ENDPOINTS:
            return await callback(*args, **kwargs)
        if not self.online:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        for delay in self.retry_delays:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise  # our request is wrong: sending it again will not help
            except NetworkError as error:
                log.warning("%s failed (%s); retrying in %.1f s", endpoint, error, delay)
                await asyncio.sleep(delay)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
