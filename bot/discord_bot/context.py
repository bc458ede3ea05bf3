"""What the commands and buttons use of the client, which Discord hands them as `interaction.client`.

Typed here, below them, so that they need not import the client that registers them (as
python-telegram-bot's handlers get what they need from `context`, not from the Application).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

import discord

from bot.discord_bot.discord_markup import NamesSeen
from bot.feedback.vote_data import Vote
from bot.runtime.rate_limit import RateLimiter
from retrieval import Answer, Engine


class ClientContext(Protocol):
    """The state a client is built with and the answering it does, as its commands and buttons see it."""

    engine: Engine
    limiter: RateLimiter

    def mention_of(self, command: str) -> str:
        """A clickable mention of a slash command, or its plain name."""

    async def answer(self, question: str, offset: int = 0, earlier: str | None = None) -> Answer:
        """The engine's answer to `question` (the page after `offset`), off the event loop."""

    def record_question(self, user_id: int, answer: Answer, names: NamesSeen | None = None) -> str | None:
        """Record a question's first answer; the id its 👍 / 👎 carry, or None for none."""

    def in_flight(self, interaction: discord.Interaction | None = None) -> AbstractAsyncContextManager[None]:
        """Counts a question being answered, so a shutdown can wait for it."""

    async def show_more(self, interaction: discord.Interaction, offset: int, check: str, asker_id: int | None) -> None:
        """The page after `offset` for the question of the message whose "More" was pressed."""

    async def take_vote(self, interaction: discord.Interaction, answer_id: str, vote: Vote, asker_id: int | None) -> None:
        """Record a 👍 / 👎 on the answer `answer_id` and acknowledge it."""
