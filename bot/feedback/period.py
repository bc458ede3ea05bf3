"""The report's `--since`: a span back from now (24h, 7d, 2w) or a day (2026-11-01, UTC)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_SPAN = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
ACCEPTED = "a number of hours, days or weeks (24h, 7d, 2w) or a day (2026-11-01)"


def parse_since(text: str, now: datetime) -> datetime:
    """The moment `text` names, relative to `now` (timezone-aware, UTC); ValueError saying what
    is accepted when it names none."""
    match = _SPAN.match(text)
    if match:
        count = int(match[1])
        if count == 0:
            raise ValueError(f"{text!r} is an empty period: use {ACCEPTED}")
        return now - count * _UNITS[match[2].lower()]
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"{text!r} is not a period: use {ACCEPTED}") from None
    return day.replace(tzinfo=timezone.utc)


def describe_since(text: str) -> str:
    """How the report's heading names the period: "last 7d", or "since 2026-11-01"."""
    return f"last {text.strip()}" if _SPAN.match(text) else f"since {text.strip()}"
