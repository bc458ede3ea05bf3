"""Who is asking, as the handlers need it: their language, whose rate limit a question counts
against, and who they are in the feedback store."""

from __future__ import annotations

from telegram import Message, Update

from bot.telegram_bot import texts

# How questions and votes from this bot are told apart from Discord's in the feedback store.
PLATFORM = "telegram"


def user_language(update: Update) -> str:
    """The language of the replies to this update: the user's app language, when we speak it."""
    user = update.effective_user
    return texts.ui_language(user.language_code if user else None)


def asker(message: Message) -> tuple[str, int]:
    """Whose question it is, for the rate limit: the chat it was sent as (anonymous admins, channels
    and linked-channel forwards share one fixed user id across all groups), else the user."""
    if message.sender_chat:
        return ("chat", message.sender_chat.id)
    return ("user", message.from_user.id if message.from_user else message.chat.id)


def person(message: Message) -> int | str:
    """Who asked, for the feedback store: the user's id (as their votes give it), or the chat
    the question was sent as (anonymous admins, channels)."""
    kind, number = asker(message)
    return number if kind == "user" else f"{kind}:{number}"
