"""Stage 1 of answering: the passages worth a closer look.

BM25's best LEXICAL_DEPTH passages, and, with the model, the DENSE_PER_POOL passages closest in
meaning in each language of the whole collection (the model prefers its own language, so a
Chinese question's answer stated only in an English article is found among the English
passages, not under the Chinese ones). Deeper BM25 results follow, in BM25's order, so that
"more" can page on. In: the question's terms, the index, the model's closeness; out: `Candidates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from retrieval.index.bm25 import SearchIndex
from retrieval.semantic.semantic_index import Closeness

# How many of BM25's best are weighed with the model, and without it.
LEXICAL_DEPTH_SEMANTIC = 30
LEXICAL_DEPTH = 16
DENSE_PER_POOL = 8


@dataclass(frozen=True)
class Candidate:
    """A passage found by BM25 (`lexical_rank`, 0 = best) and/or by the model (`dense_rank`)."""

    passage: int
    bm25: float
    lexical_rank: int | None
    dense_rank: int | None


@dataclass(frozen=True)
class Candidates:
    """The passages to weigh (`head`, BM25's and the model's), and deeper BM25 ones (`tail`)."""

    head: tuple[Candidate, ...]
    tail: tuple[Candidate, ...]


def gather_candidates(
    index: SearchIndex,
    terms: list[str],
    closeness: Closeness | None,
    wanted: int,
    lexical_scores: Callable[[list[int]], list[float]],
) -> Candidates:
    """BM25's best and the model's nearest (see the module's docstring); at least `wanted`
    passages in all when BM25 finds that many. `lexical_scores` gives BM25 scores of passages."""
    depth = LEXICAL_DEPTH if closeness is None else LEXICAL_DEPTH_SEMANTIC
    ranked = index.search(terms, max(depth, wanted))
    dense = [] if closeness is None else closeness.nearest_passages(DENSE_PER_POOL)
    dense_rank = {pid: rank for rank, pid in enumerate(dense)}
    head = [Candidate(pid, score, rank, dense_rank.get(pid)) for rank, (pid, score) in enumerate(ranked[:depth])]
    present = {c.passage for c in head}
    extra = [pid for pid in dense if pid not in present]
    head += [Candidate(pid, score, None, dense_rank[pid]) for pid, score in zip(extra, lexical_scores(extra))]
    added = set(extra)
    tail = [Candidate(pid, score, depth + rank, None)
            for rank, (pid, score) in enumerate(ranked[depth:]) if pid not in added]
    return Candidates(tuple(head), tuple(tail))
