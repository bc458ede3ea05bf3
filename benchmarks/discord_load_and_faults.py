"""The Discord bot under load and faults: a burst of questions (/ask and @mentions, alternately)
from a few users through `python -m bot discord` against the stand-in Discord, which answers a
seeded random share of REST calls with 429 (rate-limit body and headers) or 500/502. Halfway, once
part of the first half is answered, the bot is killed (SIGKILL, as a crash or an OOM kill would)
and started again; the second half goes to the new process. `--stop term` stops it as `docker stop` does instead
(it then finishes what it holds).

Every question ends as an answer (quotes or an honest "not in the articles"), a rate-limit
notice, an apology, a first response Discord refused as too late (faults on the interaction
callback, retried past 3 s), or nothing; nothing is allowed only for what was in flight at the kill.
Prints a markdown table.

`--processes 2 --shards 4` runs several bot processes instead, each holding its share of the
shards (DISCORD_SHARD_COUNT, DISCORD_SHARD_IDS), with one server on each shard, and sends /ask
round the servers, without a kill; it prints, per shard, the interactions sent, answered, given
another reply, given nothing, and answered twice (a second first response, from another process).

    python benchmarks/discord_load_and_faults.py [--questions 200] [--users 20] [--fault-rate 0.1] [--seed 7]
    python benchmarks/discord_load_and_faults.py --processes 2 --shards 4 [--questions 200] [--users 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.runtime.settings import format_shard_ids  # noqa: E402
from tests.standins.discord_server import DiscordStandIn, Guild, InteractionRecord  # noqa: E402

TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMg.benchmark.load-and-faults-token"
QUESTIONS = [
    "What is Sora 2?", "What is the Cameo feature?", "Sora 2 是什麼？", "How did Sora 2 handle copyright?",
    "Sora 2 的版权政策是什么？", "How do I bake bread?", "Who is chasing Sora 2?", "🎬",
]
# A run ends when every question has an outcome, or when nothing has changed for this long
# (what the killed process held never gets one).
QUIET_SECONDS = 20.0
START_DEADLINE = 300.0


class Question:
    """One question sent to the bot, and how to find what the user saw of it."""

    def __init__(self, number: int, stand_in: DiscordStandIn, users: int, guild: Guild | None = None,
                 slash: bool | None = None) -> None:
        self.number = number
        self.stand_in = stand_in
        self.guild = guild or stand_in.guilds[stand_in.guild_id]
        self.user = stand_in.user(str(1300000000000000000 + number % users), f"user{number % users}")
        self.text = QUESTIONS[number % len(QUESTIONS)]
        self.slash = number % 2 == 0 if slash is None else slash
        self.record: InteractionRecord | None = None
        self.message_id: str | None = None

    async def send(self) -> None:
        if self.slash:
            self.record = await self.stand_in.send_interaction(
                self.stand_in.slash_command("ask", self.user, guild=self.guild, question=self.text))
        else:
            message = self.stand_in.user_message(f"<@{self.stand_in.bot_user['id']}> {self.text}", self.user,
                                                 mentions=[self.stand_in.bot_user], guild=self.guild)
            self.message_id = message["id"]
            await self.stand_in.send_message(message)

    def outcome(self) -> str | None:
        """"answered", "rate-limited", "apology", "too late" (Discord refused the first response,
        404 after 3 s), or None while the user has seen nothing."""
        if self.record is not None:
            seen = self.record.messages[0] if self.record.messages else None
            if seen is None and any(call.status == 404 and f"/interactions/{self.record.payload['id']}/" in call.path
                                    for call in self.stand_in.calls):
                return "too late"
        else:
            seen = next((m for m in self.stand_in.channel_messages.get(self.guild.channel_id, [])
                         if str((m.get("message_reference") or {}).get("message_id")) == self.message_id), None)
        if seen is None:
            return None
        text = seen.get("content") or ""
        if seen.get("embeds"):
            return "answered"
        if "Sorry" in text:
            return "apology"
        return "rate-limited" if ("⏳" in text or "try again" in text or "秒" in text) else "other"

    def first_responses(self) -> int:
        """How many first responses (interaction callbacks) Discord took or refused as already
        given; the retries of one that a fault (429, 5xx) turned away are not counted."""
        if self.record is None:
            return 0
        path = f"/interactions/{self.record.payload['id']}/"
        return sum(1 for call in self.stand_in.calls
                   if path in call.path and call.status != 429 and call.status < 500)


async def launch_bot(stand_in: DiscordStandIn, cache: str, log: int | IO[str],
                     **settings: str) -> asyncio.subprocess.Process:
    """`python -m bot discord` against the stand-in (with `settings` as extra variables)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "DISCORD_BOT_TOKEN": TOKEN, "DISCORD_API_BASE_URL": stand_in.api_url,
           "HEALTH_PORT": "0", "INDEX_CACHE_DIR": cache,
           # a fresh database each time: INDEX_CACHE_DIR may be kept between runs, feedback must not
           "FEEDBACK_DB_PATH": os.path.join(tempfile.mkdtemp(prefix="bench-feedback-"), "feedback.sqlite3"),
           "LOG_LEVEL": "WARNING", **settings}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "discord", env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=log)


async def start_bot(stand_in: DiscordStandIn, cache: str, log: int | IO[str]) -> asyncio.subprocess.Process:
    stand_in.identified.clear()
    process = await launch_bot(stand_in, cache, log)
    await stand_in.wait_until(lambda: stand_in.identified.is_set() or process.returncode is not None, START_DEADLINE)
    if process.returncode is not None:
        raise SystemExit(f"the bot exited with {process.returncode} before going online")
    return process


async def stop_bots(*processes: asyncio.subprocess.Process | None) -> None:
    """SIGTERM each process still running, as `docker stop` does; SIGKILL if it hangs."""
    for running in processes:
        if running is not None and running.returncode is None:
            running.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(running.wait(), 60)
            except TimeoutError:
                running.kill()
                await running.wait()


async def settle(questions: list[Question], want: int) -> None:
    """Wait until `want` questions have an outcome, or nothing changed for QUIET_SECONDS."""
    last, since = -1, time.monotonic()
    while True:
        done = sum(q.outcome() is not None for q in questions)
        if done >= want:
            return
        if done != last:
            last, since = done, time.monotonic()
        elif time.monotonic() - since > QUIET_SECONDS:
            return
        await asyncio.sleep(0.05)


async def main(count: int, users: int, fault_rate: float, seed: int, log: int | IO[str],
               stop_signal: signal.Signals = signal.SIGKILL) -> None:
    stand_in = await DiscordStandIn(token=TOKEN, fault_rate=fault_rate, seed=seed).start()
    questions = [Question(n, stand_in, users) for n in range(count)]
    first, second = questions[: count // 2], questions[count // 2:]
    cache = os.environ.get("INDEX_CACHE_DIR") or tempfile.mkdtemp(prefix="sora-quotes-bench-")
    process = await start_bot(stand_in, cache, log)
    restarted = None
    try:
        started = time.perf_counter()
        for question in first:
            await question.send()
        await settle(first, len(first) // 2)  # the kill comes while the rest of the first half is being answered
        process.send_signal(stop_signal)
        await process.wait()
        in_flight_at_kill = [q for q in first if q.outcome() is None]
        restarted = await start_bot(stand_in, cache, log)
        for question in second:
            await question.send()
        await settle(questions, count)
        elapsed = time.perf_counter() - started
    finally:
        await stop_bots(process, restarted)
        await stand_in.stop()

    outcomes = [q.outcome() for q in questions]
    lost = [q for q, outcome in zip(questions, outcomes) if outcome is None]
    lost_unexplained = [q for q in lost if q not in in_flight_at_kill]
    rest_calls = [c for c in stand_in.calls if not c.path.endswith("/gateway/bot")]
    print(f"# {count} questions from {users} users (/ask and @mentions alternately), "
          f"{fault_rate:.0%} of REST calls faulted (seed {seed}), {stop_signal.name} + restart after half the first half")
    print("| questions | answered | rate-limit notices | apologies | first response too late (404) | other "
          "| lost | in flight when it stopped "
          "| lost, not in flight | REST calls | 429 injected | 5xx injected | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {count} | {outcomes.count('answered')} | {outcomes.count('rate-limited')} | {outcomes.count('apology')} "
          f"| {outcomes.count('too late')} | {outcomes.count('other')} | {len(lost)} | {len(in_flight_at_kill)} | {len(lost_unexplained)} "
          f"| {len(rest_calls)} | {stand_in.injected.get(429, 0)} "
          f"| {sum(n for status, n in stand_in.injected.items() if status >= 500)} | {elapsed:.1f} |")
    by_kind = {"/ask": [q for q in lost if q.slash], "@mention": [q for q in lost if not q.slash]}
    print("\nlost by kind: " + ", ".join(f"{kind} {len(items)}" for kind, items in by_kind.items()))


async def sharded(count: int, users: int, fault_rate: float, seed: int, log: int | IO[str],
                  processes: int, shards: int) -> None:
    """`processes` bot processes sharing `shards` shards, one server on each shard, /ask sent
    round the servers; prints what each shard's interactions got."""
    stand_in = await DiscordStandIn(token=TOKEN, fault_rate=fault_rate, seed=seed).start()
    guilds = [await stand_in.add_guild(shard, shards) for shard in range(shards)]
    held = [list(range(number * shards // processes, (number + 1) * shards // processes))
            for number in range(processes)]  # 2 processes, 4 shards: 0,1 and 2,3
    questions = [Question(n, stand_in, users, guilds[n % shards], slash=True) for n in range(count)]
    cache = os.environ.get("INDEX_CACHE_DIR") or tempfile.mkdtemp(prefix="sora-quotes-bench-")
    running: list[asyncio.subprocess.Process] = []
    try:
        for ids in held:
            running.append(await launch_bot(stand_in, cache, log, DISCORD_SHARD_COUNT=str(shards),
                                            DISCORD_SHARD_IDS=format_shard_ids(ids)))
        everyone = [(shard, shards) for shard in range(shards)]
        await stand_in.wait_until(lambda: stand_in.connected_shards == everyone
                                  or any(p.returncode is not None for p in running), START_DEADLINE)
        if any(p.returncode is not None for p in running):
            raise SystemExit("a bot process exited before going online")
        started = time.perf_counter()
        for question in questions:
            await question.send()
        await settle(questions, count)
        elapsed = time.perf_counter() - started
    finally:
        await stop_bots(*running)
        await stand_in.stop()

    syncs = sum(1 for call in stand_in.calls if call.method == "PUT" and call.path.endswith("/commands")
                and call.status == 200)
    print(f"# {count} /ask from {users} users round {shards} servers, one on each of {shards} shards held by "
          f"{processes} processes; {fault_rate:.0%} of REST calls faulted (seed {seed}); {elapsed:.1f} s; "
          f"commands synced {syncs} time(s)")
    print("| shard | process (its shards) | sent | delivered on it | answered | other reply | nothing "
          "| answered twice |")
    print("|---|---|---|---|---|---|---|---|")
    for shard in range(shards):
        on_shard = [q for q in questions if q.guild is guilds[shard]]
        number = next(n for n, ids in enumerate(held) if shard in ids)
        outcomes = [q.outcome() for q in on_shard]
        delivered = sum(1 for q in on_shard if q.record is not None and q.record.delivered_to == [(shard, shards)])
        print(f"| {shard} | {number + 1} ({format_shard_ids(held[number])}) | {len(on_shard)} | {delivered} "
              f"| {outcomes.count('answered')} | {sum(o not in (None, 'answered') for o in outcomes)} "
              f"| {outcomes.count(None)} | {sum(q.first_responses() > 1 for q in on_shard)} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--users", type=int, default=10, help="askers (the default limit is 5 questions per 30 s each)")
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bot-log", help="append the bot's warnings and errors to this file")
    parser.add_argument("--stop", choices=("kill", "term"), default="kill",
                        help="stop the first process with SIGKILL (a crash) or SIGTERM (docker stop)")
    parser.add_argument("--processes", type=int, default=1,
                        help="bot processes sharing the shards (more than 1: the sharded run, without a kill)")
    parser.add_argument("--shards", type=int, default=1, help="DISCORD_SHARD_COUNT of the sharded run")
    arguments = parser.parse_args()
    bot_log = open(arguments.bot_log, "a") if arguments.bot_log else asyncio.subprocess.DEVNULL
    stop = signal.SIGKILL if arguments.stop == "kill" else signal.SIGTERM
    if arguments.processes > 1 or arguments.shards > 1:
        if not 1 <= arguments.processes <= arguments.shards:
            parser.error("--processes must be from 1 to --shards (each process holds at least one shard)")
        asyncio.run(sharded(arguments.questions, arguments.users, arguments.fault_rate, arguments.seed, bot_log,
                            arguments.processes, arguments.shards))
    else:
        asyncio.run(main(arguments.questions, arguments.users, arguments.fault_rate, arguments.seed, bot_log, stop))
