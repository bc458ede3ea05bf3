"""Graceful shutdown: on SIGTERM (`docker stop`; Python is PID 1 in the container) or Ctrl-C,
take no new updates, let the questions in flight finish within a bound, then stop polling (or
the webhook) and exit 0."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from telegram.ext import Application

log = logging.getLogger(__name__)

# Docker waits 10 s after SIGTERM before it kills: answers in flight get 8, closing the rest.
IN_FLIGHT_GRACE_SECONDS = 8.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class InFlight:
    """The updates being handled (their tasks): a shutdown waits for them, then cuts them off."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    @contextmanager
    def track(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)

    def tracked(self, callback: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        """`callback` (a handler) with its task tracked while it runs."""

        async def run_tracked(*args: Any, **kwargs: Any) -> Any:
            with self.track():
                return await callback(*args, **kwargs)

        run_tracked.__doc__ = callback.__doc__
        return run_tracked

    def __len__(self) -> int:
        return len(self._tasks)

    def cancel_all(self) -> int:
        """Cancel what is still running; how many there were."""
        unfinished = [task for task in self._tasks if not task.done()]
        for task in unfinished:
            task.cancel()
        return len(unfinished)


def stop_on_signals(
    loop: asyncio.AbstractEventLoop, application: Application, in_flight: InFlight,
    grace_seconds: float = IN_FLIGHT_GRACE_SECONDS,
) -> None:
    """On the first SIGTERM or SIGINT, stop the application the way run_polling/run_webhook do
    (no new updates; those fetched are handled and confirmed) and cut off what is still in
    flight after `grace_seconds`; a second signal cuts it off at once."""
    stopping: list[int] = []

    def cut_off() -> None:
        abandoned = in_flight.cancel_all()
        if abandoned:
            log.warning("shutting down: %d update(s) still being handled after %.0f s were abandoned",
                        abandoned, grace_seconds)

    def on_signal(signum: int) -> None:
        if stopping:
            cut_off()
            return
        stopping.append(signum)
        log.info("%s received: taking no new questions; finishing %d in flight (at most %.0f s)",
                 signal.Signals(signum).name, len(in_flight), grace_seconds)
        loop.call_later(grace_seconds, cut_off)
        application.stop_running()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
