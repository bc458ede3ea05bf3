"""`python -m bot discord`: a clear error without a token; with one, a bot that answers and reports health."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.discord_bot.app import run
from bot.log_redaction import redact_secrets_in_logs
from bot.settings import SettingsError, load_settings
from tests.bot_process import interrupt_and_collect
from tests.discord.conftest import TOKEN, DiscordUser, embed_text

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_process(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "discord", env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


def test_run_without_a_token_says_how_to_get_one(engine):
    with pytest.raises(SettingsError, match="DISCORD_BOT_TOKEN is not set"):
        run(load_settings(), engine)


async def test_the_command_without_a_token_exits_with_the_reason_and_no_traceback():
    process = await start_process({"DISCORD_BOT_TOKEN": ""})
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "DISCORD_BOT_TOKEN is not set" in stderr.decode() and "Traceback" not in stderr.decode()


def test_a_secret_is_redacted_from_any_log_line():
    import logging

    undo = redact_secrets_in_logs([TOKEN])
    try:
        record = logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "token is %s", (TOKEN,), None)
    finally:
        undo()
    assert TOKEN not in record.getMessage() and "[redacted]" in record.getMessage()


async def test_the_command_runs_the_bot_answers_reports_healthy_and_never_logs_the_token(discord_api, cache_dir):
    health_port = free_port()
    process = await start_process({
        "DISCORD_BOT_TOKEN": TOKEN, "DISCORD_API_BASE_URL": discord_api.api_url, "HEALTH_PORT": str(health_port),
        "INDEX_CACHE_DIR": str(cache_dir), "LOG_LEVEL": "DEBUG",
    })
    try:
        await discord_api.wait_until(lambda: discord_api.commands or process.returncode is not None, timeout=60)
        assert process.returncode is None
        async with aiohttp.ClientSession() as session:
            async def healthy() -> bool:
                async with session.get(f"http://127.0.0.1:{health_port}/healthz") as response:
                    return response.status == 200
            for _ in range(200):
                if await healthy():
                    break
                await asyncio.sleep(0.05)
            assert await healthy()
        reply = await DiscordUser(discord_api).ask("What is the Cameo feature?")
        assert "**Cameo**" in embed_text(reply)
    finally:
        logs = await interrupt_and_collect(process)
    assert "synced 4 commands globally" in logs
    assert TOKEN not in logs
