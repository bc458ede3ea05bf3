"""`python -m bot telegram`: the real entry point, polling the stand-in, token kept out of logs."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import sys
from pathlib import Path

import pytest
from telegram.error import InvalidToken

from bot.feedback.schema import SCHEMA_VERSION
from bot.feedback.store import FeedbackStore
from bot.telegram_bot.startup_errors import describe_startup_failure
from tests.bot_process import SHUTDOWN_GRACE_SECONDS, interrupt_and_collect
from tests.telegram.conftest import TOKEN

REPO = Path(__file__).resolve().parents[2]


async def start_bot(cache_dir: Path, **env: str) -> asyncio.subprocess.Process:
    """`python -m bot telegram` with `env` over the test's environment (the stand-in's token, the
    shared index cache, no health port)."""
    environment = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "INDEX_CACHE_DIR": str(cache_dir), "HEALTH_PORT": "0",
                   "PYTHONPATH": str(REPO), **env}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "telegram", env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def stderr_at_exit(process: asyncio.subprocess.Process, within: float = SHUTDOWN_GRACE_SECONDS) -> str:
    """What a bot that must stop by itself wrote to standard error; `within` is a safety net,
    not a measure: a bot that hangs instead is killed, never left behind."""
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), within)
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
    return stderr.decode()


async def test_python_m_bot_telegram_answers_and_never_logs_the_token(telegram, alice, cache_dir):
    process = await start_bot(cache_dir, TELEGRAM_API_BASE_URL=telegram.base_url, LOG_LEVEL="DEBUG")
    try:
        await telegram.wait_for(lambda call: call.method == "setMyCommands", timeout=30)
        reply = await alice.says("cameo feature")
        assert "<blockquote" in reply.html
    finally:
        logs = await interrupt_and_collect(process)

    assert "receiving updates by long polling" in logs
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_an_unreachable_telegram_and_a_malformed_token_are_one_line_and_a_failed_exit(cache_dir):
    port = _closed_port()
    process = await start_bot(cache_dir, TELEGRAM_BOT_TOKEN="abc", TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot")
    stderr = await stderr_at_exit(process)

    lines = stderr.strip().splitlines()
    assert process.returncode != 0
    assert "Traceback" not in stderr, stderr
    assert lines[-1].startswith(f"error: could not reach Telegram at http://127.0.0.1:{port}: ")
    assert "TELEGRAM_BOT_TOKEN does not look like a Telegram token (<digits>:<35 characters>)" in lines[-1]
    assert [line for line in lines if "error" in line.lower()] == [lines[-1]]


def test_a_refused_token_is_described_without_repeating_it():
    token = "123456789:" + "A" * 35
    line = describe_startup_failure(InvalidToken(f"The token `{token}` was rejected by the server."),
                                    "https://api.telegram.org/bot", token)

    assert line == "Telegram at https://api.telegram.org refused TELEGRAM_BOT_TOKEN (401 Unauthorized or 404)"


async def test_a_feedback_database_from_newer_code_stops_start_up_with_one_line(cache_dir, tmp_path):
    newer = tmp_path / "feedback.sqlite3"
    FeedbackStore.open(newer).close()
    with sqlite3.connect(newer) as connection:
        connection.execute("INSERT INTO schema_version VALUES (?, 0)", (SCHEMA_VERSION + 1,))
    process = await start_bot(cache_dir, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{_closed_port()}/bot",
                              FEEDBACK_DB_PATH=str(newer), SEMANTIC="off")
    stderr = await stderr_at_exit(process, within=120)

    assert process.returncode == 2
    assert "Traceback" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: the feedback database {newer} has schema version {SCHEMA_VERSION + 1}")


async def test_an_unreachable_state_database_stops_start_up_with_one_line_without_its_password(cache_dir):
    port = _closed_port()
    process = await start_bot(cache_dir, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{_closed_port()}/bot", SEMANTIC="off",
                              TELEGRAM_STATE_DATABASE_URL=f"postgresql://bot:s3cret-pw@127.0.0.1:{port}/sora")
    stderr = await stderr_at_exit(process, within=120)

    assert process.returncode == 2
    assert "Traceback" not in stderr, stderr
    assert "s3cret-pw" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: could not connect to the Telegram state database "
                           f"TELEGRAM_STATE_DATABASE_URL=postgresql://bot:***@127.0.0.1:{port}/sora: ")
    assert "Connection refused" in last


def test_a_webhook_address_without_https_is_refused_at_start_up(engine):
    from bot.runtime.settings import Settings, SettingsError
    from bot.telegram_bot.app import run

    for url in ("http://bot.example.org/telegram", "HTTP://bot.example.org:8443/telegram", "https://bot.example.org:9443/telegram"):
        settings = Settings(telegram_bot_token=TOKEN, telegram_mode="webhook", telegram_webhook_url=url, health_port=0)
        with pytest.raises(SettingsError, match="https://|port 443, 80, 88 or 8443"):
            run(settings, engine)
