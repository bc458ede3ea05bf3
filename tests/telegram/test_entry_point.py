"""`python -m bot telegram`: the real entry point, polling the stand-in, token kept out of logs."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.bot_process import interrupt_and_collect
from tests.telegram.conftest import TOKEN

REPO = Path(__file__).resolve().parents[2]


async def test_python_m_bot_telegram_answers_and_never_logs_the_token(telegram, alice, cache_dir):
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "INDEX_CACHE_DIR": str(cache_dir),
        "HEALTH_PORT": "0",
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(REPO),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "telegram", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await telegram.wait_for(lambda call: call.method == "setMyCommands", timeout=30)
        reply = await alice.says("cameo feature")
        assert "<blockquote>" in reply.html
    finally:
        logs = await interrupt_and_collect(process)

    assert "receiving updates by long polling" in logs
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs
