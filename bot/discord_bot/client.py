"""The Discord client: owns the command tree, answers mentions and DMs, and reports readiness."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import discord
import yarl
from discord import app_commands

from bot.discord_bot.commands import AskingTooFast, build_commands
from bot.discord_bot.more_button import MoreButton, question_in
from bot.discord_bot.render import render_discord_reply
from bot.discord_bot.replies import NO_MENTIONS, report_failure, send_answer, send_private
from bot.discord_bot.wording import locale_language
from bot.messages import apology, button_expired, too_fast
from bot.health import Readiness
from bot.rate_limit import RateLimiter
from retrieval import Answer, Engine

log = logging.getLogger(__name__)


class QuotesClient(discord.Client):
    """Answers /ask, the message menu, "More", @mentions and DMs with one call of the engine each.

    Needs no privileged intent: Discord still sends the text of messages that mention the bot
    and of DMs. `options` go to discord.Client (e.g. `guild_ready_timeout`).
    """

    def __init__(
        self,
        engine: Engine,
        limiter: RateLimiter,
        readiness: Readiness | None = None,
        top_k: int = 3,
        dev_guild_id: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS, **options)
        self.engine = engine
        self.limiter = limiter
        self.readiness = readiness or Readiness()
        self.top_k = top_k
        self.dev_guild_id = dev_guild_id
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self.on_app_command_error
        for command in build_commands():
            self.tree.add_command(command)
        self._mentions: dict[str, str] = {}

    async def setup_hook(self) -> None:
        """Connect to the gateway the API names, register "More" and sync the commands."""
        # A plain Client dials Discord's default gateway; ask the API in use instead (process-wide).
        _, gateway, _ = await self.http.get_bot_gateway()
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
        self.add_dynamic_items(MoreButton)
        guild = discord.Object(self.dev_guild_id) if self.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        self._mentions = {command.name: command.mention for command in synced}
        log.info("synced %d commands %s", len(synced), f"to guild {self.dev_guild_id}" if guild else "globally")

    def mention_of(self, command: str) -> str:
        """A clickable mention of a slash command, or its plain name before the sync."""
        return self._mentions.get(command, f"/{command}")

    async def answer(self, question: str, offset: int = 0) -> Answer:
        """The engine's answer, computed off the event loop."""
        return await asyncio.to_thread(self.engine.answer, question, self.top_k, offset)

    async def on_ready(self) -> None:
        self.readiness.connected = True
        log.info("connected to Discord as %s (%s)", self.user, self.user.id if self.user else "?")

    async def on_resumed(self) -> None:
        self.readiness.connected = True

    async def on_disconnect(self) -> None:
        self.readiness.connected = False

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """A private note when asking too fast; for anything else, a log entry and an apology."""
        if isinstance(error, AskingTooFast):
            await send_private(interaction, too_fast(locale_language(interaction.locale), error.retry_after))
            return
        await report_failure(interaction, getattr(error, "original", error))

    async def show_more(self, interaction: discord.Interaction, offset: int, check: str) -> None:
        """The next results for the question on the message whose "More" button was pressed."""
        lang = locale_language(interaction.locale)
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
            await interaction.response.defer(ephemeral=private, thinking=True)
            await send_answer(interaction, await self.answer(question, offset), private, self.mention_of("sources"))
        except Exception as error:  # the user must hear back, whatever failed
            await report_failure(interaction, error)

    async def on_message(self, message: discord.Message) -> None:
        """Answer a DM, or a message that @mentions the bot, as a reply to it."""
        if message.author.bot or self.user is None or not self._is_addressed(message):
            return
        try:
            wait = self.limiter.retry_after(message.author.id)
            if wait:
                await message.reply(too_fast(locale_language(None), wait), allowed_mentions=NO_MENTIONS)
                return
            answer = await self.answer(self._without_my_mention(message.content))
            embed, view = render_discord_reply(answer, self.mention_of("sources"))
            extra: dict[str, Any] = {"view": view} if view is not None else {}
            await message.reply(embed=embed, allowed_mentions=NO_MENTIONS, **extra)
        except Exception as error:  # the user must hear back, whatever failed
            log.error("could not answer message %s", message.id, exc_info=error)
            try:
                await message.reply(apology("en"), allowed_mentions=NO_MENTIONS)
            except discord.HTTPException:
                pass

    def _is_addressed(self, message: discord.Message) -> bool:
        if isinstance(message.channel, discord.DMChannel):
            return True
        # Not `mentioned_in`: that is also true for @everyone, and the bot must not answer those.
        return self.user is not None and any(user.id == self.user.id for user in message.mentions)

    def _without_my_mention(self, content: str) -> str:
        my_id = self.user.id if self.user else 0
        return re.sub(rf"<@!?{my_id}>", " ", content).strip()
