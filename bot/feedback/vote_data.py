"""Answer ids and the data a 👍/👎 button carries: short enough for Telegram's 64-byte callback
data beside nothing else, and for a Discord custom_id (100 characters)."""

from __future__ import annotations

import re
import secrets
from enum import IntEnum


class Vote(IntEnum):
    """A person's verdict on an answer; stored as +1 / -1."""

    up = 1
    down = -1


# What the buttons show on both platforms; the mark is added to the one a person pressed, where
# only they can see it.
VOTE_LABELS = {Vote.up: "👍", Vote.down: "👎"}
CHOSEN_MARK = " ✓"
# 8 random bytes, URL-safe base64: 11 characters, made by the caller's process without asking
# the database, so an answer's buttons never wait for a write.
ANSWER_ID_BYTES = 8
VOTE_PREFIX = "vote"
_VOTE_DATA = re.compile(r"^vote:([A-Za-z0-9_-]{11}):(up|down)$")
# "vote:" + 11 + ":" + "down"
MAX_VOTE_DATA_BYTES = 21


def new_answer_id() -> str:
    """A fresh answer id (11 characters from A-Z, a-z, 0-9, _ and -)."""
    return secrets.token_urlsafe(ANSWER_ID_BYTES)


def vote_data(answer_id: str, vote: Vote) -> str:
    """What the 👍 or 👎 button of the answer `answer_id` carries, e.g. "vote:Xc3_9aQ-0Lk:up"."""
    data = f"{VOTE_PREFIX}:{answer_id}:{vote.name}"
    if not _VOTE_DATA.match(data):
        raise ValueError(f"not an answer id: {answer_id!r}")
    return data


def parse_vote_data(data: str | None) -> tuple[str, Vote] | None:
    """(answer id, vote) from a button's data; None when it is not a vote button's."""
    match = _VOTE_DATA.match(data or "")
    return (match[1], Vote[match[2]]) if match else None
