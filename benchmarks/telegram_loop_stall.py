"""How long the Telegram bot's event loop stalls with 50 questions in flight.

The real Application long-polls the stand-in Bot API, run in its own process on 127.0.0.1 as
Telegram would be; 50 users each ask one question at once; a ticker task sleeping 1 ms measures every stall of the loop (how late it
wakes up). Prints one row per run and the medians.

    python benchmarks/telegram_loop_stall.py [--runs 5] [--questions 50] [--threads 1]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.runtime.settings import BUNDLED_CORPUS, Settings  # noqa: E402
from bot.telegram_bot import app as telegram_app  # noqa: E402
from bot.telegram_bot.flood_limits import FloodLimits  # noqa: E402
from bot.telegram_bot.retries import RetryingRateLimiter  # noqa: E402
from retrieval import Engine  # noqa: E402

import aiohttp  # noqa: E402

QUESTIONS = [
    "What is Sora 2?", "What is the Cameo feature?", "How does Sora 2 change making money?",
    "Sora 2 的版權問題", "Cameo 功能是什么", "What did Meta launch in response?",
    "How does Sora 2 work under the hood?", "Sora 2 发布", "What do AI directors do?",
    "How do I bake bread?",
]
TICK = 0.001


async def ticker(stalls: list[float], stop: asyncio.Event) -> None:
    """Sleep 1 ms again and again; record how much later than asked each wake-up came."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(TICK)
        stalls.append(max(0.0, time.perf_counter() - before - TICK))


async def one_run(engine: Engine, questions: int, api: str, scratch: Path) -> dict[str, float]:
    settings = Settings(
        telegram_bot_token="1:benchmark", telegram_api_base_url=f"{api}/bot", health_port=0,
        rate_limit_questions=1000, feedback_db_path=scratch / "feedback.sqlite3",  # recorded, as in a bot
    )
    # No throttle: the stand-in has no flood limit, and we want every question in flight at once.
    application = telegram_app.build_application(
        settings, engine, rate_limiter=RetryingRateLimiter(limits=FloodLimits.none())
    )
    stalls: list[float] = []
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as http, telegram_app.polling(application, timeout=1.0):
        already = len(await (await http.get(f"{api}/_test/calls")).json())
        tick = asyncio.create_task(ticker(stalls, stop))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        for n in range(questions):
            body = {"chat_id": 5000 + n, "user_id": 5000 + n, "text": QUESTIONS[n % len(QUESTIONS)], "language_code": "en"}
            await http.post(f"{api}/_test/message", json=body)
        while True:
            calls = (await (await http.get(f"{api}/_test/calls")).json())[already:]
            answered = sum(1 for call in calls if call["method"] == "sendMessage" and call["status"] == 200)
            if answered >= questions or time.perf_counter() - started > 60:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.set()
        await tick
    ordered = sorted(stalls)
    return {
        "answered": answered,
        "wall_s": elapsed,
        "max_ms": ordered[-1] * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "ticks": len(ordered),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_until_up(api: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            try:
                await http.get(f"{api}/_test/calls")
                return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise RuntimeError("the stand-in Bot API did not start")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--threads", type=int, default=telegram_app.RETRIEVAL_THREADS)
    parser.add_argument("--concurrent-updates", type=int, default=telegram_app.CONCURRENT_UPDATES)
    args = parser.parse_args()
    telegram_app.RETRIEVAL_THREADS = args.threads
    telegram_app.CONCURRENT_UPDATES = args.concurrent_updates

    with tempfile.TemporaryDirectory(prefix="bench-loop-stall-") as scratch:
        await measure_in(Path(scratch), args)


async def measure_in(scratch: Path, args: argparse.Namespace) -> None:
    """Build the engine in `scratch`, start the stand-in, measure, and stop the stand-in."""
    engine = Engine.from_directory(BUNDLED_CORPUS, scratch / "index")
    engine.warm_up()  # as `python -m bot telegram` does before going online
    sys.setswitchinterval(0.001)  # likewise

    port = free_port()
    api = f"http://127.0.0.1:{port}"
    standin = subprocess.Popen(
        [sys.executable, "-m", "tests.standins.telegram_server", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL,
    )
    try:
        await wait_until_up(api)
        await measure(engine, args, api, scratch)
    finally:
        standin.terminate()
        standin.wait()


async def measure(engine: Engine, args: argparse.Namespace, api: str, scratch: Path) -> None:
    print(
        f"{args.questions} questions in flight, retrieval threads: {args.threads}, "
        f"concurrent updates: {args.concurrent_updates}, Python {sys.version.split()[0]}"
    )
    print(f"{'run':>4} {'answered':>9} {'wall s':>8} {'max stall ms':>13} {'p99 stall ms':>13} {'ticks':>7}")
    rows = []
    for run in range(1, args.runs + 1):
        row = await one_run(engine, args.questions, api, scratch)
        rows.append(row)
        print(f"{run:>4} {row['answered']:>5}/{args.questions:<3} {row['wall_s']:>8.3f} {row['max_ms']:>13.1f} {row['p99_ms']:>13.2f} {row['ticks']:>7}")
    median = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    print(f"{'med':>4} {median['answered']:>5.0f}/{args.questions:<3} {median['wall_s']:>8.3f} {median['max_ms']:>13.1f} {median['p99_ms']:>13.2f} {median['ticks']:>7.0f}")
    print(f"worst max stall over all runs: {max(row['max_ms'] for row in rows):.1f} ms (budget 50 ms)")


if __name__ == "__main__":
    asyncio.run(main())
