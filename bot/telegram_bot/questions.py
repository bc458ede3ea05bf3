"""Which messages ask the bot something, and what they ask.

In private chats every text is a question. In groups a question is `/ask …` (or
`/ask@BotName …`), a message that mentions the bot, or a reply to one of the bot's messages.
A photo's, video's or document's caption is read as its text.
The same reading serves a "More" press after a restart, from the message the reply answers.
"""

from __future__ import annotations

from telegram import Message, MessageEntity, User

ASK_COMMAND = "ask"


def message_text(message: Message) -> str:
    """The message's text, or its caption (photos, videos, documents); "" when it has neither."""
    return message.text or message.caption or ""


def _entities(message: Message) -> tuple[MessageEntity, ...]:
    return message.entities if message.text else message.caption_entities


def _parse_entities(message: Message, types: list[str]) -> dict[MessageEntity, str]:
    return message.parse_entities(types) if message.text else message.parse_caption_entities(types)


def ask_command_target(message: Message) -> str | None:
    """For `/ask@Name …` the "Name", for `/ask …` "", else None (not an /ask command)."""
    text = message_text(message)
    command = _leading_command(message)
    if command is None:
        return None
    name, _, target = _parse_entities(message, [MessageEntity.BOT_COMMAND])[command][1:].partition("@")
    return target if name.lower() == ASK_COMMAND and text.startswith("/") else None


def is_other_command(message: Message) -> bool:
    """Whether the message starts with a command other than /ask (e.g. /start)."""
    return _leading_command(message) is not None and ask_command_target(message) is None


def _leading_command(message: Message) -> MessageEntity | None:
    return next((e for e in _entities(message) if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None)


def asks_bot_in_group(message: Message, bot: User) -> bool:
    """Whether a group message is addressed to the bot: it mentions it, replies to it, or (a
    caption, which commands do not reach) starts with /ask or /ask@BotName."""
    target = ask_command_target(message)
    addressed_by_command = target == "" or (target or "").lower() == (bot.username or "").lower()
    return mentions_bot(message, bot) or replies_to_bot(message, bot) or addressed_by_command


def mentions_bot(message: Message, bot: User) -> bool:
    """Whether the message's text mentions the bot by @username or by a text mention."""
    return bool(_bot_mentions(message, bot))


def replies_to_bot(message: Message, bot: User) -> bool:
    """Whether the message is a reply to one of the bot's own messages."""
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot.id)


def question_in(message: Message, bot: User) -> str:
    """The question the message asks: its text without the /ask command and without mentions
    of the bot, stripped ("" when nothing is left)."""
    text = message_text(message)
    spans = _bot_mentions(message, bot)
    if ask_command_target(message) is not None:
        spans.append(_leading_command(message))
    return _without(text, spans).strip()


def _bot_mentions(message: Message, bot: User) -> list[MessageEntity]:
    username = (bot.username or "").lower()
    found = []
    for entity, text in _parse_entities(message, [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.MENTION and username and text[1:].lower() == username:
            found.append(entity)
        elif entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
            found.append(entity)
    return found


def _without(text: str, entities: list[MessageEntity]) -> str:
    """`text` with the entities' spans (in UTF-16 code units, as Telegram counts) cut out."""
    units = text.encode("utf-16-le", "surrogatepass")
    for entity in sorted(entities, key=lambda e: e.offset, reverse=True):
        units = units[: entity.offset * 2] + " ".encode("utf-16-le") + units[(entity.offset + entity.length) * 2 :]
    return units.decode("utf-16-le", "surrogatepass")
