"""The container's health check: healthy only once the index is loaded and the bot connected."""

from __future__ import annotations

import asyncio
import socket

from bot.runtime.health import Readiness, start_health_server
from bot.runtime.healthcheck import check, main


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_healthy_only_when_the_index_is_loaded_and_the_bot_connected():
    readiness = Readiness()
    port = free_port()
    runner = await start_health_server(readiness, port, host="127.0.0.1")
    try:
        ready, said = await asyncio.to_thread(check, port)
        assert not ready and said.startswith("503")
        readiness.index_loaded = True
        assert not (await asyncio.to_thread(check, port))[0]
        readiness.connected = True
        ready, said = await asyncio.to_thread(check, port)
        assert ready and '"connected": true' in said
    finally:
        await runner.cleanup()


def test_unhealthy_when_nothing_listens(monkeypatch, capsys):
    monkeypatch.setenv("HEALTH_PORT", str(free_port()))
    assert main([]) == 1
    assert "unreachable" in capsys.readouterr().out


def test_nothing_to_check_when_the_endpoint_is_off(monkeypatch):
    monkeypatch.setenv("HEALTH_PORT", "0")
    assert main([]) == 0


async def test_a_discord_process_is_healthy_only_while_every_shard_it_holds_is_connected():
    readiness = Readiness()
    readiness.index_loaded = True
    port = free_port()
    runner = await start_health_server(readiness, port, host="127.0.0.1")
    try:
        readiness.hold_shards([2, 3], 4)
        readiness.shard_connected(2)
        half, said_half = await asyncio.to_thread(check, port)
        readiness.shard_connected(3)
        ready, said = await asyncio.to_thread(check, port)
        readiness.shard_connected(2, False)  # away until it resumes
        away, said_away = await asyncio.to_thread(check, port)
    finally:
        await runner.cleanup()
    assert not half and '"shards": {"count": 4, "held": [2, 3], "connected": [2]}' in said_half
    assert ready and '"shards": {"count": 4, "held": [2, 3], "connected": [2, 3]}' in said
    assert not away and said_away.startswith("503") and '"connected": [3]' in said_away


async def test_the_telegram_bot_has_no_shards_to_report():
    readiness = Readiness()
    readiness.index_loaded = readiness.connected = True
    port = free_port()
    runner = await start_health_server(readiness, port, host="127.0.0.1")
    try:
        ready, said = await asyncio.to_thread(check, port)
    finally:
        await runner.cleanup()
    assert ready and '"shards": null' in said
