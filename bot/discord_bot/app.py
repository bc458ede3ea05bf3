"""Wiring the Discord bot from settings: `run(settings, engine)` is all `python -m bot discord` calls."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.discord_bot.client import QuotesClient
from bot.health import Readiness, start_health_server
from bot.log_redaction import redact_secrets_in_logs
from bot.rate_limit import RateLimiter
from bot.settings import Settings, SettingsError, require_token
from retrieval import Engine

log = logging.getLogger(__name__)


def point_at_api(base_url: str) -> None:
    """Send every Discord REST call to `base_url` (e.g. "https://discord.com/api/v10").

    discord.py keeps this in a class attribute, so it holds for the whole process; the gateway
    follows, as the client asks this API for its address (GET /gateway/bot) when it starts.
    """
    discord.http.Route.BASE = base_url.rstrip("/")


def build_client(settings: Settings, engine: Engine, readiness: Readiness | None = None, **options: Any) -> QuotesClient:
    """The client with its engine, per-user rate limiter and readiness flags; `options` go to discord.Client."""
    return QuotesClient(
        engine,
        RateLimiter(settings.rate_limit_questions, settings.rate_limit_seconds),
        readiness=readiness,
        top_k=settings.top_k,
        dev_guild_id=settings.discord_dev_guild_id,
        **options,
    )


async def serve(settings: Settings, engine: Engine, token: str, **options: Any) -> None:
    """Start the health endpoint, log in, sync the commands and answer until closed."""
    readiness = Readiness()
    readiness.index_loaded = True
    runner = await start_health_server(readiness, settings.health_port)
    try:
        async with build_client(settings, engine, readiness, **options) as client:
            await client.start(token)  # reconnects are discord.py's
    finally:
        if runner is not None:
            await runner.cleanup()


def run(settings: Settings, engine: Engine) -> None:
    """Run the Discord bot until interrupted; SettingsError when the token is missing or refused."""
    token = require_token(settings, "discord_bot_token")
    redact_secrets_in_logs([token])
    point_at_api(settings.discord_api_base_url)
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # a text-only bot needs no voice libraries
    try:
        asyncio.run(serve(settings, engine, token))
    except discord.LoginFailure:
        raise SettingsError("DISCORD_BOT_TOKEN was refused by Discord: copy the token again from the Bot page "
                            "of your application at https://discord.com/developers/applications") from None
    except KeyboardInterrupt:
        log.info("stopped")
