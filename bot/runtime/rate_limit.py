"""Per-user rate limiting: at most N questions in a sliding window of T seconds, per user."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


class RateLimiter:
    """Sliding-window limiter; one user's limit never slows another's."""

    def __init__(self, max_questions: int, per_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.max_questions = max_questions
        self.per_seconds = per_seconds
        self._clock = clock
        self._recent: dict[Hashable, deque[float]] = {}

    def allow(self, user: Hashable) -> bool:
        """Record a question from `user` and say whether it may be answered now."""
        return self.retry_after(user) == 0.0

    def retry_after(self, user: Hashable) -> float:
        """0 when `user` may ask now (the question is counted); else the seconds to wait."""
        now = self._clock()
        recent = self._recent.setdefault(user, deque())
        while recent and now - recent[0] >= self.per_seconds:
            recent.popleft()
        if len(recent) >= self.max_questions:
            return max(0.001, self.per_seconds - (now - recent[0]))
        recent.append(now)
        self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        # Keep memory bounded: drop users whose last question is out of the window.
        if len(self._recent) > 10_000:
            for user in [u for u, q in self._recent.items() if not q or now - q[-1] >= self.per_seconds]:
                del self._recent[user]
