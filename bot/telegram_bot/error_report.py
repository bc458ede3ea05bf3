"""The Application's error handler: one log entry per failure, and a brief apology to the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.runtime import messages
from bot.telegram_bot.askers import user_language
from bot.telegram_bot.render import render_plain
from bot.telegram_bot.retries import MaybeDelivered
from bot.telegram_bot.sending import send_reply

log = logging.getLogger(__name__)


async def report_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and tell the user, briefly, that it failed; a chat that is gone (bot
    blocked or removed), a network hiccup while polling and a button press or inline query
    answered too late are one quiet line each."""
    error = context.error
    if update is None and isinstance(error, NetworkError):
        log.warning("polling Telegram for updates failed (%s); retrying", error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, MaybeDelivered):
        # An apology could arrive under the answer it apologises for; one line says what happened.
        log.warning("update %s: %s", update_id, error.message)
        return
    if isinstance(error, Forbidden):
        chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
        log.info("no reply to chat %s: %s", chat, error.message)
        return
    if isinstance(error, BadRequest) and "query is too old" in error.message.lower():
        # Telegram gives a few seconds to answer a button press or inline query; nothing is lost
        # but the spinner, and there is nobody left to apologise to.
        log.info("update %s was answered too late for Telegram: %s", update_id, error.message)
        return
    log.error("error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    lang = user_language(update)
    try:
        if update.callback_query:
            await update.callback_query.answer(messages.apology(lang), show_alert=True)
        elif update.effective_message:
            await send_reply(update.effective_message, render_plain(messages.apology(lang)))
    except TelegramError as failure:
        log.warning("could not send the apology for update %s: %s", update_id, failure)
