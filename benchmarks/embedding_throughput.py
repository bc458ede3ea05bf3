"""Embedding throughput of the bundled model on 1 and on every core: the same sentences embedded
by `vector_store.embed_missing` with 1, then N worker processes (fresh stores each time), in one
run. Prints a markdown table of wall time, characters per second and the ratio to one process,
and checks that every run made the same vectors.

    python benchmarks/embedding_throughput.py [--characters 40000] [--workers 1,2]

The sentences are the first of SQuAD's paragraphs (../shared/eval/external/squad-dev/corpus),
split as the index splits them. Wall time includes starting the workers and loading their models
(about a second each), as a build pays it. CPU s adds this process's and its workers' user and
system time: characters per CPU second staying level as processes are added shows the work
itself scales, whatever share of the cores a busy machine leaves the run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.documents.corpus import load_corpus  # noqa: E402
from retrieval.semantic.embedder import load_embedder  # noqa: E402
from retrieval.documents.passages import split_passages  # noqa: E402
from retrieval.text.sentences import split_sentences  # noqa: E402
from retrieval.semantic.vector_store import VectorStore, embed_missing, text_key  # noqa: E402

# ../shared beside the repository (a worktree under wt/ looks two levels up).
SHARED = next((p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").is_dir()), REPO.parent / "shared")
CORPUS = SHARED / "eval" / "external" / "squad-dev" / "corpus"


def sentences(characters: int) -> list[str]:
    """Distinct sentences of the SQuAD articles, in order, adding up to about `characters`."""
    chosen, seen, total = [], set(), 0
    for position, article in enumerate(load_corpus(CORPUS).articles):
        for passage in split_passages(article, position):
            for start, end in split_sentences(article.text, passage.start, passage.end):
                text = article.text[start:end]
                if text not in seen:
                    seen.add(text)
                    chosen.append(text)
                    total += len(text)
                    if total >= characters:
                        return chosen
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--characters", type=int, default=40_000)
    parser.add_argument("--workers", default=f"1,{len(os.sched_getaffinity(0))}")
    args = parser.parse_args()
    choice = load_embedder()
    if choice.embedder is None:
        sys.exit(f"no model: {choice.reason}")
    texts = sentences(args.characters)
    characters = sum(map(len, texts))
    load = os.getloadavg()[0]
    print(f"{len(texts)} sentences, {characters:,} characters; {len(os.sched_getaffinity(0))} cores, "
          f"load average {load:.1f} at the start (a shared machine)\n")
    print("| processes | wall s | characters/s | vs 1 process | CPU s | characters per CPU s |")
    print("|---:|---:|---:|---:|---:|---:|")
    first_rate, reference = None, None
    for workers in (int(w) for w in args.workers.split(",")):
        store = VectorStore(choice.embedder.identity)
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        embed_missing(texts, choice.embedder, store, workers=workers)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
        rate = characters / seconds
        first_rate = first_rate or rate
        codes = store.quantized([text_key(t) for t in texts])[0]
        if reference is None:
            reference = codes
        same = "" if np.array_equal(codes, reference) else " (vectors differ!)"
        print(f"| {workers} | {seconds:.1f} | {rate:,.0f} | {rate / first_rate:.2f}x{same} | {cpu:.1f} | {characters / cpu:,.0f} |")


def _cpu_seconds() -> float:
    """User and system time of this process and of its finished children (the workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
