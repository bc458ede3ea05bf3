"""The "More" button's callback data: the next offset and a short digest of the question.

The data outlives the process: after a restart the question is read again from the message the
bot's reply answers, and the digest tells whether it is still the same question.
"""

from __future__ import annotations

import hashlib
import re

# Telegram refuses callback data longer than 64 bytes.
MAX_CALLBACK_DATA_BYTES = 64
MORE_PREFIX = "more"
_MORE = re.compile(r"^more:(\d{1,9}):([0-9a-f]{12})$")


def question_digest(question: str) -> str:
    """12 hex digits identifying the question's text."""
    return hashlib.blake2b(question.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


def more_callback_data(offset: int, question: str) -> str:
    """The callback data of a "More" button that shows hits from `offset` on."""
    data = f"{MORE_PREFIX}:{offset}:{question_digest(question)}"
    if len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        raise ValueError(f"callback data {data!r} exceeds {MAX_CALLBACK_DATA_BYTES} bytes")
    return data


def parse_more_callback(data: str | None) -> tuple[int, str] | None:
    """(offset, question digest) from a "More" button's data; None when it is not one of ours."""
    match = _MORE.match(data or "")
    return (int(match[1]), match[2]) if match else None
