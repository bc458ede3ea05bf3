"""Sending replies to interactions: every one with no mentions allowed."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.discord_bot.render import render_discord_reply
from bot.discord_bot.wording import locale_language
from bot.runtime.messages import apology
from retrieval import Answer

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


async def send_answer(interaction: discord.Interaction, answer: Answer, ephemeral: bool, sources_command: str = "/sources",
                      answer_id: str | None = None) -> None:
    """The rendered answer as the (deferred) interaction's follow-up; its "More" pages and its
    👍 / 👎 (for `answer_id`; none without) work in place for the user who asked."""
    embed, view = render_discord_reply(answer, sources_command, interaction.user.id, answer_id)
    extra: dict[str, Any] = {"view": view} if view is not None else {}
    await interaction.followup.send(embed=embed, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS, **extra)


async def send_private(interaction: discord.Interaction, text: str = "", **message: Any) -> None:
    """A reply only the user sees, whether or not the interaction was answered already.

    After a public defer, the first follow-up would replace the public "thinking…" message,
    so that message is deleted first and the reply goes out as a new private follow-up. After a
    button's deferred update the original response is the message the button is on (the answer
    itself): it stays.
    """
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS, **message)
        return
    if interaction.response.type == discord.InteractionResponseType.deferred_channel_message:
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            pass  # nothing to delete, or already gone
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS, **message)


async def report_failure(interaction: discord.Interaction, error: BaseException) -> None:
    """Log the error with its traceback and give the user a short private apology."""
    name = interaction.command.name if interaction.command else interaction.data.get("custom_id") if interaction.data else None
    log.error("could not answer interaction %s (%s)", interaction.id, name, exc_info=error)
    try:
        await send_private(interaction, apology(locale_language(interaction.locale)))
    except discord.HTTPException as failure:
        log.warning("could not send the apology for interaction %s: %s", interaction.id, failure)
