"""Answering a message in its channel: as an embed where the bot may embed links, as plain text
where it may only write, and with one log line where it may not even write."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.discord_bot.render import render_discord_reply, render_plain_reply, vote_view
from bot.discord_bot.replies import NO_MENTIONS
from retrieval import Answer

log = logging.getLogger(__name__)

# Discord's error code for a 403 that lacks a permission (a reply without Read Message History).
MISSING_PERMISSIONS = 50013


def channel_permissions(message: discord.Message) -> discord.Permissions | None:
    """The bot's permissions where `message` was posted; None in DMs (where it may do anything)."""
    guild, channel = message.guild, message.channel
    if guild is None or guild.me is None or not isinstance(channel, (discord.abc.GuildChannel, discord.Thread)):
        return None
    return channel.permissions_for(guild.me)


def may_write(permissions: discord.Permissions | None, message: discord.Message) -> bool:
    if permissions is None:
        return True
    in_thread = isinstance(message.channel, discord.Thread)
    return permissions.send_messages_in_threads if in_thread else permissions.send_messages


async def reply_with_answer(message: discord.Message, answer: Answer, sources_command: str,
                            answer_id: str | None = None) -> None:
    """Reply to `message` with `answer`, in the richest form the channel allows, with 👍 / 👎 for
    `answer_id` (none without)."""
    permissions = channel_permissions(message)
    if not may_write(permissions, message):
        log.info("cannot send in channel %s: missing Send Messages; message %s not answered", message.channel.id, message.id)
        return
    if permissions is None or permissions.embed_links:
        embed, view = render_discord_reply(answer, sources_command, message.author.id, answer_id)
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        try:
            await _reply(message, permissions, embed=embed, allowed_mentions=NO_MENTIONS, **extra)
            return
        except discord.Forbidden:
            pass  # the permissions changed since they were cached: try plain text
    votes = vote_view(answer_id, message.author.id) if answer.answered and answer.hits else None
    try:
        await _reply(message, permissions, render_plain_reply(answer, sources_command), allowed_mentions=NO_MENTIONS,
                     **({"view": votes} if votes is not None else {}))
    except discord.Forbidden as refused:
        log.info("cannot send in channel %s (%s); message %s not answered", message.channel.id, refused.text, message.id)


async def reply_briefly(message: discord.Message, text: str, delete_after: float | None = None) -> None:
    """A short text reply, when the channel allows one; else one log line."""
    if not may_write(channel_permissions(message), message):
        log.info("cannot send in channel %s: missing Send Messages", message.channel.id)
        return
    try:
        await _reply(message, channel_permissions(message), text, allowed_mentions=NO_MENTIONS, delete_after=delete_after)
    except discord.Forbidden as refused:
        log.info("cannot send in channel %s (%s)", message.channel.id, refused.text)


async def _reply(message: discord.Message, permissions: discord.Permissions | None, *args: Any, **kwargs: Any) -> discord.Message:
    """`message.reply(...)`; where the bot may not read the channel's history, which a reply
    (its message_reference) needs, the same message without the reference, in the channel."""
    if permissions is not None and not permissions.read_message_history:
        return await message.channel.send(*args, **kwargs)
    try:
        return await message.reply(*args, **kwargs)
    except discord.Forbidden as refused:
        if refused.code != MISSING_PERMISSIONS:
            raise
        # The cached permissions said yes; Discord says no: perhaps only to the reference.
        return await message.channel.send(*args, **kwargs)


async def react(message: discord.Message, emoji: str) -> None:
    """Acknowledge `message` with a reaction, when the channel allows it (else nothing)."""
    permissions = channel_permissions(message)
    if permissions is not None and not (permissions.add_reactions and permissions.read_message_history):
        return
    try:
        await message.add_reaction(emoji)
    except discord.Forbidden:
        pass  # a reaction is a courtesy: nothing is lost without it
