"""`docker stop` sends SIGTERM: the bot takes no new questions, answers those in flight (within
a bound), stops polling and exits 0. A real bot process against the stand-in."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.bot_process import SHUTDOWN_GRACE_SECONDS
from tests.telegram.conftest import REPLY_TIMEOUT, TOKEN

REPO = Path(__file__).resolve().parents[2]
# Start-up loads the index and the model: slow on a busy machine, so a generous safety net.
START_TIMEOUT = 120


async def start_bot(telegram, cache_dir) -> asyncio.subprocess.Process:
    env = {
        **os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": telegram.base_url,
        "INDEX_CACHE_DIR": str(cache_dir), "HEALTH_PORT": "0", "LOG_LEVEL": "INFO", "PYTHONPATH": str(REPO),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "telegram", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    await telegram.wait_for(lambda call: call.method == "setMyCommands", timeout=START_TIMEOUT)
    return process


async def read_until(process: asyncio.subprocess.Process, text: str) -> list[str]:
    """Lines of standard error up to the first that contains `text`."""
    lines = []
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), SHUTDOWN_GRACE_SECONDS)).decode()
        if not line:
            raise AssertionError(f"the bot exited without saying {text!r}: {lines}")
        lines.append(line)
        if text in line:
            return lines


async def exit_code(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """The exit code and the rest of standard error; a bot that does not exit is killed."""
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), SHUTDOWN_GRACE_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
    return process.returncode, stderr.decode()


async def assert_all_answered_after_a_restart(telegram, cache_dir, users, asked) -> None:
    """Start the bot again: each of `users` gets a quote in reply to its message in `asked`."""
    process = await start_bot(telegram, cache_dir)
    try:
        for user, message in zip(users, asked):
            [reply] = await user.replies_to(message)
            assert "<blockquote" in reply.html
    finally:
        process.send_signal(signal.SIGTERM)
        await exit_code(process)


async def test_a_question_in_flight_when_sigterm_arrives_still_gets_its_answer(telegram, alice, cache_dir):
    process = await start_bot(telegram, cache_dir)
    try:
        telegram.hold("sendMessage")
        question = alice.sends("cameo feature")
        await telegram.wait_for(lambda call: call.method == "sendMessage" and call.status == 0, timeout=REPLY_TIMEOUT)
        process.send_signal(signal.SIGTERM)
        said = await read_until(process, "SIGTERM received")
        telegram.release("sendMessage")
        code, rest = await exit_code(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()

    assert "finishing 1 in flight" in said[-1]
    assert code == 0, rest
    [reply] = await alice.replies_to(question)
    assert "<blockquote" in reply.html
    assert "abandoned" not in rest and "Traceback" not in rest


async def test_an_answer_that_cannot_be_sent_holds_up_the_shutdown_only_for_a_bounded_time(
    telegram, alice, cache_dir
):
    process = await start_bot(telegram, cache_dir)
    telegram.hold("sendMessage")  # Telegram never answers the send
    try:
        alice.sends("cameo feature")
        await telegram.wait_for(lambda call: call.method == "sendMessage" and call.status == 0, timeout=REPLY_TIMEOUT)
        process.send_signal(signal.SIGTERM)
        code, stderr = await exit_code(process)
    finally:
        telegram.release("sendMessage")
        if process.returncode is None:
            process.kill()
            await process.communicate()

    assert code == 0, stderr
    assert "1 update(s) still being handled after 8 s were abandoned" in stderr
    assert "Traceback" not in stderr


async def test_after_sigterm_new_questions_wait_for_the_next_start(telegram, alice, cache_dir):
    process = await start_bot(telegram, cache_dir)
    try:
        process.send_signal(signal.SIGTERM)
        code, _ = await exit_code(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
    question = alice.sends("cameo feature")  # sent while the bot is down: Telegram keeps it

    assert code == 0
    assert not [call for call in telegram.calls if call.method == "sendMessage"]
    process = await start_bot(telegram, cache_dir)
    try:
        [reply] = await alice.replies_to(question)
    finally:
        process.send_signal(signal.SIGTERM)
        await exit_code(process)
    assert "<blockquote" in reply.html


async def test_after_a_crash_in_a_burst_every_question_is_still_answered(telegram, cache_dir):
    from tests.telegram.conftest import TelegramUser

    users = [TelegramUser(telegram, f"User{n}") for n in range(60)]
    process = await start_bot(telegram, cache_dir)
    try:
        asked = [user.sends("cameo feature") for user in users]
        await telegram.wait_for(lambda call: call.method == "sendMessage" and call.status == 200, timeout=START_TIMEOUT)
        process.send_signal(signal.SIGKILL)  # a crash: nothing graceful
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
        await process.communicate()

    # The updates the crashed bot had not handled are handed out again: every question is answered.
    await assert_all_answered_after_a_restart(telegram, cache_dir, users, asked)


async def test_questions_confirmed_to_telegram_but_unanswered_at_a_crash_are_answered_after_the_restart(
    telegram, cache_dir
):
    from tests.telegram.conftest import TelegramUser

    group = telegram.add_group(-1009876543210, "Crash course")
    users = [TelegramUser(telegram, f"Member{n}") for n in range(8)]
    process = await start_bot(telegram, cache_dir)
    telegram.hold("sendMessage")  # the answers queue up, as behind a group's flood limit
    try:
        asked = [user.sends("@SoraQuotesBot cameo feature", chat=group) for user in users]
        await telegram.wait_for(lambda call: call.method == "sendMessage" and call.status == 0, timeout=START_TIMEOUT)
        last_update = telegram.updates[-1]["update_id"]
        while telegram.confirmed <= last_update:  # Telegram will not hand these out again
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        await process.wait()
    finally:
        telegram.release("sendMessage")
        if process.returncode is None:
            process.kill()
        await process.communicate()

    await assert_all_answered_after_a_restart(telegram, cache_dir, users, asked)

