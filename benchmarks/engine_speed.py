"""How fast the index builds and answers at 1k, 10k and 100k passages, and how it compares to
plain rank-bm25 at 100k. Prints markdown tables.

The passages are the paragraphs of the external evaluation sets (SQuAD dev, DRCD dev, CMRC 2018
dev), shuffled with a fixed seed and tiled to size; each tiled copy gets a few extra terms of its
own ("copy7" once, twice or three times) so copies differ slightly in content and length. The
index is built directly from tokenized passages, as index_cache.build_index does, and nothing is
written to the user's cache.

    python benchmarks/engine_speed.py [--sizes 1000,10000,100000] [--questions 120]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.corpus import load_corpus  # noqa: E402
from retrieval.index import SearchIndex  # noqa: E402
from retrieval.passages import split_passages  # noqa: E402
from retrieval.tokenizer import terms  # noqa: E402

EXTERNAL = REPO.parent / "shared" / "eval" / "external"
SETS = ("squad-dev", "drcd-dev", "cmrc2018-dev")
TOP = 10
SEED = 20251022


class PeakRss:
    """Samples this process's resident memory every 50 ms while in the block (more often slows
    the build: the sampling thread contends for the GIL)."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = self.start = _rss()
        self._stop = threading.Event()

    def __enter__(self) -> "PeakRss":
        gc.collect()
        self.peak = self.start = _rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, _rss())

    @property
    def delta_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def _rss() -> int:
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * 4096


def base_passages() -> list[str]:
    texts = []
    for name in SETS:
        corpus = load_corpus(EXTERNAL / name / "corpus")
        for position, article in enumerate(corpus.articles):
            texts.extend(article.text[p.start : p.end] for p in split_passages(article.text, position))
    random.Random(SEED).shuffle(texts)
    return texts


def tiled(base: list[list[str]], size: int) -> list[list[str]]:
    out: list[list[str]] = []
    copy = 0
    while len(out) < size:
        suffix = [f"copy{copy}"] * (1 + copy % 3) if copy else []
        out.extend(passage + suffix for passage in base[: size - len(out)])
        copy += 1
    return out


def sample_questions(count: int) -> list[str]:
    questions = []
    for name in SETS:
        with open(EXTERNAL / name / "queries.jsonl", encoding="utf-8") as file:
            questions.extend(json.loads(line)["question"] for line in file if line.strip())
    return random.Random(SEED).sample(questions, count)


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def time_queries(index: SearchIndex, questions: list[str], tokenized: list[list[str]]) -> dict[str, float]:
    for query in tokenized:  # warm up caches and numpy
        index.search(query, TOP)
    with_tokens, search_only = [], []
    for question, query in zip(questions, tokenized):
        started = time.perf_counter()
        index.search(terms(question), TOP)
        with_tokens.append(time.perf_counter() - started)
        started = time.perf_counter()
        index.search(query, TOP)
        search_only.append(time.perf_counter() - started)
    return {
        "p50_with": percentile(with_tokens, 50) * 1000,
        "p99_with": percentile(with_tokens, 99) * 1000,
        "p50_only": percentile(search_only, 50) * 1000,
        "p99_only": percentile(search_only, 99) * 1000,
    }


def compare_with_rank_bm25(index: SearchIndex, tokenized: list[list[str]], queries: list[list[str]]) -> dict:
    from rank_bm25 import BM25Plus

    started = time.perf_counter()
    bm25 = BM25Plus(tokenized)
    build = time.perf_counter() - started
    theirs, ours, agree, exact = [], [], 0, 0
    for query in queries:
        started = time.perf_counter()
        expected_scores = bm25.get_scores(query)
        theirs.append(time.perf_counter() - started)
        started = time.perf_counter()
        found = index.search(query, TOP)
        ours.append(time.perf_counter() - started)
        exact += np.array_equal(index.scores(query), expected_scores)
        order = np.lexsort((np.arange(len(expected_scores)), -expected_scores))
        holding = sum(1 for pid in order[:TOP] if set(tokenized[pid]) & set(query))
        agree += [pid for pid, _ in found] == [int(pid) for pid in order[:holding]]
    return {
        "build": build,
        "theirs": statistics.median(theirs) * 1000,
        "ours": statistics.median(ours) * 1000,
        "agree": agree / len(queries),
        "exact": exact / len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--questions", type=int, default=120)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    started = time.perf_counter()
    texts = base_passages()
    base = [terms(text) for text in texts]
    questions = sample_questions(args.questions)
    queries = [terms(question) for question in questions]
    print(f"{len(base)} distinct passages tokenized in {time.perf_counter() - started:.1f} s; "
          f"{len(questions)} questions sampled from {', '.join(SETS)}\n")

    rows, comparison = [], None
    for size in sizes:
        tokenized = tiled(base, size)
        with PeakRss() as memory:
            started = time.perf_counter()
            index = SearchIndex.build(tokenized)
            build = time.perf_counter() - started
        postings = int(index.offsets[-1])
        timings = time_queries(index, questions, queries)
        rows.append((size, len(index.term_ids), postings, build, memory.delta_mb, timings))
        if size == max(sizes):
            comparison = (size, compare_with_rank_bm25(index, tokenized, queries))
        del index, tokenized
        gc.collect()

    print("| passages | terms | postings | build (s) | build peak RSS Δ (MB) | p50 ms (tokenize+search) "
          "| p99 ms (tokenize+search) | p50 ms (search) | p99 ms (search) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, term_count, postings, build, memory_mb, t in rows:
        print(f"| {size:,} | {term_count:,} | {postings:,} | {build:.2f} | {memory_mb:.0f} | {t['p50_with']:.2f} "
              f"| {t['p99_with']:.2f} | {t['p50_only']:.2f} | {t['p99_only']:.2f} |")
    if comparison:
        size, c = comparison
        print(f"\n| at {size:,} passages | rank-bm25 BM25Plus | SearchIndex |")
        print("|---|---:|---:|")
        print(f"| build (s) | {c['build']:.2f} | {rows[-1][3]:.2f} |")
        print(f"| median query ms (get_scores vs search top-{TOP}) | {c['theirs']:.2f} | {c['ours']:.2f} |")
        print(f"| speed-up | 1.0x | {c['theirs'] / c['ours']:.1f}x |")
        print(f"| scores equal to get_scores (np.array_equal) | - | {c['exact']:.1%} |")
        print(f"| top-{TOP} passage ids equal to rank-bm25's ranking | - | {c['agree']:.1%} |")
        target = rows[-1][5]["p50_with"]
        print(f"\ntarget p50 <= 5 ms at {size:,}: {target:.2f} ms with tokenization "
              f"({'met' if target <= 5 else 'NOT met'})")


if __name__ == "__main__":
    main()
