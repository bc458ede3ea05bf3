"""What recording feedback costs per answer, and whether it stalls a bot's event loop.

1. The call an adapter makes on its event loop (`record_question`, `record_vote`): p50, p99, max.
2. The write itself, on the store's thread: from the call until `flush()` returns, one answer at
   a time (so each is measured alone): p50, p99, max.
3. 50 questions in flight, as in benchmarks/telegram_loop_stall.py but without a platform:
   each is answered by the engine on the retrieval thread, as the bots do, then recorded (or
   not); a ticker sleeping 1 ms measures how late the loop wakes. Runs with and without
   recording alternate, so load drifts hit both alike.

    python benchmarks/feedback_cost.py [--answers 500] [--runs 5] [--in-flight 50] [--database-url URL]

On a temporary SQLite file, or with --database-url on that PostgreSQL database (its feedback
tables are made if missing; rows are added to them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.feedback.store import FeedbackStore  # noqa: E402
from bot.feedback.vote_data import Vote  # noqa: E402
from retrieval import Engine  # noqa: E402

DEV_QA = REPO.parent / "shared" / "eval" / "dev_qa.jsonl"
TICK = 0.001


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)], ordered[-1]


async def call_and_write_costs(store: FeedbackStore, answers: list, count: int) -> dict[str, list[float]]:
    """Seconds per call (on the loop) and per write (call until flushed), one answer at a time."""
    costs: dict[str, list[float]] = {"question call": [], "vote call": [], "question written": [], "vote written": []}
    for number in range(count):
        answer = answers[number % len(answers)]
        started = time.perf_counter()
        answer_id = store.record_question("telegram", number, answer)
        called = time.perf_counter()
        await store.flush()
        costs["question call"].append(called - started)
        costs["question written"].append(time.perf_counter() - started)

        started = time.perf_counter()
        store.record_vote("telegram", number, answer_id, Vote.down if number % 3 else Vote.up)
        called = time.perf_counter()
        await store.flush()
        costs["vote call"].append(called - started)
        costs["vote written"].append(time.perf_counter() - started)
    return costs


async def ticker(stalls: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(TICK)
        stalls.append(max(0.0, time.perf_counter() - before - TICK))


async def in_flight_run(engine: Engine, store: FeedbackStore | None, questions: list[str], in_flight: int,
                        retrieval: ThreadPoolExecutor) -> dict[str, float]:
    """Max and p99 loop stall (ms) while `in_flight` questions are answered and, with a store,
    recorded and voted on."""
    loop = asyncio.get_running_loop()

    async def one(number: int) -> None:
        answer = await loop.run_in_executor(retrieval, engine.answer, questions[number % len(questions)])
        if store is not None:
            answer_id = store.record_question("telegram", 9000 + number, answer)
            store.record_vote("telegram", 9000 + number, answer_id, Vote.up)

    stalls: list[float] = []
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(stalls, stop))
    await asyncio.sleep(0.02)
    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(in_flight)))
    if store is not None:
        await store.flush()
    wall = time.perf_counter() - started
    stop.set()
    await tick
    _, p99, worst = percentiles(stalls)
    return {"max_ms": worst * 1000, "p99_ms": p99 * 1000, "wall_s": wall}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=500, help="answers recorded one at a time (part 1 and 2)")
    parser.add_argument("--runs", type=int, default=5, help="runs of part 3, each with and without recording")
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--database-url", help="a postgresql:// URL to record into instead of a temporary SQLite file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-feedback-"))
    try:
        await measure(args, workdir)
    finally:
        shutil.rmtree(workdir)


async def measure(args: argparse.Namespace, workdir: Path) -> None:
    engine = Engine.from_directory(REPO / "corpus", workdir / "index")
    engine.warm_up()
    sys.setswitchinterval(0.001)  # as `python -m bot telegram` does
    lines = DEV_QA.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    answers = [engine.answer(question) for question in questions]
    store = FeedbackStore.open(args.database_url or workdir / "feedback.sqlite3")
    kind = "PostgreSQL" if args.database_url else "SQLite, WAL, synchronous=NORMAL"
    print(f"database: {store.database.name} ({kind}); {len(questions)} questions of dev_qa, "
          f"{sum(not a.answered for a in answers)} declined; Python {sys.version.split()[0]}")

    costs = await call_and_write_costs(store, answers, args.answers)
    print(f"\n## Recording one answer at a time ({args.answers} answers)\n")
    print("| step | p50 | p99 | max |")
    print("|---|---:|---:|---:|")
    for name, samples in costs.items():
        unit, scale = ("µs", 1e6) if name.endswith("call") else ("ms", 1e3)
        cells = " | ".join(f"{value * scale:.1f} {unit}" for value in percentiles(samples))
        print(f"| {name} | {cells} |")

    retrieval = ThreadPoolExecutor(1, thread_name_prefix="retrieval")
    rows: dict[str, list[dict[str, float]]] = {"without feedback": [], "with feedback": []}
    for _ in range(args.runs):
        rows["without feedback"].append(await in_flight_run(engine, None, questions, args.in_flight, retrieval))
        rows["with feedback"].append(await in_flight_run(engine, store, questions, args.in_flight, retrieval))
    retrieval.shutdown()
    store.close()
    print(f"\n## Event-loop stalls, {args.in_flight} questions in flight (medians of {args.runs} runs)\n")
    print("| | max stall | p99 stall | wall |")
    print("|---|---:|---:|---:|")
    medians = {}
    for name, runs in rows.items():
        medians[name] = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        row = medians[name]
        print(f"| {name} | {row['max_ms']:.1f} ms | {row['p99_ms']:.2f} ms | {row['wall_s']:.2f} s |")
    ratio = medians["with feedback"]["max_ms"] / medians["without feedback"]["max_ms"]
    print(f"\nmax stall with / without: {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
