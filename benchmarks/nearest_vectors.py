"""Nearest sentences at scale: the exact blocked int8 product the engine uses, beside three
approximate indexes (usearch, hnswlib, faiss HNSW), on the same vectors and questions.

    python benchmarks/nearest_vectors.py [--rows 100000] [--queries 100]
    pip install usearch hnswlib faiss-cpu      # each is optional; one not installed is left out

Vectors: every sentence vector the external sets ship (../shared/eval/external/*/corpus/
embeddings, about 40k real e5 vectors), tiled to `--rows` with a little noise per copy (so copies
are near, not equal, like paraphrases in a large collection) and normalised. Questions: SQuAD and
DRCD questions embedded by the model (without it: shipped vectors, perturbed). Truth: the exact
float32 top 10. Per method: build wall time, memory it holds (bytes of the index, or the rise of
resident memory while building), query p50 and p99 (thread CPU time: the machine is shared) for
one question's top 10 on one thread, and recall@10 against the truth. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.semantic.vector_store import VectorStore, quantize  # noqa: E402

SHARED = next((p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").is_dir()), REPO.parent / "shared")
EXTERNAL = SHARED / "eval" / "external"
K = 10


def shipped_vectors() -> np.ndarray:
    """Every vector shipped with the external sets, float32 rows."""
    rows = []
    for path in sorted(EXTERNAL.glob("*/corpus/embeddings/*.npz")):
        identity = path.stem
        store = VectorStore.load(path, identity)
        keys = list(store._rows)
        rows.append(store.vectors(keys))
    return np.concatenate(rows)


def tiled(base: np.ndarray, rows: int, seed: int = 7) -> np.ndarray:
    """`rows` unit vectors: copies of `base`, each copy after the first with its own noise."""
    rng = np.random.default_rng(seed)
    parts, made = [], 0
    while made < rows:
        part = base[: rows - made].copy()
        if made:
            part += rng.standard_normal(part.shape, dtype=np.float32) * 0.02
            part /= np.linalg.norm(part, axis=1, keepdims=True)
        parts.append(part)
        made += len(part)
    return np.concatenate(parts)


def questions(count: int, base: np.ndarray) -> np.ndarray:
    try:
        from retrieval.semantic.embedder import load_embedder

        embedder = load_embedder().embedder
    except Exception:  # noqa: BLE001
        embedder = None
    texts = []
    for name in ("squad-dev", "drcd-dev"):
        with open(EXTERNAL / name / "queries.jsonl", encoding="utf-8") as file:
            texts += [json.loads(line)["question"] for line, _ in zip(file, range(count // 2))]
    if embedder is not None:
        return embedder.embed_queries(texts)
    rng = np.random.default_rng(3)
    picked = base[rng.choice(len(base), count, replace=False)] + rng.standard_normal((count, base.shape[1]), dtype=np.float32) * 0.05
    return picked / np.linalg.norm(picked, axis=1, keepdims=True)


def rss_mb() -> float:
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed_queries(search, queries: np.ndarray) -> tuple[float, float, list[np.ndarray]]:
    times, found = [], []
    for query in queries:
        started = time.thread_time()  # CPU time: waiting for a core on a busy machine is left out
        found.append(np.asarray(search(query)))
        times.append(1000 * (time.thread_time() - started))
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.99 * len(times)))], found


def recall(found: list[np.ndarray], truth: list[np.ndarray]) -> float:
    return float(np.mean([len(set(f[:K].tolist()) & set(t[:K].tolist())) / K for f, t in zip(found, truth)]))


def top(scores: np.ndarray) -> np.ndarray:
    best = np.argpartition(-scores, K)[:K]
    return best[np.argsort(-scores[best])]


def exact_int8(vectors: np.ndarray):
    from retrieval.semantic.semantic_index import BLOCK_ROWS

    started, before = time.process_time(), rss_mb()
    codes, scales = quantize(vectors)
    build = time.process_time() - started

    def search(query):
        out = np.empty(len(codes), dtype=np.float32)
        for first in range(0, len(codes), BLOCK_ROWS):
            np.einsum("ij,j->i", codes[first : first + BLOCK_ROWS].astype(np.float32), query,
                      out=out[first : first + BLOCK_ROWS])
        return top(out * scales)

    return build, (codes.nbytes + scales.nbytes) / 2**20, search, rss_mb() - before


def hnswlib_index(vectors: np.ndarray):
    import hnswlib

    started, before = time.process_time(), rss_mb()
    index = hnswlib.Index(space="ip", dim=vectors.shape[1])
    index.init_index(max_elements=len(vectors), M=16, ef_construction=100)
    index.set_num_threads(1)
    index.add_items(vectors, np.arange(len(vectors)))
    index.set_ef(64)
    build = time.process_time() - started
    return build, None, lambda query: index.knn_query(query, k=K)[0][0], rss_mb() - before


def usearch_index(vectors: np.ndarray, dtype: str = "i8"):
    from usearch.index import Index

    started, before = time.process_time(), rss_mb()
    index = Index(ndim=vectors.shape[1], metric="ip", dtype=dtype, connectivity=16, expansion_add=100, expansion_search=64)
    index.add(np.arange(len(vectors)), vectors, threads=1)
    build = time.process_time() - started
    return build, index.memory_usage / 2**20, lambda query: index.search(query, K, threads=1).keys, rss_mb() - before


def faiss_index(vectors: np.ndarray):
    import faiss

    faiss.omp_set_num_threads(1)
    started, before = time.process_time(), rss_mb()
    index = faiss.IndexHNSWFlat(vectors.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 100
    index.add(vectors)
    index.hnsw.efSearch = 64
    build = time.process_time() - started
    return build, None, lambda query: index.search(query[None, :], K)[1][0], rss_mb() - before


METHODS = {"exact int8 (ours)": exact_int8, "hnswlib HNSW": hnswlib_index, "usearch HNSW i8": usearch_index,
           "usearch HNSW f16": lambda vectors: usearch_index(vectors, "f16"),
           "faiss HNSWFlat": faiss_index}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    base = shipped_vectors()
    vectors = tiled(base, args.rows)
    queries = questions(args.queries, base)
    truth = [top(vectors @ q) for q in queries]
    load = os.getloadavg()[0]
    print(f"{len(vectors):,} vectors of {vectors.shape[1]} ({len(base):,} real, tiled with noise), {len(queries)} "
          f"questions, top {K}, one thread; {len(os.sched_getaffinity(0))} cores shared with other work "
          f"(load average {load:.1f})\n")
    print("| method | build CPU s | memory MB | RSS rise MB | query p50 ms | query p99 ms | recall@10 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, make in METHODS.items():
        try:
            build, memory, search, rise = make(vectors)
        except ImportError as error:
            print(f"| {name} | not installed ({error.name}) | | | | | |")
            continue
        p50, p99, found = timed_queries(search, queries)
        shown = f"{memory:,.0f}" if memory is not None else "-"
        print(f"| {name} | {build:.1f} | {shown} | {rise:,.0f} | {p50:.2f} | {p99:.2f} | {recall(found, truth):.3f} |")
        del search
        gc.collect()
    print(f"\nfloat32 vectors alone: {vectors.nbytes / 2**20:,.0f} MB")


if __name__ == "__main__":
    main()
