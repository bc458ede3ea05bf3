"""Warm starts of `python -m bot ask` with one question, on collections written by
`front_door.py --write`, for one or more checkouts in the same run (before and after a change),
each with its own cache already built (a first `ask` per collection and mode builds it).

    python benchmarks/front_door.py --write 1000 C1K; python benchmarks/front_door.py --write 100000 C100K
    python benchmarks/warm_start.py --corpora C1K,C100K --tree before=CHECKOUT:CACHE --tree after=.:CACHE2 [--runs 5]

Prints the median wall seconds per checkout, mode (lexical, with the model) and collection, and
the ratio of the largest collection's to the smallest's (issue #20's bar: <= 3x from 1k to 100k
passages). Runs are interleaved across checkouts so a shared machine's load falls on all alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUESTION = "When did the Normans conquer England?"


def ask(checkout: Path, cache: Path, corpus: Path, semantic: str) -> float:
    """Wall seconds of one `ask` process run from `checkout` with the cache `cache`."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "SEMANTIC": semantic}
    env.pop("INDEX_CACHE_DIR", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "ask", "--corpus", str(corpus), QUESTION], cwd=checkout, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", required=True, help="collections, smallest first, comma-separated")
    parser.add_argument("--tree", action="append", required=True, metavar="NAME=CHECKOUT:CACHE")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    corpora = [Path(c) for c in args.corpora.split(",")]
    trees = {}
    for spec in args.tree:
        name, _, place = spec.partition("=")
        checkout, _, cache = place.partition(":")
        trees[name] = (Path(checkout).resolve(), Path(cache).resolve())
    modes = {"lexical": "off", "with the model": "on"}
    times: dict[tuple[str, str, Path], list[float]] = {}
    for _ in range(args.runs):
        for mode, semantic in modes.items():
            for corpus in corpora:
                for name, (checkout, cache) in trees.items():
                    times.setdefault((name, mode, corpus), []).append(ask(checkout, cache, corpus, semantic))
    print(f"| checkout | mode | " + " | ".join(f"{c.name} s" for c in corpora) + " | ratio |")
    print("|---|---|" + "---:|" * (len(corpora) + 1))
    for name in trees:
        for mode in modes:
            medians = [statistics.median(times[(name, mode, c)]) for c in corpora]
            print(f"| {name} | {mode} | " + " | ".join(f"{m:.2f}" for m in medians) + f" | {medians[-1] / medians[0]:.1f}x |")
    print(f"\nmedians of {args.runs} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
