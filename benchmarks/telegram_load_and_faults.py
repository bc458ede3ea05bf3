"""The Telegram bot under load and faults: nothing may be lost silently.

A burst of questions from many users goes through the real bot process (`python -m bot
telegram`) against the stand-in Bot API, which fails a seeded random 10% of all calls (half 429
with retry_after, half 502 Bad Gateway, long polling included). Once half the questions have
their reply, the bot is killed (SIGKILL, a crash: nothing graceful; or --kill-signal TERM, as
`docker stop` does) and started again. Every question must end with an answer, a rate-limit
notice or an apology; what has none is "lost". The questions in flight at the kill (handed to
the bot, not yet replied to) are counted, and how many of them were answered after the restart:
those whose update the bot had not yet confirmed are handed out again by Telegram; the others
only a graceful stop can still answer.

    python benchmarks/telegram_load_and_faults.py [--questions 200] [--users 25] [--share 0.10] [--seed 7] [--kill-signal KILL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.standins.telegram_server import Call, TelegramStandIn  # noqa: E402

TOKEN = "123456789:AAE-benchmark-token-0123456789abcdefg"
QUESTIONS = [
    "What is Sora 2?", "What is the Cameo feature?", "How does Sora 2 change making money?",
    "Sora 2 的版權問題", "Cameo 功能是什么", "What did Meta launch in response?",
    "How do I bake bread?", "Sora 2 发布",
]
# Safety nets only: the run waits on progress (replies coming in), never on a fixed time.
START_TIMEOUT = 300
IDLE_TIMEOUT = 120
RATE_LIMIT_WORDS = ("asking faster", "問得太快", "问得太快", "too fast")
APOLOGY_WORDS = ("something went wrong", "出了點問題", "出了点问题")


def start_bot(api: str, cache_dir: str, log_path: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"{api}/bot",
        "INDEX_CACHE_DIR": cache_dir, "FEEDBACK_DB_PATH": str(Path(cache_dir) / "feedback.sqlite3"), "HEALTH_PORT": "0", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(REPO),
    }
    log = log_path.open("ab")
    return asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "telegram", env=env, stdout=log, stderr=log)


def replies(standin: TelegramStandIn) -> dict[tuple[int, int], list[str]]:
    """(chat, question's message id) -> the text of every successful reply to it."""
    found: dict[tuple[int, int], list[str]] = {}
    for call in standin.calls:
        if call.method == "sendMessage" and call.status == 200:
            replied = (call.params.get("reply_parameters") or {}).get("message_id")
            if replied is not None:
                found.setdefault((int(call.params["chat_id"]), int(replied)), []).append(call.result["text"])
    return found


def kind(text: str) -> str:
    lowered = text.lower()
    if any(word in lowered for word in RATE_LIMIT_WORDS):
        return "rate-limited notice"
    if any(word in lowered for word in APOLOGY_WORDS):
        return "apology"
    return "answered"


async def wait_for_replies(standin: TelegramStandIn, asked: list[dict], count: int) -> None:
    """Until `count` of the `asked` questions have a reply, as long as replies keep coming."""
    def replied(call: Call) -> bool:
        return call.method == "sendMessage" and call.status == 200
    while True:
        done = sum(1 for message in asked if (message["chat"]["id"], message["message_id"]) in replies(standin))
        if done >= count:
            return
        try:
            await standin.wait_for(replied, count=sum(map(replied, standin.calls)) + 1, timeout=IDLE_TIMEOUT)
        except TimeoutError:
            return  # no progress for IDLE_TIMEOUT s: what is missing is lost


async def run(args: argparse.Namespace) -> None:
    standin = TelegramStandIn()
    await standin.start("127.0.0.1", 0)
    api = f"http://127.0.0.1:{standin.port}"
    cache_dir = tempfile.mkdtemp(prefix="bench-index-")
    log_path = Path(tempfile.mkdtemp(prefix="bench-log-")) / "bot.log"
    users = [
        {"id": 7100 + n, "is_bot": False, "first_name": f"User{n}", "language_code": "en"} for n in range(args.users)
    ]
    bot = await start_bot(api, cache_dir, log_path)
    try:
        await standin.wait_for(lambda call: call.method == "setMyCommands" and call.status == 200, timeout=START_TIMEOUT)
        standin.fail_at_random(args.share, args.seed)
        started = time.perf_counter()
        asked = [
            standin.user_message(users[n % len(users)], QUESTIONS[n % len(QUESTIONS)]) for n in range(args.questions)
        ]
        await wait_for_replies(standin, asked, args.questions // 2)
        in_flight_before = _in_flight(standin, asked)
        bot.send_signal(getattr(signal, f"SIG{args.kill_signal}"))
        await bot.wait()
        left_unanswered = _in_flight(standin, asked)  # a graceful stop answers some of what was in flight
        in_flight = in_flight_before + [m for m in left_unanswered if all(m is not b for b in in_flight_before)]
        # Updates the bot confirmed but never answered are gone: the restarted bot cannot see them.
        gone = {id(m) for m in left_unanswered if _update_id(standin, m) < standin.confirmed}
        bot = await start_bot(api, cache_dir, log_path)
        reachable = [message for message in asked if id(message) not in gone]
        await wait_for_replies(standin, reachable, len(reachable))
        elapsed = time.perf_counter() - started
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except TimeoutError:
                bot.kill()
                await bot.wait()
        await standin.stop()

    final = replies(standin)
    outcome = Counter()
    twice = 0
    for message in asked:
        texts = final.get((message["chat"]["id"], message["message_id"]), [])
        outcome[kind(texts[0]) if texts else "lost"] += 1
        twice += len(texts) > 1
    recovered_later = sum(1 for message in left_unanswered if (message["chat"]["id"], message["message_id"]) in final)
    faults = Counter(call.status for call in standin.calls if call.status in (429, 502))
    print(f"{args.questions} questions from {args.users} users; {args.share:.0%} of calls failed at random "
          f"(seed {args.seed}): {faults[429]} × 429, {faults[502]} × 502; the bot stopped with SIG{args.kill_signal} "
          f"and restarted once")
    print(f"{'answered':>9} {'rate-limited notices':>21} {'apologies':>10} {'lost':>5} {'in flight at signal':>20} "
          f"{'unanswered at exit':>19} {'of those, answered later':>25} {'replied twice':>14} {'wall s':>7}")
    print(f"{outcome['answered']:>9} {outcome['rate-limited notice']:>21} {outcome['apology']:>10} {outcome['lost']:>5} "
          f"{len(in_flight):>20} {len(left_unanswered):>19} {recovered_later:>25} {twice:>14} {elapsed:>7.1f}")
    print(f"bot log: {log_path}")


def _update_id(standin: TelegramStandIn, message: dict) -> int:
    return next(u["update_id"] for u in standin.updates if u.get("message") is message)


def _in_flight(standin: TelegramStandIn, asked: list[dict]) -> list[dict]:
    """Questions handed out to the bot and not yet replied to."""
    answered = replies(standin)
    return [
        message for message in asked
        if (message["chat"]["id"], message["message_id"]) not in answered and _update_id(standin, message) in standin.delivered
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--share", type=float, default=0.10, help="share of calls that fail (default 0.10)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kill-signal", choices=["KILL", "TERM"], default="KILL",
                        help="KILL: a crash (default); TERM: docker stop, a graceful shutdown")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
