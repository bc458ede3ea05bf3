"""The Discord client: owns the command tree, answers mentions and DMs, and reports readiness."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
from concurrent.futures import ThreadPoolExecutor
import logging
from collections.abc import AsyncIterator
from typing import Any

import discord
import yarl
from discord import app_commands

from bot.discord_bot.channel_replies import reply_briefly
from bot.discord_bot.command_sync import CommandSync
from bot.discord_bot.commands import AskingTooFast, build_commands
from bot.discord_bot.discord_markup import NamesSeen, with_neutral_names, without_addressing
from bot.discord_bot.incoming import name_lookup
from bot.discord_bot.localisation import CommandTranslator
from bot.discord_bot.mentions import answer_message, is_for_me
from bot.discord_bot.more_button import MoreButton, question_in
from bot.discord_bot.render import render_discord_reply
from bot.discord_bot.replies import NO_MENTIONS, report_failure, send_answer, send_private
from bot.discord_bot.shards import SYNCING_SHARD
from bot.discord_bot.vote_buttons import VoteButton, votes_on, with_vote_shown
from bot.discord_bot.wording import locale_language, shutting_down
from bot.feedback.store import FeedbackRecorder, NoFeedback
from bot.feedback.vote_data import VOTE_LABELS, Vote
from bot.runtime.messages import apology, button_expired, no_more_results, too_fast, vote_recorded
from bot.runtime.health import Readiness
from bot.runtime.settings import format_shard_ids
from bot.runtime.rate_limit import RateLimiter
from retrieval import Answer, Engine
from retrieval.engine import MAX_QUESTION_CHARS, prepare_question
from retrieval.text.language import detect_language

log = logging.getLogger(__name__)

# How questions and votes from this bot are told apart from Telegram's in the feedback store.
PLATFORM = "discord"
# How long the "restarting" notes to questions cut off by a shutdown may take to go out: the
# session closes after them, and a slow Discord must not hold the shutdown up.
CUT_OFF_NOTE_SECONDS = 1.5
# A process that does not sync the commands fetches them this often until they are all there
# (for their clickable mentions), this many times at most.
COMMAND_REFETCH_SECONDS = 30.0
COMMAND_REFETCHES = 20


class QuotesClient(discord.AutoShardedClient):
    """Answers /ask, the message menu, "More", @mentions and DMs with one call of the engine each.

    Needs no privileged intent: Discord still sends the text of messages that mention the bot
    (or its role) and of DMs. Shards itself as Discord asks, unless `options` name a
    `shard_count` (and the `shard_ids` this process holds, of several sharing one token).
    `options` go to discord.AutoShardedClient (e.g. `guild_ready_timeout`). Its commands and
    buttons reach it as `interaction.client`, typed by what they use of it (ClientContext).
    """

    def __init__(
        self,
        engine: Engine,
        limiter: RateLimiter,
        readiness: Readiness | None = None,
        top_k: int = 3,
        dev_guild_id: int | None = None,
        command_sync: CommandSync | None = None,
        feedback: FeedbackRecorder | None = None,
        command_refetch_seconds: float = COMMAND_REFETCH_SECONDS,
        **options: Any,
    ) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS, **options)
        self.engine = engine
        self.limiter = limiter
        self.readiness = readiness or Readiness()
        self.top_k = top_k
        self.dev_guild_id = dev_guild_id
        self.command_sync = command_sync or CommandSync(None)
        self.feedback = feedback if feedback is not None else NoFeedback()
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self.on_app_command_error
        self.tree.interaction_check = self._taking_new_work
        for command in build_commands():
            self.tree.add_command(command)
        self._mentions: dict[str, str] = {}
        # One question at a time, off the event loop: retrieval is CPU-bound Python, so more
        # threads would only fight the event loop for the GIL (as in the Telegram bot).
        self._engine_thread = ThreadPoolExecutor(1, thread_name_prefix="engine")
        self.accepting = True
        self._in_flight = 0
        # Each task answering, with the interaction it answers (None for a message).
        self._in_flight_tasks: dict[asyncio.Task, discord.Interaction | None] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self.command_refetch_seconds = command_refetch_seconds
        self._refetching: asyncio.Task | None = None

    async def setup_hook(self) -> None:
        """Register "More" and the votes, translate the commands and sync them when their definitions changed."""
        self.add_dynamic_items(MoreButton, VoteButton)
        await self.tree.set_translator(CommandTranslator())
        guild = discord.Object(self.dev_guild_id) if self.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        commands = await self.command_sync.sync(self.tree, guild)
        self._mentions = {command.name: command.mention for command in commands}
        if not self.command_sync.all_registered(self.tree, guild, commands):
            # Another process syncs them and has not yet: their mentions come once it has.
            self._refetching = asyncio.create_task(self._fetch_commands_until_registered(guild))

    async def _fetch_commands_until_registered(self, guild: discord.abc.Snowflake | None) -> None:
        """Fetch the commands every COMMAND_REFETCH_SECONDS until the process that syncs them
        has registered them all (at most COMMAND_REFETCHES times), for their mentions."""
        for _ in range(COMMAND_REFETCHES):
            await asyncio.sleep(self.command_refetch_seconds)
            try:
                commands = await self.tree.fetch_commands(guild=guild)
            except discord.HTTPException as failure:
                log.warning("could not fetch the commands: %s", failure)
                continue
            self._mentions = {command.name: command.mention for command in commands}
            if self.command_sync.all_registered(self.tree, guild, commands):
                log.info("the commands are registered now (%d)", len(commands))
                return
        log.warning("the commands are still not all registered: is the process holding shard %d running?",
                    SYNCING_SHARD)

    def mention_of(self, command: str) -> str:
        """A clickable mention of a slash command, or its plain name before the sync."""
        return self._mentions.get(command, f"/{command}")

    async def answer(self, question: str, offset: int = 0, earlier: str | None = None) -> Answer:
        """The engine's answer (the page after `offset`, for "More"; a follow-up of the question
        `earlier`, whose answer `question` replies to), computed off the event loop. The engine
        is not asked about the "@names" and "#channels" in `question`, which the answer still
        shows as asked."""
        asked = without_addressing(question)
        loop = asyncio.get_running_loop()
        if offset:
            ask = functools.partial(self.engine.answer_page, asked or question, self.top_k, offset)
        else:
            ask = functools.partial(self.engine.answer, asked or question, self.top_k, earlier=earlier)
        answer = await loop.run_in_executor(self._engine_thread, ask)
        searched_alone = earlier is None or answer.question == prepare_question(asked or question).text
        if asked != question and asked and len(question) <= MAX_QUESTION_CHARS and searched_alone:
            # Cleaned as the engine cleans what it reads: this text is shown and recorded.
            answer = dataclasses.replace(answer, question=prepare_question(question).text)
        return answer

    def record_question(self, user_id: int, answer: Answer, names: NamesSeen | None = None) -> str | None:
        """Record a question's first answer (never the pages of "More"); the id its 👍 / 👎
        carry, None when there are to be none (FEEDBACK=off). Names are never stored: those
        `names` gave the question, and any other "@name", are kept as "@user", "@role", "#channel"."""
        neutral = with_neutral_names(answer.question, names.seen if names is not None else {})
        if neutral != answer.question:
            answer = dataclasses.replace(answer, question=neutral)
        return self.feedback.record_question(PLATFORM, user_id, answer)

    # --- shutting down: no new work, finish what is in flight -------------------------------

    @contextlib.asynccontextmanager
    async def in_flight(self, interaction: discord.Interaction | None = None) -> AsyncIterator[None]:
        """Counts a question being answered, so a shutdown can wait for it; a shutdown that cuts
        off the answer to `interaction` tells its user it is restarting."""
        self._in_flight += 1
        self._idle.clear()
        task = asyncio.current_task()
        if task is not None:
            self._in_flight_tasks[task] = interaction
        try:
            yield
        finally:
            self._in_flight_tasks.pop(task, None)
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    @property
    def in_flight_count(self) -> int:
        """How many questions (and lists of sources) are being answered."""
        return self._in_flight

    def stop_taking_work(self) -> None:
        """From now on new questions get a short "restarting" note instead of an answer."""
        self.accepting = False

    async def finish_in_flight(self, within: float) -> int:
        """Wait up to `within` seconds for the questions being answered; those still unanswered
        then are cancelled (before the HTTP session closes under them, which would end each in
        "Task exception was never retrieved"), and the interactions among them are told the bot
        is restarting (within CUT_OFF_NOTE_SECONDS), so no "thinking…" is left spinning.
        Returns how many were left."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within)
        left = self._in_flight
        unfinished = {task: interaction for task, interaction in self._in_flight_tasks.items() if not task.done()}
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished, timeout=1.0)
        cut_off = [interaction for task, interaction in unfinished.items()
                   if interaction is not None and (task.cancelled() or not task.done())]
        if cut_off:
            notes = asyncio.gather(*(_tell_cut_off(interaction) for interaction in cut_off), return_exceptions=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(notes, CUT_OFF_NOTE_SECONDS)
        return left

    async def _taking_new_work(self, interaction: discord.Interaction) -> bool:
        if self.accepting:
            return True
        await send_private(interaction, shutting_down(locale_language(interaction.locale)))
        return False

    # --- the gateway ------------------------------------------------------------------------

    async def launch_shards(self) -> None:
        """Ask the API for the gateway (GET /gateway/bot) and its recommended shard count, and
        connect this process's shards: all of the recommended count, or the configured
        `shard_ids` of `shard_count` (discord.py alone would dial Discord's own gateway then)."""
        if self.is_closed():
            return
        recommended, url, _ = await self.http.get_bot_gateway()
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        if self.shard_count is None:
            self.shard_count = recommended
        elif self.shard_count < recommended:
            log.warning("DISCORD_SHARD_COUNT=%d is below the %d shards Discord recommends for this bot",
                        self.shard_count, recommended)
        self.readiness.hold_shards(self.shard_ids or range(self.shard_count), self.shard_count)
        await super().launch_shards()

    async def launch_shard(self, gateway: yarl.URL, shard_id: int, *, initial: bool = False) -> None:
        """Connect a shard to the gateway the API gave (GET /gateway/bot), and make that the
        gateway of every later connection in this process: discord.py dials its built-in
        DEFAULT_GATEWAY again after an invalid session (op 9), a close 4009 or a failed resume,
        which is Discord's own address, not the one DISCORD_API_BASE_URL points at."""
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
        await super().launch_shard(gateway, shard_id, initial=initial)

    async def on_ready(self) -> None:
        held = format_shard_ids(sorted(self.readiness.shards))
        log.info("connected to Discord as %s (%s) with shard(s) %s of %d", self.user,
                 self.user.id if self.user else "?", held, self.shard_count or 1)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.readiness.shard_connected(shard_id)

    async def on_shard_ready(self, shard_id: int) -> None:
        self.readiness.shard_connected(shard_id)  # also after identifying anew (op 9, 4009, a failed resume)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.readiness.shard_connected(shard_id, False)

    async def close(self) -> None:
        self.readiness.disconnected()  # closing: no longer healthy
        if self._refetching is not None:
            self._refetching.cancel()
        await super().close()
        self._engine_thread.shutdown(wait=False)
        await asyncio.to_thread(self.feedback.close)  # the queued writes finish first

    # --- interactions -----------------------------------------------------------------------

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """A private note when asking too fast; for anything else, a log entry and an apology."""
        if isinstance(error, AskingTooFast):
            await send_private(interaction, too_fast(locale_language(interaction.locale), error.retry_after))
            return
        await report_failure(interaction, getattr(error, "original", error))

    async def show_more(self, interaction: discord.Interaction, offset: int, check: str, asker_id: int | None) -> None:
        """The next results for the question on the message whose "More" button was pressed: the
        asker's message turns the page in place; anyone else gets the page privately."""
        lang = locale_language(interaction.locale)
        if not await self._taking_new_work(interaction):
            return
        async with self.in_flight(interaction):
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
                votes = votes_on(interaction.message)  # every page votes on the first answer
                if asker_id == interaction.user.id or (private and asker_id is None):
                    await interaction.response.defer()  # the page turns in place
                    answer = await self.answer(question, offset)
                    if not answer.hits:  # a button older than the articles: keep the answer, say so aside
                        await send_private(interaction, no_more_results(lang))
                        return
                    embed, view = render_discord_reply(answer, self.mention_of("sources"), asker_id, *(votes or ()))
                    await interaction.edit_original_response(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
                    return
                await interaction.response.defer(ephemeral=True, thinking=True)
                await send_answer(interaction, await self.answer(question, offset), True, self.mention_of("sources"),
                                  votes[0] if votes else None)
            except Exception as error:  # the user must hear back, whatever failed
                await report_failure(interaction, error)

    async def take_vote(self, interaction: discord.Interaction, answer_id: str, vote: Vote, asker_id: int | None) -> None:
        """Record a 👍 / 👎 (a person's later press replaces it) and acknowledge it without a
        public message: on the asker's own (or a private) answer the button shows it pressed;
        anyone else hears back privately."""
        lang = locale_language(interaction.locale)
        try:
            if isinstance(self.feedback, NoFeedback):  # FEEDBACK=off since the answer was sent
                await send_private(interaction, button_expired(lang))
                return
            self.feedback.record_vote(PLATFORM, interaction.user.id, answer_id, vote)
            message = interaction.message
            private = bool(message and message.flags.ephemeral)
            if message is not None and (interaction.user.id == asker_id or (private and asker_id is None)):
                await interaction.response.edit_message(view=with_vote_shown(message, answer_id, vote))
            else:
                await send_private(interaction, vote_recorded(lang, VOTE_LABELS[vote]))
        except Exception as error:  # the user must hear back, whatever failed
            await report_failure(interaction, error)

    # --- messages ---------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Answer a DM, a message that @mentions the bot or its role, or a reply to one of its
        answers, as a reply to it."""
        if message.author.bot or self.user is None or not is_for_me(message, self.user):
            return
        if not self.accepting:
            await reply_briefly(message, shutting_down(detect_language(message.content)))
            return
        async with self.in_flight():
            try:
                names = name_lookup(self, message)
                await answer_message(message, self.user, self.answer, self.limiter, self.mention_of("sources"),
                                     names, functools.partial(self.record_question, names=names))
            except Exception as error:  # the user must hear back, whatever failed
                log.error("could not answer message %s", message.id, exc_info=error)
                with contextlib.suppress(discord.HTTPException):
                    await message.reply(apology("en"), allowed_mentions=NO_MENTIONS)


async def _tell_cut_off(interaction: discord.Interaction) -> None:
    """Tell the user whose answer a shutdown cut off that the bot is restarting: as the reply
    when none was sent yet, else as a private follow-up (which, after a deferral, replaces its
    "thinking…"; it never deletes an answer that did go out)."""
    note = shutting_down(locale_language(interaction.locale))
    try:
        if interaction.response.is_done():
            await interaction.followup.send(note, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(note, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as failure:
        log.warning("could not tell interaction %s the bot is restarting: %s", interaction.id, failure)
