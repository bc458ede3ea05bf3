"""Why the bot could not get online, in one line: what could not be reached, or that the token
was refused, and whether the token even looks like one."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from telegram.error import InvalidToken, TelegramError

# What @BotFather hands out: the bot's numeric id, a colon, 35 letters, digits, _ or -.
TOKEN_FORMAT = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{35}")


def token_looks_valid(token: str) -> bool:
    """Whether `token` has the shape of a Telegram bot token."""
    return bool(TOKEN_FORMAT.fullmatch(token))


def describe_startup_failure(error: TelegramError, api_base_url: str, token: str) -> str:
    """One line for an error raised before the bot was ever online (never includes the token)."""
    parsed = urlparse(api_base_url)
    server = f"{parsed.scheme}://{parsed.netloc}"
    if isinstance(error, InvalidToken):
        # PTB's own message repeats the token: say it in our words.
        line = f"Telegram at {server} refused TELEGRAM_BOT_TOKEN (401 Unauthorized or 404)"
    else:
        line = f"could not reach Telegram at {server}: {error.message}"
    if not token_looks_valid(token):
        line += "; also, TELEGRAM_BOT_TOKEN does not look like a Telegram token (<digits>:<35 characters>)"
    return line
