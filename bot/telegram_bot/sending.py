"""Sending a reply where the asker still is: a group upgraded to a supergroup has a new id."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message
from telegram.error import ChatMigrated

log = logging.getLogger(__name__)


async def send_reply(message: Message, text: str, **kwargs: Any) -> Message:
    """Reply to `message` quoting it; when its group has meanwhile become a supergroup, send the
    reply to the supergroup instead (without the quote: message ids do not carry over)."""
    try:
        return await message.reply_text(text, do_quote=True, **kwargs)
    except ChatMigrated as moved:
        log.info("chat %s became supergroup %s: replying there", message.chat_id, moved.new_chat_id)
        return await message.get_bot().send_message(moved.new_chat_id, text, **kwargs)
