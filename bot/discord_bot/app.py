"""Wiring the Discord bot from settings: `run(settings, engine)` is all `python -m bot discord` calls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
from typing import Any

import aiohttp
import discord

from bot.discord_bot.client import QuotesClient
from bot.discord_bot.command_sync import CommandSync
from bot.discord_bot.shards import syncs_commands
from bot.feedback.store import FeedbackRecorder, open_feedback
from bot.runtime.health import Readiness, start_health_server
from bot.runtime.log_redaction import redact_secrets_in_logs
from bot.runtime.rate_limit import RateLimiter
from bot.runtime.settings import Settings, SettingsError, database_passwords, require_token
from retrieval import Engine
from retrieval.cache.index_cache import default_cache_dir

log = logging.getLogger(__name__)

# How long a stopping bot waits for the questions it is answering (docker stop gives 10-15 s).
SHUTDOWN_GRACE_SECONDS = 8.0
# How long closing the gateway and the HTTP session may take before the process ends anyway.
CLOSE_TIMEOUT_SECONDS = 5.0
# A bot token: three base64url parts joined by dots (user id, timestamp, signature).
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
# Interaction tokens are in webhook and callback URLs and in gateway payloads logged at DEBUG:
# valid 15 minutes, they let anyone post as the app in that channel.
INTERACTION_TOKEN_PATTERNS = (
    re.compile(r"(?<=/webhooks/)(\d+/)[A-Za-z0-9_.-]{20,}"),
    re.compile(r"(?<=/interactions/)(\d+/)[A-Za-z0-9_.-]{20,}"),
    re.compile(r"""(?<=['"]token['"]: ['"])()[^'"]+"""),
)


# The gateway's close code for a token it refuses (after the REST login accepted it, e.g. a
# token reset in between, or a proxy in front of the API that does not check tokens).
GATEWAY_AUTHENTICATION_FAILED = 4004
# The gateway's close code for a shard count too small for the bot's servers (at most 2,500 a shard).
GATEWAY_SHARDING_REQUIRED = 4011


class DiscordUnreachable(Exception):
    """Discord could not be reached before the bot was ever online."""


def point_at_api(base_url: str) -> None:
    """Send every Discord REST call to `base_url` (e.g. "https://discord.com/api/v10").

    discord.py keeps this in a class attribute, so it holds for the whole process; the gateway
    follows, as the client asks this API for its address (GET /gateway/bot) when it starts.
    """
    discord.http.Route.BASE = base_url.rstrip("/")


def build_client(settings: Settings, engine: Engine, readiness: Readiness | None = None,
                 feedback: FeedbackRecorder | None = None, **options: Any) -> QuotesClient:
    """The client with its engine, per-user rate limiter, readiness flags, feedback recorder
    (by default the one the settings ask for: FeedbackSchemaError when its database is newer than
    this code; the client closes it when it closes) and shards (DISCORD_SHARD_COUNT and
    DISCORD_SHARD_IDS; the process holding shard 0 syncs the commands); `options` go to
    discord.Client."""
    return QuotesClient(
        engine,
        RateLimiter(settings.rate_limit_questions, settings.rate_limit_seconds),
        readiness=readiness,
        top_k=settings.top_k,
        dev_guild_id=settings.discord_dev_guild_id,
        command_sync=CommandSync(settings.index_cache_dir or default_cache_dir(),
                                 syncs=syncs_commands(settings.discord_shard_ids)),
        feedback=feedback if feedback is not None else open_feedback(settings),
        shard_count=settings.discord_shard_count,
        shard_ids=list(settings.discord_shard_ids) if settings.discord_shard_ids is not None else None,
        **options,
    )


async def serve(settings: Settings, engine: Engine, token: str, **options: Any) -> None:
    """Start the health endpoint, log in, sync the commands and answer until SIGTERM or SIGINT;
    then stop taking questions, finish those in flight (within SHUTDOWN_GRACE_SECONDS) and close."""
    readiness = Readiness()
    readiness.index_loaded = True
    readiness.embedding = engine.embedding_progress
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    client = build_client(settings, engine, readiness, **options)  # first: a too-new feedback file stops here
    runner = await start_health_server(readiness, settings.health_port)
    running = asyncio.create_task(client.start(token))  # reconnects once online are discord.py's
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if running.done():
            _raise_start_failure(running, client, settings.discord_api_base_url, token)
        client.stop_taking_work()
        log.info("stopping: no new questions; finishing %d in flight (at most %.0f s)",
                 client.in_flight_count, SHUTDOWN_GRACE_SECONDS)
        left = await client.finish_in_flight(SHUTDOWN_GRACE_SECONDS)
        if left:
            log.warning("stopped with %d question(s) still being answered", left)
    finally:
        stopping.cancel()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.close(), CLOSE_TIMEOUT_SECONDS)
        if not running.done():
            running.cancel()
        with contextlib.suppress(BaseException):
            await running
        if runner is not None:
            await runner.shutdown()
            await runner.cleanup()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    log.info("stopped")


def _raise_start_failure(running: asyncio.Task, client: QuotesClient, api_url: str, token: str) -> None:
    """Turn why the client stopped by itself into one clear exception."""
    error = running.exception()
    if error is None:
        return
    if isinstance(error, discord.ConnectionClosed) and error.code == GATEWAY_AUTHENTICATION_FAILED:
        raise discord.LoginFailure("the gateway refused the token") from None  # as a REST 401 is
    if isinstance(error, discord.ConnectionClosed) and error.code == GATEWAY_SHARDING_REQUIRED:
        raise SettingsError(f"Discord refused {client.shard_count} shard(s) as too few for this bot's servers "
                            "(gateway close 4011, sharding required): raise DISCORD_SHARD_COUNT in every process, "
                            "or leave it and DISCORD_SHARD_IDS empty for the count Discord recommends") from None
    if isinstance(error, (aiohttp.ClientError, OSError, asyncio.TimeoutError)) and not client.readiness.connected:
        shape = "" if TOKEN_SHAPE.match(token) else "; also, DISCORD_BOT_TOKEN does not look like a bot token " \
                                                        "(three parts separated by dots)"
        raise DiscordUnreachable(f"could not reach Discord at {api_url} ({_reason(error)}){shape}") from None
    raise error


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.split("\n")[0]


def run(settings: Settings, engine: Engine) -> None:
    """Run the Discord bot until SIGTERM or SIGINT; SettingsError when the token is missing or
    refused, ConnectionError (one line) when Discord cannot be reached at start."""
    token = require_token(settings, "discord_bot_token")
    redact_secrets_in_logs([token, *database_passwords(settings)], patterns=INTERACTION_TOKEN_PATTERNS)
    point_at_api(settings.discord_api_base_url)
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # a text-only bot needs no voice libraries
    try:
        asyncio.run(serve(settings, engine, token))
    except discord.LoginFailure:
        raise SettingsError("DISCORD_BOT_TOKEN was refused by Discord: copy the token again from the Bot page "
                            "of your application at https://discord.com/developers/applications") from None
    except DiscordUnreachable as unreachable:
        raise ConnectionError(str(unreachable)) from None
