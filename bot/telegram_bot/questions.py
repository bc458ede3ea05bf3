"""Which messages ask the bot something, and what they ask.

In private chats every text is a question. In groups a question is `/ask …` (or
`/ask@BotName …`), a message that mentions the bot, or a reply to one of the bot's messages.
The same reading serves a "More" press after a restart, from the message the reply answers.
"""

from __future__ import annotations

from telegram import Message, MessageEntity, User

ASK_COMMAND = "ask"


def ask_command_target(message: Message) -> str | None:
    """For `/ask@Name …` the "Name", for `/ask …` "", else None (not an /ask command)."""
    text = message.text or ""
    command = next((e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None)
    if command is None:
        return None
    name, _, target = message.parse_entity(command)[1:].partition("@")
    return target if name.lower() == ASK_COMMAND and text.startswith("/") else None


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
    text = message.text or ""
    spans = _bot_mentions(message, bot)
    if ask_command_target(message) is not None:
        spans.append(next(e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0))
    return _without(text, spans).strip()


def _bot_mentions(message: Message, bot: User) -> list[MessageEntity]:
    username = (bot.username or "").lower()
    found = []
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
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
