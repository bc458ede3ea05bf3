"""The "More" button: its custom id holds the next offset; the question lives in the reply's footer.

A DynamicItem is matched by its custom id after a restart too. The id carries a checksum of the
question, so a reply whose footer no longer holds that question is reported as expired.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import discord

from bot.discord_bot.context import ClientContext

# Marks the footer line that holds the question; footers are plain text, so it is kept exactly.
QUESTION_MARK = "❓ "
# The asker's id is optional: buttons sent before it was kept still work (anyone pages privately).
MORE_TEMPLATE = re.compile(r"more:(?P<offset>[0-9]{1,5}):(?P<check>[0-9a-f]{8})(?::(?P<asker>[0-9]{1,20}))?")


def question_check(question: str) -> str:
    """A short checksum of the question, to tell it was not lost or changed."""
    return f"{zlib.crc32(question.encode('utf-8')):08x}"


def question_footer(question: str) -> str:
    """The footer text that carries the question."""
    return QUESTION_MARK + question


def footer_question(message: discord.Message | None) -> str | None:
    """The question an answer of the bot's answers (from its footer), or None for any other message."""
    for embed in message.embeds if message else ():
        text = embed.footer.text or ""
        if text.startswith(QUESTION_MARK):
            return text[len(QUESTION_MARK):]
    return None


def question_in(message: discord.Message | None, check: str) -> str | None:
    """The question of the reply `message`, when its footer still holds it; else None."""
    for embed in message.embeds if message else ():
        text = embed.footer.text or ""
        if text.startswith(QUESTION_MARK):
            question = text[len(QUESTION_MARK):]
            if question_check(question) == check:
                return question
    return None


class MoreButton(discord.ui.DynamicItem[discord.ui.Button], template=MORE_TEMPLATE):
    """Shows the results after `offset` for the question of the message it is on: in place for
    the asker (`asker_id`), privately for anyone else."""

    def __init__(self, offset: int, check: str, label: str = "More", asker_id: int | None = None) -> None:
        custom_id = f"more:{offset}:{check}" + (f":{asker_id}" if asker_id else "")
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id))
        self.offset = offset
        self.check = check
        self.asker_id = asker_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> "MoreButton":
        asker = int(match["asker"]) if match["asker"] else None
        return cls(int(match["offset"]), match["check"], item.label or "More", asker)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client: ClientContext = interaction.client
        await client.show_more(interaction, self.offset, self.check, self.asker_id)
