"""The application commands: /ask, /sources, /help and the "Ask the articles" message menu.

Each callback defers, asks the core once, and sends the rendered reply. What it needs comes
from the client that received the interaction (`interaction.client`, as bot.discord_bot.context
types it), which receives it in its constructor.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord_bot.context import ClientContext
from bot.discord_bot.discord_markup import without_addressing
from bot.discord_bot.incoming import message_text, name_lookup, readable_question
from bot.discord_bot.render import render_help, render_sources
from bot.discord_bot.replies import NO_MENTIONS, send_answer, send_private
from bot.discord_bot.wording import locale_language, nothing_to_read, only_attachments
from bot.runtime.messages import empty_question
from retrieval.engine import MAX_QUESTION_CHARS

CONTEXT_MENU_NAME = "Ask the articles"


class AskingTooFast(app_commands.CheckFailure):
    """The user asked more often than the rate limit allows."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after:.1f} s")
        self.retry_after = retry_after


def within_rate_limit(interaction: discord.Interaction) -> bool:
    """Counts the question; AskingTooFast when the user must wait."""
    client: ClientContext = interaction.client
    wait = client.limiter.retry_after(interaction.user.id)
    if wait:
        raise AskingTooFast(wait)
    return True


def build_commands() -> list[app_commands.Command | app_commands.ContextMenu]:
    """Fresh command objects for one client's tree."""

    @app_commands.command()
    @app_commands.describe(question="What you want to know about the articles", private="Only you see the reply")
    @app_commands.check(within_rate_limit)
    async def ask(interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],  # what the engine reads
                  private: bool = False) -> None:
        """Answer a question by quoting the articles, with links to the sources."""
        client: ClientContext = interaction.client
        names = name_lookup(interaction.client, guild=interaction.guild)
        asked = readable_question(question, names)
        if not without_addressing(asked):  # only "@someone", "#channel" or dates: nothing to look up
            await send_private(interaction, empty_question(locale_language(interaction.locale)))
            return
        async with client.in_flight(interaction):
            await interaction.response.defer(ephemeral=private, thinking=True)
            answer = await client.answer(asked)
            answer_id = client.record_question(interaction.user.id, answer, names)
            await send_answer(interaction, answer, private, client.mention_of("sources"), answer_id)

    @app_commands.command()
    async def sources(interaction: discord.Interaction) -> None:
        """List the articles I quote, with publishers, dates and links."""
        client: ClientContext = interaction.client
        async with client.in_flight(interaction):  # a shutdown waits for the list too
            await interaction.response.defer(ephemeral=True, thinking=True)
            for embed in render_sources(client.engine.articles, locale_language(interaction.locale)):
                await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="help")
    async def help_(interaction: discord.Interaction) -> None:
        """How to ask me questions."""
        client: ClientContext = interaction.client
        embed = render_help(locale_language(interaction.locale), client.mention_of("ask"), client.mention_of("sources"), CONTEXT_MENU_NAME)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.context_menu(name=CONTEXT_MENU_NAME)
    @app_commands.check(within_rate_limit)
    async def ask_about_message(interaction: discord.Interaction, message: discord.Message) -> None:
        client: ClientContext = interaction.client
        names = name_lookup(interaction.client, message)
        text = readable_question(message_text(message), names)
        if not text:
            lang = locale_language(interaction.locale)
            unreadable = message.attachments or message.stickers
            await send_private(interaction, only_attachments(lang) if unreadable else nothing_to_read(lang))
            return
        async with client.in_flight(interaction):
            await interaction.response.defer(thinking=True)
            answer = await client.answer(text)
            answer_id = client.record_question(interaction.user.id, answer, names)
            await send_answer(interaction, answer, False, client.mention_of("sources"), answer_id)

    return [ask, sources, help_, ask_about_message]
