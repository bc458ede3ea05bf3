"""How long one question takes in a running bot (the engine loaded, its caches warm), with the
embedding model and without it, on the bundled articles, in one run. Prints a markdown table.

    python benchmarks/answer_speed.py [--rounds 5]

The questions are those of ../shared/eval/dev_qa.jsonl (English and Chinese, answerable or not),
asked `--rounds` times each in turn with and without the model. Times are wall clock of
`Engine.answer` in this process (one thread, as a bot runs it); report the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval import Engine  # noqa: E402
from retrieval.semantic.embedder import load_embedder  # noqa: E402

QUESTIONS = REPO.parent / "shared" / "eval" / "dev_qa.jsonl"
TARGET_P50_MS = 60


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    choice = load_embedder()
    if choice.embedder is None:
        raise SystemExit(f"cannot compare: {choice.description}")
    with tempfile.TemporaryDirectory() as cache:
        engines = {
            "lexical (SEMANTIC=off)": Engine.from_directory(REPO / "corpus", cache),
            f"semantic ({choice.embedder.identity})": Engine.from_directory(REPO / "corpus", cache, embedder=choice.embedder),
        }
        for engine in engines.values():
            engine.warm_up()
        times: dict[str, list[float]] = {name: [] for name in engines}
        for _ in range(args.rounds):
            for question in questions:
                for name, engine in engines.items():  # interleaved, so load drifts hit both alike
                    started = time.perf_counter()
                    engine.answer(question)
                    times[name].append((time.perf_counter() - started) * 1000)

    print(f"`Engine.answer` on the bundled articles: {len(questions)} questions × {args.rounds} rounds\n")
    print("| engine | p50 (ms) | p90 (ms) | max (ms) | target p50 |")
    print("|---|---:|---:|---:|---|")
    medians = {}
    for name, values in times.items():
        medians[name] = statistics.median(values)
        print(f"| {name} | {medians[name]:.1f} | {percentile(values, 0.9):.1f} | {max(values):.1f} "
              f"| {'≤ %d ms' % TARGET_P50_MS if name.startswith('semantic') else '-'} |")
    lexical, semantic = medians.values()
    print(f"\nsemantic / lexical p50: {semantic / lexical:.1f}×")


if __name__ == "__main__":
    main()
