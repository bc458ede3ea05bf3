"""Sharding across processes: each `python -m bot discord` connects only the shards it is given
(DISCORD_SHARD_COUNT, DISCORD_SHARD_IDS), answers what Discord sends on them, and only the one
holding shard 0 syncs the commands."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from bot.runtime.healthcheck import check
from tests.bot_process import SHUTDOWN_GRACE_SECONDS, interrupt_and_wait
from tests.discord.conftest import TOKEN, DiscordUser, embed_text, start_bot, stop_bot
from tests.discord.test_running_the_bot import free_port

REPO = Path(__file__).resolve().parents[2]
QUESTION = "What is the Cameo feature?"


def command_syncs(discord_api) -> list:
    """The bulk overwrites of the commands the stand-in received (each one a sync)."""
    return [call for call in discord_api.calls if call.method == "PUT" and call.path.endswith("/commands")]


@contextlib.asynccontextmanager
async def bot_processes(discord_api, cache_dir, tmp_path, *shard_ids: str, **env: str) -> AsyncIterator[list]:
    """One `python -m bot discord` per entry of `shard_ids` (DISCORD_SHARD_IDS; DISCORD_SHARD_COUNT
    and the rest from `env`), each with its own health port, feedback file and log file (DEBUG);
    yields [(process, health port, log path)], and stops every one of them whatever happens."""
    started = []
    try:
        for ids in shard_ids:
            port, log = free_port(), tmp_path / f"shards-{ids}.log"
            settings = {"DISCORD_BOT_TOKEN": TOKEN, "DISCORD_API_BASE_URL": discord_api.api_url,
                        "INDEX_CACHE_DIR": str(cache_dir), "HEALTH_PORT": str(port), "LOG_LEVEL": "DEBUG",
                        "DISCORD_SHARD_IDS": ids, "FEEDBACK_DB_PATH": str(tmp_path / f"feedback-{ids}.sqlite3"), **env}
            with log.open("wb") as output:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "discord", env={**os.environ, "PYTHONPATH": str(REPO), **settings},
                    stdout=asyncio.subprocess.DEVNULL, stderr=output)
            started.append((process, port, log))
        yield started
    finally:
        for process, _, _ in started:
            with contextlib.suppress(TimeoutError):  # killed then: never left running
                await interrupt_and_wait(process)


async def healthz(port: int) -> tuple[int, dict | None]:
    """The status and JSON body of a process's GET /healthz (0, None while nothing listens)."""
    try:
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
            return response.status, await response.json()
    except aiohttp.ClientError:
        return 0, None


async def wait_healthy(discord_api, processes) -> list[dict]:
    """The health bodies of all `processes` once each answers 200 (a safety net, not a timing)."""
    deadline = asyncio.get_running_loop().time() + SHUTDOWN_GRACE_SECONDS
    while True:
        answers = [await healthz(port) for _, port, _ in processes]
        exited = [log.read_text() for process, _, log in processes if process.returncode is not None]
        assert not exited, exited
        if all(status == 200 for status, _ in answers):
            return [body for _, body in answers]
        assert asyncio.get_running_loop().time() < deadline, answers
        await asyncio.sleep(0.1)


async def test_two_processes_with_two_shards_each_answer_on_all_four_shards_once_and_sync_the_commands_once(
    discord_api, engine, cache_dir, tmp_path
):
    guilds = [await discord_api.add_guild(shard, 4) for shard in range(4)]  # one server on each shard
    ada = DiscordUser(discord_api)
    async with bot_processes(discord_api, cache_dir, tmp_path, "0,1", "2-3", DISCORD_SHARD_COUNT="4") as processes:
        health = await wait_healthy(discord_api, processes)
        ready, said = await asyncio.to_thread(check, processes[1][1])  # what `python -m bot.runtime.healthcheck` prints
        asked = [await ada.use("ask", guild=guild, question=QUESTION) for guild in guilds]
        replies = [(await discord_api.reply_to(record))[0] for record in asked]
        dm = ada.message(QUESTION, dm=True)
        dm_delivered_to = await discord_api.send_message(dm)
        dm_reply = (await discord_api.channel_reply(dm["channel_id"]))[0]
    logs = [log.read_text() for _, _, log in processes]

    assert discord_api.connected_shards == [] and discord_api.identifies == 4
    assert [body["shards"] for body in health] == [{"count": 4, "held": [0, 1], "connected": [0, 1]},
                                                   {"count": 4, "held": [2, 3], "connected": [2, 3]}]
    assert ready and json.loads(said)["shards"] == health[1]["shards"]
    for shard, (record, reply) in enumerate(zip(asked, replies)):
        assert record.delivered_to == [(shard, 4)]  # Discord sends it on its guild's shard only
        assert "**Cameo**" in embed_text(reply)
        callbacks = [c for c in discord_api.calls if f"/interactions/{record.payload['id']}/" in c.path]
        assert len(callbacks) == 1, f"shard {shard} answered {len(callbacks)} times"
        holder, other = (logs[0], logs[1]) if shard < 2 else (logs[1], logs[0])
        assert record.payload["id"] in holder and record.payload["id"] not in other
    assert dm_delivered_to == [(0, 4)] and "**Cameo**" in embed_text(dm_reply)  # DMs come on shard 0
    assert dm["id"] in logs[0] and dm["id"] not in logs[1]
    assert len(command_syncs(discord_api)) == 1
    assert "synced 4 commands globally" in logs[0]
    assert "commands not synced by this process (the one holding shard 0 syncs them)" in logs[1]
    assert all("Traceback" not in log for log in logs)


async def test_a_process_that_does_not_sync_gets_the_command_mentions_once_the_syncing_one_has(discord_api, engine):
    fetching, fetching_task = await start_bot(discord_api, engine, client_options={"command_refetch_seconds": 0.05},
                                              discord_shard_count=2, discord_shard_ids=(1,))
    try:
        assert fetching.mention_of("sources") == "/sources" and not command_syncs(discord_api)
        syncing, syncing_task = await start_bot(discord_api, engine, discord_shard_count=2, discord_shard_ids=(0,))
        await stop_bot(syncing, syncing_task)
        await discord_api.wait_until(lambda: fetching.mention_of("sources").startswith("</sources:"))
    finally:
        await stop_bot(fetching, fetching_task)
    assert len(command_syncs(discord_api)) == 1


async def test_a_shard_count_discord_refuses_as_too_few_is_one_line_and_exit_2(discord_api, cache_dir, tmp_path):
    discord_api.required_shards = 2  # the bot is in too many servers for one shard
    async with bot_processes(discord_api, cache_dir, tmp_path, "0", DISCORD_SHARD_COUNT="1",
                             LOG_LEVEL="WARNING", HEALTH_PORT="0") as processes:
        process, _, log = processes[0]
        await asyncio.wait_for(process.wait(), SHUTDOWN_GRACE_SECONDS)
    lines = log.read_text().strip().splitlines()
    assert process.returncode == 2
    assert "Traceback" not in log.read_text()
    assert "Discord refused 1 shard(s) as too few" in lines[-1] and "raise DISCORD_SHARD_COUNT" in lines[-1]
