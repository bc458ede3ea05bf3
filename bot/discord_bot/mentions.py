"""Answering messages: DMs, @mentions of the bot or its role, and replies to its answers.

Everything the answer needs is passed in (who the bot is, how to ask the engine, the rate
limiter, the /sources mention), so this module knows nothing of the client.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord

from bot.discord_bot.channel_replies import channel_permissions, may_write, react, reply_briefly, reply_with_answer
from bot.discord_bot.discord_markup import NameLookup, without_addressing
from bot.discord_bot.incoming import addresses_me, message_text, my_role, readable_question, without_my_mentions
from bot.discord_bot.more_button import footer_question
from bot.discord_bot.wording import text_not_shared, too_fast_brief
from bot.runtime.rate_limit import RateLimiter
from retrieval import Answer
from retrieval.text.language import detect_language
from retrieval.answering.small_talk import is_small_talk

# Said to a reply that only thanks the bot or chats: a reaction, not another answer.
ACKNOWLEDGEMENT = "👍"
# How long the note about a reply whose text Discord withheld stays.
NOTE_SECONDS = 30.0

# ask(question, earlier=the question of the answer replied to, or None): the engine's answer.
AskEngine = Callable[..., Awaitable[Answer]]
# Records who asked and how it went; the answer's id for its 👍 / 👎 (None: no buttons).
RecordQuestion = Callable[[int, Answer], "str | None"]


def is_for_me(message: discord.Message, me: discord.abc.User) -> bool:
    """A DM, a mention of the bot or its role, or a reply to one of its answers."""
    return addresses_me(message, me) or question_replied_to(message, me) is not None


def question_replied_to(message: discord.Message, me: discord.abc.User) -> str | None:
    """The question of the bot's answer that `message` replies to, if it replies to one."""
    replied = message.reference.resolved if message.reference else None
    if isinstance(replied, discord.Message) and replied.author.id == me.id:
        return footer_question(replied)
    return None


async def question_that_started_thread(message: discord.Message, me: discord.abc.User) -> str | None:
    """In a thread started from one of the bot's answers, that answer's question (from its footer;
    the thread's first message is fetched when not cached, as after a restart)."""
    thread = message.channel
    if not isinstance(thread, discord.Thread) or thread.parent is None:
        return None
    starter = thread.starter_message
    if starter is None:
        try:
            starter = await thread.parent.fetch_message(thread.id)  # a thread started from a message shares its id
        except discord.HTTPException:
            return None  # a thread started on its own, or the history is not ours to read
    return footer_question(starter) if starter.author.id == me.id else None


async def answer_message(message: discord.Message, me: discord.abc.User, ask: AskEngine, limiter: RateLimiter,
                         sources_command: str, lookup: NameLookup, record: RecordQuestion) -> None:
    """Reply to `message` with the engine's answer (recorded with `record`), in the richest form its channel allows. A
    reply to an answer, or a mention in a thread started from one, is asked as a follow-up of its
    question (thanks get a reaction); a mention that replies to someone's message is asked about
    that message too."""
    text = readable_question(without_my_mentions(message.content, me, my_role(message)), lookup)
    earlier = question_replied_to(message, me)
    if earlier is not None:
        if not message.content.strip():
            # A reply that did not ping the bot: without the Message Content intent Discord
            # withholds its text. Say so briefly rather than nothing.
            await reply_briefly(message, text_not_shared(detect_language(earlier)), delete_after=NOTE_SECONDS)
            return
        if is_small_talk(text):
            await react(message, ACKNOWLEDGEMENT)
            return
    else:
        text = _with_replied_text(message, me, text, lookup)
        earlier = await question_that_started_thread(message, me)
    if not without_addressing(text):
        text = ""  # only mentions of people or channels: asked nothing, so told how to ask
    wait = limiter.retry_after(message.author.id)
    if wait:
        # A mention cannot be answered privately: say it briefly, and only until it is over.
        await reply_briefly(message, too_fast_brief(detect_language(text), wait), delete_after=max(wait, 5.0))
        return
    async with _typing_in(message):
        answer = await ask(text, earlier=earlier)  # a follow-up is searched with the earlier question
    await reply_with_answer(message, answer, sources_command, record(message.author.id, answer))


def _with_replied_text(message: discord.Message, me: discord.abc.User, text: str, lookup: NameLookup) -> str:
    replied = message.reference.resolved if message.reference else None
    if not isinstance(replied, discord.Message):
        return text
    context = readable_question(without_my_mentions(message_text(replied), me, my_role(message)), lookup)
    return f"{context} {text}".strip() if context else text


def _typing_in(message: discord.Message) -> contextlib.AbstractAsyncContextManager[Any]:
    """"typing…" in the channel while the answer is computed, where the bot may write."""
    if not may_write(channel_permissions(message), message):
        return contextlib.nullcontext()
    return _quiet_typing(message.channel)


@contextlib.asynccontextmanager
async def _quiet_typing(channel: discord.abc.Messageable) -> AsyncIterator[None]:
    """The typing indicator, whose failure never stops an answer."""
    typing = channel.typing()
    try:
        await typing.__aenter__()
    except discord.HTTPException:
        typing = None
    try:
        yield
    finally:
        if typing is not None:
            with contextlib.suppress(discord.HTTPException):
                await typing.__aexit__(None, None, None)
