"""User ids as the feedback database keeps them: salted hashes, never the ids themselves.

The salt is the HMAC key. FEEDBACK_SALT sets it; when it is unset, one is generated on first
start and kept in the database's `meta` table, so all bots sharing the database (and every restart)
hash a person alike, and deleting the database forgets the salt with the data it protects. Set
FEEDBACK_SALT to keep the key out of the database: a copy of it alone then cannot be
matched against known user ids.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.feedback.database import FeedbackConnection

SALT_KEY = "salt"
# 16 bytes of the HMAC: collisions between two people are out of reach, and rows stay short.
PSEUDONYM_BYTES = 16


def stored_salt(connection: "FeedbackConnection") -> str:
    """The salt kept in the database, generated and stored first if there is none yet (processes
    starting at once all end up with the one stored first)."""
    connection.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                       (SALT_KEY, secrets.token_hex(32)))
    return connection.execute("SELECT value FROM meta WHERE key = ?", (SALT_KEY,)).fetchone()[0]


def pseudonym(salt: str, platform: str, user_id: int | str) -> str:
    """The salted hash standing for one person of one platform (the same number on Telegram and
    Discord is two people)."""
    message = f"{platform}:{user_id}".encode()
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()[: PSEUDONYM_BYTES * 2]
