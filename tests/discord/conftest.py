"""The real discord.py client, logged in to a stand-in Discord on 127.0.0.1, and users to talk to it."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest

from bot.discord_bot.app import build_client, point_at_api
from bot.discord_bot.client import QuotesClient
from bot.runtime.health import Readiness
from bot.runtime.settings import load_settings
from tests.standins.discord_server import SAFETY_DEADLINE, DiscordStandIn, Guild, InteractionRecord

TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMg.stand-in.secret-token-value"


@pytest.fixture
async def discord_api(monkeypatch) -> DiscordStandIn:
    """Discord's API and gateway on a free loopback port."""
    # Both are process-wide class attributes; put them back after the test.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    stand_in = await DiscordStandIn(token=TOKEN).start()
    yield stand_in
    await stand_in.stop()


async def start_bot(discord_api: DiscordStandIn, engine, readiness: Readiness | None = None,
                    client_options: dict[str, Any] | None = None, **settings: Any) -> tuple[QuotesClient, asyncio.Task]:
    """Log the bot in against the stand-in and wait until it has synced its commands and is ready
    (`client_options` go to the client, `settings` to the settings)."""
    values = {"discord_bot_token": TOKEN, "health_port": 0, "rate_limit_questions": 1000, "rate_limit_seconds": 60}
    point_at_api(discord_api.api_url)
    client = build_client(load_settings(**(values | settings)), engine, readiness, guild_ready_timeout=0.01,
                          **(client_options or {}))
    task = asyncio.create_task(client.start(TOKEN))
    await discord_api.wait_until(lambda: client.is_ready() or task.done())
    if task.done():
        task.result()  # raise what stopped the bot
    return client, task


async def stop_bot(client: QuotesClient, task: asyncio.Task) -> None:
    """Close the bot; its task is cancelled if closing does not end it (nothing is left running)."""
    try:
        await asyncio.wait_for(client.close(), SAFETY_DEADLINE)
        await asyncio.wait_for(asyncio.shield(task), SAFETY_DEADLINE)
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
async def bot(discord_api, engine) -> QuotesClient:
    """The bot, connected and ready to answer."""
    client, task = await start_bot(discord_api, engine)
    yield client
    await stop_bot(client, task)


class DiscordUser:
    """Someone using Discord: types commands, clicks buttons, writes messages, and reads replies."""

    def __init__(self, discord_api: DiscordStandIn, name: str = "ada", user_id: str = "1300000000000000001",
                 locale: str = "en-US") -> None:
        self.discord = discord_api
        self.profile = discord_api.user(user_id, name)
        self.locale = locale

    async def use(self, command: str, dm: bool = False, guild: Guild | None = None, **options: Any) -> InteractionRecord:
        """Run a slash command with its options filled in (in `guild`, by default the first one)."""
        payload = self.discord.slash_command(command, self.profile, dm=dm, locale=self.locale, guild=guild, **options)
        return await self.discord.send_interaction(payload)

    async def ask(self, question: str, guild: Guild | None = None, **options: Any) -> dict[str, Any]:
        """/ask `question` (in `guild`, by default the first one), and the reply the user sees."""
        record = await self.use("ask", guild=guild, question=question, **options)
        return (await self.discord.reply_to(record))[0]

    async def press(self, message: dict[str, Any], label: str) -> dict[str, Any]:
        """Click the button labelled `label` on `message`, and read the reply."""
        button = next(b for b in buttons(message) if b.get("label") == label)
        payload = self.discord.button_press(message, button["custom_id"], self.profile, self.locale)
        record = await self.discord.send_interaction(payload)
        return (await self.discord.reply_to(record))[0]

    async def ask_about(self, message: dict[str, Any]) -> dict[str, Any]:
        """Right-click `message` › Apps › Ask the articles, and read the reply."""
        payload = self.discord.context_menu("Ask the articles", message, self.profile, self.locale)
        record = await self.discord.send_interaction(payload)
        return (await self.discord.reply_to(record))[0]

    def message(self, text: str, mention_bot: bool = False, dm: bool = False, mention_role: bool = False,
                **extra: Any) -> dict[str, Any]:
        """A message by this user; `mention_role` addresses the bot through its managed role."""
        mentions = ([self.discord.bot_user] if mention_bot else []) + list(extra.pop("mentions", []))
        if mention_bot:
            text = f"<@{self.discord.bot_user['id']}> {text}"
        if mention_role:
            text = f"<@&{self.discord.bot_role_id}> {text}"
            extra["mention_roles"] = [self.discord.bot_role_id]
        return self.discord.user_message(text, self.profile, dm=dm, mentions=mentions, **extra)

    async def write(self, text: str, mention_bot: bool = False, dm: bool = False, **extra: Any) -> dict[str, Any]:
        """Post a message in the guild channel (or a DM) and return it."""
        message = self.message(text, mention_bot, dm, **extra)
        await self.discord.send_message(message)
        return message

    async def reply(self, to: dict[str, Any], text: str, mention_bot: bool = False, **extra: Any) -> dict[str, Any]:
        """Reply to the message `to` (pinging its author, Discord's default) and return the reply."""
        dm = "guild_id" not in to
        return await self.write(text, mention_bot, dm, reply_to=to, **extra)


def embed_text(message: dict[str, Any]) -> str:
    """Everything a user reads in a message: its content and its embeds."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or "", (embed.get("footer") or {}).get("text") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields") or []]
    return "\n".join(p for p in parts if p)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [button for row in message.get("components") or [] for button in row.get("components") or []]


def is_private(message: dict[str, Any]) -> bool:
    return bool(message.get("flags", 0) & 64)


@pytest.fixture
def ada(discord_api) -> DiscordUser:
    return DiscordUser(discord_api)
