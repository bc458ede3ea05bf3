"""The Discord client: owns the command tree, answers mentions and DMs, and reports readiness."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import discord
from discord import app_commands

from bot.discord_bot.channel_replies import react, reply_briefly, reply_with_answer
from bot.discord_bot.command_sync import CommandSync
from bot.discord_bot.commands import AskingTooFast, build_commands
from bot.discord_bot.discord_markup import without_addressing
from bot.discord_bot.incoming import (
    addresses_me,
    message_text,
    my_role,
    name_lookup,
    readable_question,
    without_my_mentions,
)
from bot.discord_bot.localisation import CommandTranslator
from bot.discord_bot.more_button import MoreButton, footer_question, question_in
from bot.discord_bot.render import render_discord_reply
from bot.discord_bot.replies import NO_MENTIONS, report_failure, send_answer, send_private
from bot.discord_bot.wording import locale_language, shutting_down, too_fast_brief
from bot.messages import apology, button_expired, too_fast
from bot.health import Readiness
from bot.rate_limit import RateLimiter
from retrieval import Answer, Engine
from retrieval.engine import MAX_QUESTION_CHARS
from retrieval.language import detect_language
from retrieval.small_talk import is_small_talk

log = logging.getLogger(__name__)

# Said to a reply that only thanks the bot or chats: a reaction, not another answer.
ACKNOWLEDGEMENT = "👍"


class QuotesClient(discord.AutoShardedClient):
    """Answers /ask, the message menu, "More", @mentions and DMs with one call of the engine each.

    Needs no privileged intent: Discord still sends the text of messages that mention the bot
    (or its role) and of DMs. Shards itself as Discord asks (one process per token).
    `options` go to discord.AutoShardedClient (e.g. `guild_ready_timeout`).
    """

    def __init__(
        self,
        engine: Engine,
        limiter: RateLimiter,
        readiness: Readiness | None = None,
        top_k: int = 3,
        dev_guild_id: int | None = None,
        command_sync: CommandSync | None = None,
        **options: Any,
    ) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS, **options)
        self.engine = engine
        self.limiter = limiter
        self.readiness = readiness or Readiness()
        self.top_k = top_k
        self.dev_guild_id = dev_guild_id
        self.command_sync = command_sync or CommandSync(None)
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self.on_app_command_error
        self.tree.interaction_check = self._taking_new_work
        for command in build_commands():
            self.tree.add_command(command)
        self._mentions: dict[str, str] = {}
        self.accepting = True
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def setup_hook(self) -> None:
        """Register "More", translate the commands and sync them when their definitions changed."""
        self.add_dynamic_items(MoreButton)
        await self.tree.set_translator(CommandTranslator())
        guild = discord.Object(self.dev_guild_id) if self.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        commands = await self.command_sync.sync(self.tree, guild)
        self._mentions = {command.name: command.mention for command in commands}

    def mention_of(self, command: str) -> str:
        """A clickable mention of a slash command, or its plain name before the sync."""
        return self._mentions.get(command, f"/{command}")

    async def answer(self, question: str, offset: int = 0) -> Answer:
        """The engine's answer, computed off the event loop. The engine is not asked about the
        "@names" and "#channels" in `question`, which the answer still shows as asked."""
        asked = without_addressing(question)
        answer = await asyncio.to_thread(self.engine.answer, asked or question, self.top_k, offset)
        if asked != question and asked and len(question) <= MAX_QUESTION_CHARS:
            answer = dataclasses.replace(answer, question=question)
        return answer

    # --- shutting down: no new work, finish what is in flight -------------------------------

    @contextlib.asynccontextmanager
    async def in_flight(self) -> AsyncIterator[None]:
        """Counts a question being answered, so a shutdown can wait for it."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    def stop_taking_work(self) -> None:
        """From now on new questions get a short "restarting" note instead of an answer."""
        self.accepting = False

    async def finish_in_flight(self, within: float) -> int:
        """Wait up to `within` seconds for the questions being answered; returns how many are left."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within)
        return self._in_flight

    async def _taking_new_work(self, interaction: discord.Interaction) -> bool:
        if self.accepting:
            return True
        await send_private(interaction, shutting_down(locale_language(interaction.locale)))
        return False

    # --- the gateway ------------------------------------------------------------------------

    async def on_ready(self) -> None:
        self.readiness.connected = True
        log.info("connected to Discord as %s (%s) with %d shard(s)", self.user, self.user.id if self.user else "?",
                 self.shard_count or 1)

    async def on_resumed(self) -> None:
        self.readiness.connected = True

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.readiness.connected = True

    async def on_disconnect(self) -> None:
        self.readiness.connected = False

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.readiness.connected = False

    async def close(self) -> None:
        self.readiness.connected = False  # closing: no longer healthy
        await super().close()

    # --- interactions -----------------------------------------------------------------------

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """A private note when asking too fast; for anything else, a log entry and an apology."""
        if isinstance(error, AskingTooFast):
            await send_private(interaction, too_fast(locale_language(interaction.locale), error.retry_after))
            return
        if isinstance(error, app_commands.CheckFailure) and not self.accepting:
            return  # told "restarting" already
        await report_failure(interaction, getattr(error, "original", error))

    async def show_more(self, interaction: discord.Interaction, offset: int, check: str, asker_id: int | None) -> None:
        """The next results for the question on the message whose "More" button was pressed: the
        asker's message turns the page in place; anyone else gets the page privately."""
        lang = locale_language(interaction.locale)
        if not await self._taking_new_work(interaction):
            return
        async with self.in_flight():
            try:
                question = question_in(interaction.message, check)
                if question is None:
                    await send_private(interaction, button_expired(lang))
                    return
                wait = self.limiter.retry_after(interaction.user.id)
                if wait:
                    await send_private(interaction, too_fast(lang, wait))
                    return
                private = bool(interaction.message and interaction.message.flags.ephemeral)
                if asker_id == interaction.user.id or (private and asker_id is None):
                    await interaction.response.defer()  # the page turns in place
                    answer = await self.answer(question, offset)
                    embed, view = render_discord_reply(answer, self.mention_of("sources"), asker_id)
                    await interaction.edit_original_response(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
                    return
                await interaction.response.defer(ephemeral=True, thinking=True)
                await send_answer(interaction, await self.answer(question, offset), True, self.mention_of("sources"))
            except Exception as error:  # the user must hear back, whatever failed
                await report_failure(interaction, error)

    # --- messages ---------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Answer a DM, or a message that @mentions the bot or its role, as a reply to it; a reply
        to one of its answers is a follow-up (thanks get a reaction)."""
        if message.author.bot or self.user is None:
            return
        earlier = self._answer_replied_to(message)
        if not addresses_me(message, self.user) and earlier is None:
            return
        if not self.accepting:
            await reply_briefly(message, shutting_down(detect_language(message.content)))
            return
        async with self.in_flight():
            try:
                await self._answer_message(message, earlier)
            except Exception as error:  # the user must hear back, whatever failed
                log.error("could not answer message %s", message.id, exc_info=error)
                with contextlib.suppress(discord.HTTPException):
                    await message.reply(apology("en"), allowed_mentions=NO_MENTIONS)

    async def _answer_message(self, message: discord.Message, earlier: str | None) -> None:
        assert self.user is not None
        lookup = name_lookup(self, message)
        text = readable_question(without_my_mentions(message.content, self.user, my_role(message)), lookup)
        if earlier is not None:
            if not message.content.strip():
                return  # a reply that did not ping the bot: Discord withheld its text
            if is_small_talk(text):
                await react(message, ACKNOWLEDGEMENT)
                return
            text = f"{earlier} {text}"
        else:
            text = self._with_replied_text(message, text, lookup)
        wait = self.limiter.retry_after(message.author.id)
        if wait:
            # A mention cannot be answered privately: say it briefly, and only until it is over.
            await reply_briefly(message, too_fast_brief(detect_language(text), wait), delete_after=max(wait, 5.0))
            return
        async with self._typing_in(message):
            answer = await self.answer(text)
        await reply_with_answer(message, answer, self.mention_of("sources"))

    def _answer_replied_to(self, message: discord.Message) -> str | None:
        """The question of the bot's answer that `message` replies to, if it replies to one."""
        replied = message.reference.resolved if message.reference else None
        if isinstance(replied, discord.Message) and self.user is not None and replied.author.id == self.user.id:
            return footer_question(replied)
        return None

    def _with_replied_text(self, message: discord.Message, text: str, lookup) -> str:
        """A question that replies to someone's message is asked about that message too."""
        replied = message.reference.resolved if message.reference else None
        if not isinstance(replied, discord.Message):
            return text
        assert self.user is not None
        context = readable_question(without_my_mentions(message_text(replied), self.user, my_role(message)), lookup)
        return f"{context} {text}".strip() if context else text

    def _typing_in(self, message: discord.Message) -> contextlib.AbstractAsyncContextManager[Any]:
        """"typing…" in the channel while the answer is computed, where the bot may write."""
        permissions = message.channel.permissions_for(message.guild.me) if message.guild and message.guild.me \
            and isinstance(message.channel, (discord.abc.GuildChannel, discord.Thread)) else None
        if permissions is not None and not permissions.send_messages:
            return contextlib.nullcontext()
        return _quiet_typing(message.channel)


@contextlib.asynccontextmanager
async def _quiet_typing(channel: discord.abc.Messageable) -> AsyncIterator[None]:
    """The typing indicator, whose failure never stops an answer."""
    try:
        typing = channel.typing()
        await typing.__aenter__()
    except discord.HTTPException:
        typing = None
    try:
        yield
    finally:
        if typing is not None:
            with contextlib.suppress(discord.HTTPException):
                await typing.__aexit__(None, None, None)
