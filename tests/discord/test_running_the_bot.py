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
from bot.runtime.log_redaction import redact_secrets_in_logs
from bot.runtime.settings import SettingsError, load_settings
from tests.bot_process import SHUTDOWN_GRACE_SECONDS, interrupt_and_collect
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
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), SHUTDOWN_GRACE_SECONDS)
    finally:
        await interrupt_and_collect(process)
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
        await discord_api.wait_until(lambda: discord_api.commands or process.returncode is not None,
                                     timeout=SHUTDOWN_GRACE_SECONDS)
        assert process.returncode is None
        async with aiohttp.ClientSession() as session:
            async def healthy() -> bool:
                try:
                    async with session.get(f"http://127.0.0.1:{health_port}/healthz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False
            deadline = asyncio.get_running_loop().time() + SHUTDOWN_GRACE_SECONDS  # a safety net only
            while not await healthy() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            assert await healthy()
        reply = await DiscordUser(discord_api).ask("What is the Cameo feature?")
        assert "**Cameo**" in embed_text(reply)
    finally:
        logs = await interrupt_and_collect(process)
    assert "synced 4 commands globally" in logs
    assert TOKEN not in logs


async def bot_process_online(discord_api, cache_dir, **env: str) -> asyncio.subprocess.Process:
    """`python -m bot discord` against the stand-in, once it has synced its commands."""
    process = await start_process({"DISCORD_BOT_TOKEN": TOKEN, "DISCORD_API_BASE_URL": discord_api.api_url,
                                   "HEALTH_PORT": "0", "INDEX_CACHE_DIR": str(cache_dir), **env})
    await discord_api.wait_until(lambda: discord_api.identified.is_set() or process.returncode is not None,
                                 timeout=SHUTDOWN_GRACE_SECONDS)
    return process


async def test_on_sigterm_the_bot_finishes_the_answer_in_flight_turns_new_questions_away_and_exits_0(discord_api, cache_dir):
    import signal

    from tests.bot_process import SHUTDOWN_GRACE_SECONDS as GRACE

    process = await bot_process_online(discord_api, cache_dir)
    logs = ""
    try:
        assert process.returncode is None
        ada = DiscordUser(discord_api)
        discord_api.hold(r"^/webhooks/")  # the answer is on its way when the stop comes
        in_flight = await ada.use("ask", question="What is the Cameo feature?")
        await discord_api.wait_until(lambda: discord_api.held, timeout=GRACE)

        process.send_signal(signal.SIGTERM)
        turned_away = None
        while turned_away is None:  # until the bot has taken the signal: a new question is told to come back
            record = await ada.use("ask", question="What is Sora 2?")
            await discord_api.wait_until(lambda: record.callback is not None, timeout=GRACE)
            if record.callback["type"] == 4:
                turned_away = record
        discord_api.release()

        _, stderr = await asyncio.wait_for(process.communicate(), GRACE)
        logs = stderr.decode()
    finally:
        discord_api.release()
        logs += await interrupt_and_collect(process)  # only does anything if the test failed early
    assert process.returncode == 0, logs
    assert "**Cameo**" in embed_text(in_flight.messages[0])
    assert "restarting" in turned_away.callback["data"]["content"] and turned_away.callback["data"]["flags"] & 64
    assert "stopping" in logs and "Traceback" not in logs


async def test_on_sigterm_a_sources_list_on_its_way_is_finished_before_the_bot_exits(discord_api, cache_dir):
    import signal

    from tests.bot_process import SHUTDOWN_GRACE_SECONDS as GRACE

    process = await bot_process_online(discord_api, cache_dir)
    logs = ""
    try:
        ada = DiscordUser(discord_api)
        payload = discord_api.slash_command("sources", ada.profile)
        discord_api.hold(rf"^/interactions/{payload['id']}/")  # "thinking…" is on its way when the stop comes
        listing = await discord_api.send_interaction(payload)
        await discord_api.wait_until(lambda: discord_api.held, timeout=GRACE)
        process.send_signal(signal.SIGTERM)
        stop_line = ""
        while "stopping:" not in stop_line:  # until the bot has taken the signal
            stop_line = (await asyncio.wait_for(process.stderr.readline(), GRACE)).decode()
            assert stop_line, "the bot exited without saying it was stopping"
        discord_api.release()
        _, stderr = await asyncio.wait_for(process.communicate(), GRACE)
        logs = stop_line + stderr.decode()
    finally:
        discord_api.release()
        logs += await interrupt_and_collect(process)
    assert process.returncode == 0, logs
    assert "finishing 1 in flight" in stop_line  # the list counts as in flight
    assert listing.messages and "articles" in embed_text(listing.messages[0]).lower()
    assert "Task exception was never retrieved" not in logs and "Traceback" not in logs


async def test_a_token_the_gateway_refuses_after_the_rest_login_is_one_line_and_exit_2(discord_api, cache_dir):
    discord_api.gateway_refuses_token = True
    process = await start_process({"DISCORD_BOT_TOKEN": TOKEN, "DISCORD_API_BASE_URL": discord_api.api_url,
                                   "HEALTH_PORT": "0", "INDEX_CACHE_DIR": str(cache_dir), "LOG_LEVEL": "WARNING"})
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), SHUTDOWN_GRACE_SECONDS)
    finally:
        await interrupt_and_collect(process)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert "Traceback" not in stderr.decode()
    assert [line for line in lines if "DISCORD_BOT_TOKEN was refused" in line] == lines[-1:]


async def test_without_network_the_command_says_in_one_line_what_it_could_not_reach(cache_dir):
    unreachable = f"http://127.0.0.1:{free_port()}/api/v10"  # nothing listens there
    process = await start_process({"DISCORD_BOT_TOKEN": "abc", "DISCORD_API_BASE_URL": unreachable,
                                   "INDEX_CACHE_DIR": str(cache_dir), "HEALTH_PORT": "0", "LOG_LEVEL": "WARNING"})
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), 120)
    finally:
        await interrupt_and_collect(process)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2  # as for Telegram, and for settings that are wrong
    assert len(lines) == 1, lines
    assert f"could not reach Discord at {unreachable}" in lines[0]
    assert "does not look like a bot token" in lines[0]


async def test_at_debug_level_interaction_tokens_are_not_logged(discord_api, cache_dir):
    process = await bot_process_online(discord_api, cache_dir, LOG_LEVEL="DEBUG")
    try:
        reply = await DiscordUser(discord_api).ask("What is the Cameo feature?")
    finally:
        logs = await interrupt_and_collect(process)
    assert "**Cameo**" in embed_text(reply)
    tokens = [record.payload["token"] for record in discord_api.interactions.values()]
    assert tokens and "/webhooks/" in logs  # the requests were logged, their tokens were not
    assert not [token for token in tokens if token in logs]
