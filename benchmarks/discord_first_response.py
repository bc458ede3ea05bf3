"""Time to first response under a burst: 50 /ask interactions dispatched at once over the stand-in
Discord gateway, timed from each INTERACTION_CREATE leaving the stand-in to the interaction callback
request reaching it (Discord's 3-second rule), and to the follow-up that carries the answer.

The stand-in runs on its own event loop in a thread, so a blocked bot loop shows up in the times.
The real discord.py client answers with the bundled articles. Prints a markdown table: one row per
repetition, then the medians.

    python benchmarks/discord_first_response.py [--burst 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import discord  # noqa: E402

from bot.discord_bot.app import build_client, point_at_api  # noqa: E402
from bot.runtime.settings import load_settings  # noqa: E402
from retrieval import Engine  # noqa: E402
from tests.standins.discord_server import DiscordStandIn  # noqa: E402

TOKEN = "benchmark-token"
RULE_SECONDS = 3.0
QUESTIONS = [
    "What is Sora 2?", "What is the Cameo feature?", "Sora 2 是什麼？", "How did Sora 2 handle copyright?",
    "Sora 2 的版权政策是什么？", "How do I bake bread?", "Who is chasing Sora 2?", "🎬",
]


class StandInThread:
    """The stand-in Discord on its own loop in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.stand_in = self.call(DiscordStandIn(token=TOKEN).start())

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    async def call_async(self, coroutine):
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def one_burst(remote: StandInThread, burst: int, round_number: int) -> dict[str, float]:
    stand_in = remote.stand_in
    payloads = [
        stand_in.slash_command("ask", stand_in.user(str(1300000000000000000 + round_number * 1000 + n), f"user{n}"),
                               question=QUESTIONS[n % len(QUESTIONS)])
        for n in range(burst)
    ]
    records = await remote.call_async(stand_in.send_interactions(payloads))
    for _ in range(2000):
        if all(record.messages for record in records):
            break
        await asyncio.sleep(0.01)
    first = [record.callback_at - record.dispatched_at for record in records if record.callback_at]
    answered = [call_at - record.dispatched_at for record in records
                for call_at in [next((c.at for c in stand_in.calls if c.path.endswith(record.payload["token"])
                                      and c.status == 200), None)] if call_at]
    return {
        "median": statistics.median(first), "p99": percentile(first, 0.99), "max": max(first),
        "within": sum(seconds < RULE_SECONDS for seconds in first), "answer_median": statistics.median(answered),
        "answer_max": max(answered), "answered": len(answered),
    }


async def main(burst: int, runs: int) -> None:
    remote = StandInThread()
    point_at_api(remote.stand_in.api_url)
    with tempfile.TemporaryDirectory() as cache:
        engine = Engine.from_directory(REPO / "corpus", cache)
        engine.warm_up()  # as `python -m bot discord` does before going online
        sys.setswitchinterval(0.001)  # likewise
        settings = load_settings(discord_bot_token=TOKEN, health_port=0, rate_limit_questions=1000,
                                 feedback_db_path=Path(cache) / "feedback.sqlite3")
        client = build_client(settings, engine, guild_ready_timeout=0.01)
        task = asyncio.create_task(client.start(TOKEN))
        while not client.is_ready():
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        rows = [await one_burst(remote, burst, number) for number in range(runs)]
        await client.close()
        await task
    remote.call(remote.stand_in.stop())

    print(f"# {burst} /ask interactions dispatched at once; seconds from dispatch (discord.py {discord.__version__})")
    print("| run | first response median | p99 | max | within 3 s | answer median | answer max | answered |")
    print("|---|---|---|---|---|---|---|---|")
    for number, row in enumerate(rows, start=1):
        print(_row(str(number), row, burst))
    medians = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
    print(_row("median", medians, burst))


def _row(name: str, row: dict[str, float], burst: int) -> str:
    return (f"| {name} | {row['median']:.3f} | {row['p99']:.3f} | {row['max']:.3f} | {row['within']:.0f}/{burst} "
            f"| {row['answer_median']:.3f} | {row['answer_max']:.3f} | {row['answered']:.0f}/{burst} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.burst, arguments.runs))
