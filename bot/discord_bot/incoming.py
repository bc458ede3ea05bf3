"""Reading a Discord message: whether it addresses the bot, and the question it asks."""

from __future__ import annotations

import re

import discord

from bot.discord_bot.discord_markup import NameLookup, NamesSeen, readable_markup


def my_role(message: discord.Message) -> discord.Role | None:
    """The bot's managed role in the message's server (the @-picker offers it beside the bot)."""
    return message.guild.self_role if message.guild is not None else None


def addresses_me(message: discord.Message, me: discord.abc.User) -> bool:
    """True for a DM, or a message that mentions the bot or its managed role.

    Not `mentioned_in`: that is also true for @everyone, and the bot must not answer those.
    """
    if isinstance(message.channel, discord.DMChannel):
        return True
    if any(user.id == me.id for user in message.mentions):
        return True
    role = my_role(message)
    return role is not None and any(mentioned.id == role.id for mentioned in message.role_mentions)


def without_my_mentions(content: str, me: discord.abc.User, role: discord.Role | None) -> str:
    """`content` without the mentions that address the bot (of itself or of its role)."""
    pattern = rf"<@!?{me.id}>" + (rf"|<@&{role.id}>" if role is not None else "")
    return re.sub(pattern, " ", content).strip()


def message_text(message: discord.Message) -> str:
    """What a message says: its text, or, when it has none, the text of its embeds (another
    bot's answer, a shared link's preview)."""
    if message.content.strip():
        return message.content.strip()
    parts: list[str] = []
    for embed in message.embeds:
        parts += [embed.title or "", embed.description or ""]
        parts += [f"{field.name} {field.value}" for field in embed.fields]
    return "\n".join(part for part in parts if part).strip()


def name_lookup(client: discord.Client, message: discord.Message | None = None,
                guild: discord.Guild | None = None) -> NamesSeen:
    """Names of the users, roles and channels a message may mention: the message's own mentions
    first, then what the client has cached (remembered, so that feedback can leave them out)."""
    guild = guild or (message.guild if message else None)
    users = {user.id: user.display_name for user in message.mentions} if message else {}
    roles = {role.id: role.name for role in message.role_mentions} if message else {}

    def name_of(kind: str, key: int) -> str | None:
        if kind == "@":
            if key in users:
                return users[key]
            user = client.get_user(key)
            return user.display_name if user else None
        if kind == "@&":
            role = guild.get_role(key) if guild else None
            return roles.get(key) or (role.name if role else None)
        channel = client.get_channel(key)
        return getattr(channel, "name", None)

    return NamesSeen(name_of)


def readable_question(text: str, lookup: NameLookup) -> str:
    """A question as a person reads it: Discord's markup replaced by names and dates."""
    return readable_markup(text, lookup).strip()
