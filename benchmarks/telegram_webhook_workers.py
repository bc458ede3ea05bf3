"""Telegram webhook workers behind one proxy: each update answered exactly once, a crash included.

Two real worker processes (`python -m bot telegram`, TELEGRAM_MODE=webhook) run behind nginx
with the shipped configuration (deploy/nginx/telegram-webhook.conf.template), sharing one
PostgreSQL database (on a throwaway server of its own, or on --server-url). The stand-in Bot API
delivers --updates questions to the webhook as Telegram does, at --rate a second, from --users
users in their private chats and, a --group-share of them, in one busy group (whose answers
queue behind Telegram's group flood limit, 20 a minute: there a worker holds questions it has
accepted and not answered yet); a seeded random --duplicates share is delivered a second time, a
moment after the first (as Telegram does when the 2xx was lost). Once half the updates are sent,
one worker is killed (SIGKILL): what it had accepted and not answered ("in hand at the kill",
read from the shared database) must be answered by the other once its lease (--lease seconds)
runs out. Counted per distinct update: lost (no reply at all), answered twice (more than one
reply), and the time from sending to its first reply (p50, p99).

    python benchmarks/telegram_webhook_workers.py [--updates 200] [--duplicates 0.10] [--users 100] [--group-share 0.1] [--rate 20] [--lease 6] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval import Engine  # noqa: E402
from tests.standins.telegram_server import BOT_USERNAME, Call, TelegramStandIn  # noqa: E402
from tests.telegram.webhook_workers import start_deployment  # noqa: E402

TOKEN = "123456789:AAE-benchmark-token-0123456789abcdefg"
QUESTIONS = [
    "What is Sora 2?", "What is the Cameo feature?", "How does Sora 2 change making money?",
    "Sora 2 的版權問題", "Cameo 功能是什么", "What did Meta launch in response?", "Sora 2 发布",
]
# Safety nets only: the run waits on progress (replies coming in), never on a fixed time.
IDLE_TIMEOUT = 120
# After the last first reply: how long to keep watching for a second one.
SETTLE_SECONDS = 10


@contextmanager
def database(server_url: str | None) -> Iterator[str]:
    """A fresh database (the stand-in numbers updates from 1 again each run), dropped afterwards:
    on the server at `server_url`, or on a throwaway PostgreSQL server of its own."""
    import psycopg

    server = None
    if server_url is None:
        from tests.postgres_server import start_postgres_server

        server = start_postgres_server()
        server_url = server.url()
    name = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _with_database(server_url, name)
        finally:
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        if server is not None:
            server.stop()


def _with_database(url: str, name: str) -> str:
    """The libpq URL `url` naming the database `name` instead."""
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}/{name}" + (f"?{parts.query}" if parts.query else "")


def first_replies(standin: TelegramStandIn) -> dict[tuple[int, int], list[Call]]:
    """(chat, question's message id) -> every successful reply to it, in order."""
    found: dict[tuple[int, int], list[Call]] = {}
    for call in standin.calls:
        if call.method == "sendMessage" and call.status == 200:
            replied = (call.params.get("reply_parameters") or {}).get("message_id")
            if replied is not None:
                found.setdefault((int(call.params["chat_id"]), int(replied)), []).append(call)
    return found


async def until_answered(standin: TelegramStandIn, asked: list[dict]) -> None:
    """Until every question has a reply, as long as replies keep coming."""
    def replied(call: Call) -> bool:
        return call.method == "sendMessage" and call.status == 200

    while True:
        answered = first_replies(standin)
        if all((m["chat"]["id"], m["message_id"]) in answered for m in asked):
            return
        try:
            await standin.wait_for(replied, count=sum(map(replied, standin.calls)) + 1, timeout=IDLE_TIMEOUT)
        except TimeoutError:
            return  # no progress for IDLE_TIMEOUT s: what is missing is lost


def _in_hand(url: str, env: dict[str, str]) -> int:
    """Questions the worker with this environment had accepted and not answered, per the database."""
    import psycopg

    name = f"{socket.gethostname()}:{env['TELEGRAM_WEBHOOK_PORT']}"  # bot.telegram_bot.app.worker_name
    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT count(*) FROM telegram_updates WHERE worker = %s AND body IS NOT NULL", (name,)
        ).fetchone()[0]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    cache_dir = work / "index-cache"
    Engine.from_directory(REPO / "corpus", cache_dir)  # the index built once, which both workers load
    users = [{"id": 7100 + n, "is_bot": False, "first_name": f"User{n}", "language_code": "en"} for n in range(args.users)]
    with database(args.server_url) as url:
        deployment = await start_deployment(
            work, token=TOKEN, database_url=url, cache_dir=cache_dir, lease_seconds=args.lease,
            extra_env={"RATE_LIMIT_QUESTIONS": "1000", "LOG_LEVEL": "WARNING"},
        )
        standin = deployment.telegram
        victim = deployment.workers[0]
        group = standin.add_group(-1009876543210, "Busy group")
        try:
            sent_at: dict[int, float] = {}
            asked: list[dict] = []
            pending_again: list[asyncio.Task] = []
            started = time.perf_counter()
            for n in range(args.updates):
                question = QUESTIONS[n % len(QUESTIONS)]
                if rng.random() < args.group_share:
                    message = standin.user_message(users[n % len(users)], f"@{BOT_USERNAME} {question}", chat_id=group["id"])
                else:
                    message = standin.user_message(users[n % len(users)], question)
                asked.append(message)
                sent_at[id(message)] = time.monotonic()
                if rng.random() < args.duplicates:
                    update = standin.updates[-1]
                    pending_again.append(asyncio.create_task(_again_later(standin, update, rng.uniform(0.05, 1.0))))
                if n + 1 == args.updates // 2:
                    victim.kill()
                    in_hand = await asyncio.to_thread(_in_hand, url, victim.env)
                await asyncio.sleep(1 / args.rate)
            await until_answered(standin, asked)
            await asyncio.gather(*pending_again)
            await asyncio.sleep(SETTLE_SECONDS)  # a second answer to anything would have come by now
            elapsed = time.perf_counter() - started
        finally:
            await deployment.stop()

    replies = first_replies(standin)
    waits, lost, twice = [], 0, 0
    for message in asked:
        calls = replies.get((message["chat"]["id"], message["message_id"]), [])
        if not calls:
            lost += 1
            continue
        twice += len(calls) > 1
        waits.append(calls[0].at - sent_at[id(message)])
    duplicates = len(pending_again)
    by_survivor = sum(1 for calls in replies.values() if calls[0].port != victim.api_port)
    in_group = sum(1 for message in asked if message["chat"]["id"] == group["id"])
    print(f"{args.updates} questions from {args.users} users ({in_group} in one group) at {args.rate:g}/s through nginx "
          f"to 2 webhook workers sharing PostgreSQL; {duplicates} delivered twice (seed {args.seed}); worker 0 killed "
          f"(SIGKILL) after {args.updates // 2} were sent; lease {args.lease:g} s")
    print(f"{'updates sent':>13} {'distinct':>9} {'answered':>9} {'lost':>5} {'answered twice':>15} "
          f"{'p50 s':>6} {'p99 s':>6} {'in hand at the kill':>20} {'answered by the survivor':>25} {'wall s':>7}")
    print(f"{args.updates + duplicates:>13} {args.updates:>9} {args.updates - lost:>9} {lost:>5} {twice:>15} "
          f"{statistics.median(waits) if waits else float('nan'):>6.2f} {percentile(waits, 0.99):>6.2f} "
          f"{in_hand:>20} {by_survivor:>25} {elapsed:>7.1f}")
    print(f"logs: {work}")


async def _again_later(standin: TelegramStandIn, update: dict, seconds: float) -> None:
    await asyncio.sleep(seconds)
    standin.deliver_again(update)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--duplicates", type=float, default=0.10, help="share delivered twice (default 0.10)")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--group-share", type=float, default=0.10, help="share asked in one busy group (default 0.10)")
    parser.add_argument("--rate", type=float, default=20.0, help="updates sent a second (default 20)")
    parser.add_argument("--lease", type=float, default=6.0, help="TELEGRAM_LEASE_SECONDS of the workers (default 6)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server-url", help="a PostgreSQL server to make the run's database on (default: a throwaway server)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
