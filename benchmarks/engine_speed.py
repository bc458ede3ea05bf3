"""How fast the index builds, loads and answers at 1k, 10k and 100k passages (or a million), and
how it compares with bm25s, tantivy and plain rank-bm25 on the same passages and queries. Prints
markdown tables.

The passages are the paragraphs of the external evaluation sets (SQuAD dev, DRCD dev, CMRC 2018
dev), shuffled with a fixed seed and tiled to size; each tiled copy gets a few extra terms of its
own ("copy7" once, twice or three times) so copies differ slightly in content and length. Every
engine gets the same tokens (this project's tokenizer), and nothing is written to the user's
cache: index files go to a temporary directory.

Times are CPU times (thread time for a query, process time for a build or a load: they leave out
waiting for a core on a busy machine), medians and percentiles over the sampled questions.

    python benchmarks/engine_speed.py [--sizes 1000,10000,100000] [--questions 120]
    python benchmarks/engine_speed.py --passages 1000000 --engines ours,tantivy
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.storage.array_file import read_arrays, write_arrays  # noqa: E402
from retrieval.documents.corpus import load_corpus  # noqa: E402
from retrieval.index.bm25 import SearchIndex  # noqa: E402
from retrieval.documents.passages import split_passages  # noqa: E402
from retrieval.text.tokenizer import terms  # noqa: E402

EXTERNAL = REPO.parent / "shared" / "eval" / "external"
SETS = ("squad-dev", "drcd-dev", "cmrc2018-dev")
TOP = 10
SEED = 20251022
ENGINES = ("ours", "bm25s", "tantivy", "rank-bm25")
# rank-bm25's get_scores takes about a second a query at 100k passages: time only this many.
RANK_BM25_QUERIES = 20


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

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def _rss() -> int:
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * 4096


def base_passages() -> list[str]:
    texts = []
    for name in SETS:
        corpus = load_corpus(EXTERNAL / name / "corpus")
        for position, article in enumerate(corpus.articles):
            texts.extend(article.text[p.start : p.end] for p in split_passages(article, position))
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


def disk_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


class Engine:
    """One engine under test: build from tokens, save to and load from a directory, search."""

    name = ""

    def build(self, tokenized: list[list[str]]) -> None: ...
    def save(self, directory: Path) -> Path: ...
    def load(self, path: Path) -> None: ...
    def search(self, query: list[str]) -> object: ...


class Ours(Engine):
    name = "this project"

    def build(self, tokenized):
        self.index = SearchIndex.build(tokenized)

    def save(self, directory):
        path = directory / "index.arrays"
        arrays, meta = self.index.to_arrays()
        with open(path, "wb") as file:
            write_arrays(file, arrays, meta)
        return path

    def load(self, path):
        self.index = SearchIndex.from_arrays(*read_arrays(path))

    def search(self, query):
        return self.index.search(query, TOP)


class Bm25s(Engine):
    name = "bm25s (numpy)"

    def build(self, tokenized):
        import bm25s

        self.retriever = bm25s.BM25(method="bm25+", k1=1.5, b=0.75, delta=1.0)
        self.retriever.index(tokenized, show_progress=False)

    def save(self, directory):
        path = directory / "bm25s"
        self.retriever.save(path, show_progress=False)
        return path

    def load(self, path):
        import bm25s

        self.retriever = bm25s.BM25.load(path, mmap=True, show_progress=False)

    def search(self, query):
        return self.retriever.retrieve([query], k=TOP, show_progress=False)


class Tantivy(Engine):
    """Our terms joined by spaces into a whitespace-tokenized field; a query is a disjunction of
    term queries. Tantivy scores with its own BM25 (Okapi, k1 1.2): compare speed, not ranks."""

    name = "tantivy"

    def build(self, tokenized):
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
        self.schema = builder.build()
        self.directory = Path(tempfile.mkdtemp(prefix="tantivy-"))
        index = tantivy.Index(self.schema, path=str(self.directory))
        writer = index.writer(heap_size=200_000_000, num_threads=1)
        for passage in tokenized:
            writer.add_document(tantivy.Document(body=" ".join(passage)))
        writer.commit()
        writer.wait_merging_threads()
        self._open(index)

    def save(self, directory):
        path = directory / "tantivy"
        shutil.copytree(self.directory, path)
        shutil.rmtree(self.directory)
        return path

    def load(self, path):
        import tantivy

        self._open(tantivy.Index.open(str(path)))

    def _open(self, index) -> None:
        import tantivy

        index.reload()
        self.searcher = index.searcher()
        self.term = lambda term: tantivy.Query.term_query(self.schema, "body", term)
        self.should = tantivy.Occur.Should
        self.boolean = tantivy.Query.boolean_query

    def search(self, query):
        return self.searcher.search(self.boolean([(self.should, self.term(t)) for t in dict.fromkeys(query)]), TOP).hits


class RankBm25(Engine):
    name = "rank-bm25 get_scores"

    def build(self, tokenized):
        from rank_bm25 import BM25Plus

        self.bm25 = BM25Plus(tokenized)

    def save(self, directory):
        path = directory / "rank_bm25.pickle"
        with open(path, "wb") as file:
            pickle.dump(self.bm25, file, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    def load(self, path):
        with open(path, "rb") as file:
            self.bm25 = pickle.load(file)

    def search(self, query):
        scores = self.bm25.get_scores(query)
        return np.argpartition(scores, -TOP)[-TOP:] if len(scores) > TOP else scores


def cpu_times(run: Callable[[object], object], items: list) -> list[float]:
    for item in items[:5]:  # warm up caches and lazy imports
        run(item)
    out = []
    for item in items:
        started = time.thread_time()
        run(item)
        out.append(time.thread_time() - started)
    return out


def measure(engine: Engine, tokenized: list[list[str]], questions: list[str], queries: list[list[str]],
            scratch: Path) -> dict[str, float]:
    gc.collect()
    with PeakRss() as memory:
        started = time.process_time()
        engine.build(tokenized)
        build = time.process_time() - started
    path = engine.save(scratch)
    size = disk_mb(path)
    gc.collect()
    started = time.process_time()
    engine.load(path)
    load = time.process_time() - started
    if isinstance(engine, RankBm25):
        questions, queries = questions[:RANK_BM25_QUERIES], queries[:RANK_BM25_QUERIES]
    with_tokens = cpu_times(lambda question: engine.search(terms(question)), questions)
    search_only = cpu_times(engine.search, queries)
    return {
        "build": build, "delta_mb": memory.delta_mb, "peak_mb": memory.peak_mb, "disk_mb": size, "load": load,
        "p50_with": np.percentile(with_tokens, 50) * 1000, "p99_with": np.percentile(with_tokens, 99) * 1000,
        "p50_only": np.percentile(search_only, 50) * 1000, "p99_only": np.percentile(search_only, 99) * 1000,
    }


def exactness(index: SearchIndex, tokenized: list[list[str]], queries: list[list[str]]) -> tuple[float, float]:
    """Shares of queries whose scores equal rank-bm25's get_scores bit for bit, and whose top-10
    equals rank-bm25's ranking (ties in passage order)."""
    from rank_bm25 import BM25Plus

    bm25 = BM25Plus(tokenized)
    exact = agree = 0
    for query in queries:
        expected = bm25.get_scores(query)
        exact += np.array_equal(index.scores(query), expected)
        order = np.lexsort((np.arange(len(expected)), -expected))
        holding = [int(pid) for pid in order[:TOP] if set(tokenized[pid]) & set(query)]
        agree += index.search(query, TOP) == [(pid, float(expected[pid])) for pid in holding]
    return exact / len(queries), agree / len(queries)


def available(names: list[str]) -> list[Engine]:
    engines: list[Engine] = []
    for name in names:
        module = {"ours": None, "bm25s": "bm25s", "tantivy": "tantivy", "rank-bm25": "rank_bm25"}[name]
        try:
            if module:
                __import__(module)
        except ImportError:
            print(f"note: {name} is not installed (pip install -e '.[bench]'); left out")
            continue
        engines.append({"ours": Ours, "bm25s": Bm25s, "tantivy": Tantivy, "rank-bm25": RankBm25}[name]())
    return engines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="passage counts; the largest compares engines")
    parser.add_argument("--passages", type=int, help="one size only, e.g. 1000000 (overrides --sizes)")
    parser.add_argument("--questions", type=int, default=120)
    parser.add_argument("--engines", default=",".join(ENGINES), help=f"compared at the largest size: {','.join(ENGINES)}")
    parser.add_argument("--exactness-queries", type=int, default=40,
                        help="queries checked bit for bit against rank-bm25 at the largest size (0: skip)")
    args = parser.parse_args()
    sizes = [args.passages] if args.passages else [int(size) for size in args.sizes.split(",")]
    names = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = set(names) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines {sorted(unknown)}; choose from {', '.join(ENGINES)}")

    started = time.perf_counter()
    texts = base_passages()
    base = [terms(text) for text in texts]
    questions = sample_questions(args.questions)
    queries = [terms(question) for question in questions]
    print(f"{len(base)} distinct passages tokenized in {time.perf_counter() - started:.1f} s; "
          f"{len(questions)} questions sampled from {', '.join(SETS)}; CPU times; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")

    rows = []
    with tempfile.TemporaryDirectory(prefix="engine-speed-") as scratch:
        for size in sizes:
            tokenized = tiled(base, size)
            largest = size == max(sizes)
            engines = available(names) if largest else [Ours()]
            results = {}
            for engine in engines:
                place = Path(scratch) / f"{size}-{engine.name.split()[0]}"
                place.mkdir()
                results[engine.name] = measure(engine, tokenized, questions, queries, place)
                if isinstance(engine, Ours):
                    postings, term_count = len(engine.index.passage_ids), len(engine.index.term_ids)
                    if largest and args.exactness_queries:
                        exact = exactness(engine.index, tokenized, queries[: args.exactness_queries])
                del engine
                shutil.rmtree(place)
                gc.collect()
            rows.append((size, term_count, postings, results))
            del tokenized
            gc.collect()

    print("| passages | terms | postings | build CPU s | build peak RSS Δ / process peak (MB) | index on disk (MB) "
          "| load CPU ms | p50 / p99 ms (tokenize+search) | p50 / p99 ms (search) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, term_count, postings, results in rows:
        r = results[Ours.name]
        print(f"| {size:,} | {term_count:,} | {postings:,} | {r['build']:.1f} | {r['delta_mb']:.0f} / {r['peak_mb']:.0f} "
              f"| {r['disk_mb']:.0f} | {r['load'] * 1000:.1f} | {r['p50_with']:.2f} / {r['p99_with']:.2f} "
              f"| {r['p50_only']:.2f} / {r['p99_only']:.2f} |")

    size, _, _, results = rows[-1]
    ours = results[Ours.name]
    print(f"\nAt {size:,} passages (ratio: the other engine's figure / this project's; > 1 means this project is better)\n")
    print("| | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for label, key, scale, digits in (
        ("query p50 ms (tokenize+search)", "p50_with", 1, 2), ("query p99 ms (tokenize+search)", "p99_with", 1, 2),
        ("query p50 ms (search)", "p50_only", 1, 3), ("query p99 ms (search)", "p99_only", 1, 3),
        ("build, CPU s", "build", 1, 1), ("build peak RSS Δ, MB", "delta_mb", 1, 0),
        ("index on disk, MB", "disk_mb", 1, 0), ("load from disk, CPU ms", "load", 1000, 1),
    ):
        cells = []
        for name, r in results.items():
            value = f"{r[key] * scale:.{digits}f}"
            cells.append(value if name == Ours.name else f"{value} ({r[key] / ours[key]:.2g}x)" if ours[key] else value)
        print(f"| {label} | " + " | ".join(cells) + " |")
    if RankBm25.name in results:
        print(f"\nrank-bm25's query times are over the first {RANK_BM25_QUERIES} questions only.")
    if args.exactness_queries:
        exact, agree = exact
        print(f"\nAgainst rank-bm25 BM25Plus over {args.exactness_queries} queries: scores equal to get_scores "
              f"(np.array_equal) {exact:.0%}; top-{TOP} passages and scores equal to its ranking {agree:.0%}")

    goals = {
        100_000: [("tokenize+search p50 <= 1 ms", ours["p50_with"] <= 1), ("p99 <= 4 ms", ours["p99_with"] <= 4),
                  ("build <= 20 CPU s", ours["build"] <= 20), ("build peak Δ <= 600 MB", ours["delta_mb"] <= 600),
                  ("disk <= 80 MB", ours["disk_mb"] <= 80), ("load <= 50 ms", ours["load"] <= 0.05)],
        1_000_000: [("query p50 <= 10 ms", ours["p50_with"] <= 10), ("process peak <= 6 GB", ours["peak_mb"] <= 6144)],
    }.get(size)
    if goals:
        print(f"\nGoals at {size:,}: " + "; ".join(f"{goal} {'met' if met else 'NOT met'}" for goal, met in goals))

if __name__ == "__main__":
    main()
