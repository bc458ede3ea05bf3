"""A collection's answers with its clustered language pools (retrieval/semantic/sentence_clusters.py)
beside the exact scan of every sentence, in one process, on the same questions.

    python benchmarks/front_door.py --write 100000 DIR      # a collection, with its vectors
    python benchmarks/clustered_closeness.py DIR [--questions 60]

The engine is loaded once (the clusters built and cached on the first run); each question is
answered with the clusters and without them (the exact pass over every sentence). Prints, per
pool, its sentences and clusters; then the CPU ms of a question's closeness alone and of a whole
answer (p50), how many of the exact 8 nearest passages per pool the clusters find, how far the
best passage's z-score moves, and how many answers are the same (outcome and first quote).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from front_door import questions  # noqa: E402
from retrieval import Engine  # noqa: E402
from retrieval.answering.candidates import DENSE_PER_POOL  # noqa: E402
from retrieval.semantic.embedder import load_embedder  # noqa: E402


def cpu_ms(call) -> tuple[float, object]:
    started = time.process_time()
    result = call()
    return 1000 * (time.process_time() - started), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--cache", type=Path, default=None, help="the cache directory (default: the usual one)")
    args = parser.parse_args()
    model = load_embedder().embedder
    if model is None:
        raise SystemExit("no embedding model here: nothing to compare")
    engine = Engine.from_directory(args.corpus, args.cache, embedder=model, embed_budget_seconds=None)
    clustered = engine.semantic
    if not clustered.clusters:
        raise SystemExit("no pool of this collection is large enough to be clustered")
    exact = replace(clustered, clusters={})
    asked = questions(args.questions)
    vectors = model.embed_queries(asked)
    engine.warm_up()

    timing = {"clustered": ([], []), "exact": ([], [])}
    found, z_moves, same = [], [], 0
    for question, vector in zip(asked, vectors):
        answers, closeness = {}, {}
        for name, semantic in (("clustered", clustered), ("exact", exact)):
            engine.semantic = semantic
            spent, closeness[name] = cpu_ms(lambda: semantic.closeness(vector))
            timing[name][0].append(spent)
            spent, answers[name] = cpu_ms(lambda: engine.answer(question))
            timing[name][1].append(spent)
        for pool in clustered.clusters:
            truth = set(closeness["exact"]._pools[pool].nearest[:DENSE_PER_POOL].tolist())
            got = set(closeness["clustered"]._pools[pool].nearest[:DENSE_PER_POOL].tolist())
            found.append(len(truth & got) / len(truth))
        best = closeness["exact"].nearest_passages(1)
        z_moves += [abs(closeness["clustered"].passage_z(p) - closeness["exact"].passage_z(p)) for p in best]
        a, b = answers["clustered"], answers["exact"]
        same += (a.answered, a.uncertain, a.hits[:1] and a.hits[0].excerpt) == (b.answered, b.uncertain, b.hits[:1] and b.hits[0].excerpt)
    engine.semantic = clustered

    print(f"{args.corpus}: {len(clustered.sentence_codes):,} sentences, {len(asked)} questions\n")
    print("| pool | sentences | clusters | sampled sentences |")
    print("|---|---:|---:|---:|")
    for pool, clusters in sorted(clustered.clusters.items()):
        print(f"| {pool} | {len(clusters.members):,} | {len(clusters.centroids):,} | {len(clusters.sample_codes):,} |")
    print("\n| | clustered | exact |")
    print("|---|---:|---:|")
    for label, part in (("closeness CPU ms p50", 0), ("answer CPU ms p50", 1)):
        print(f"| {label} | {statistics.median(timing['clustered'][part]):.1f} | {statistics.median(timing['exact'][part]):.1f} |")
    print(f"\nexact {DENSE_PER_POOL} nearest passages found per clustered pool: {np.mean(found):.1%} "
          f"(all of them in {np.mean(np.array(found) == 1):.0%} of pools × questions)")
    print(f"best passage's z-score moved by: p50 {np.percentile(z_moves, 50):.3f}, p90 {np.percentile(z_moves, 90):.3f}, "
          f"max {max(z_moves):.3f}")
    print(f"same answer (outcome and first quote): {same} of {len(asked)}")


if __name__ == "__main__":
    main()
