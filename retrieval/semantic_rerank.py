"""Re-ranking BM25's candidates with the embedding model's closeness, and the candidates it adds.

BM25's best SEMANTIC_DEPTH passages, and the DENSE_PER_POOL closest passages of each language (a
Chinese question's answer may be stated only in an English article), are scored by a blend:
(1 - SEMANTIC_SHARE) of the lexical score relative to the best one, and SEMANTIC_SHARE of the
passage's closeness (its z-score within its language, saturating at CLOSENESS_SATURATION). The
question's language is preferred unless the other language holds a clearly closer passage
(CROSS_LANGUAGE_MARGIN standard deviations further above its mean); passages of the language
not preferred count CROSS_LANGUAGE_FACTOR less. A sentence's closeness also helps choose the
sentence a quote grows from (SEED_CLOSENESS_WEIGHT × z added to its query weight).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from retrieval.corpus import Article
from retrieval.excerpts import Excerpt
from retrieval.semantic_index import Closeness, SemanticIndex, pool_of_language

log = logging.getLogger(__name__)

SEMANTIC_DEPTH = 30
DENSE_PER_POOL = 5
SEMANTIC_SHARE = 0.5
CLOSENESS_SATURATION = 5.0
SEED_CLOSENESS_WEIGHT = 0.3
CROSS_LANGUAGE_MARGIN = 1.0
CROSS_LANGUAGE_FACTOR = 0.8
# A sentence this close (cosine) to the question says what it asks, in other words: the
# question is not declined for sharing few words with the articles or with the quote.
STRONG_COSINE = 0.86


@dataclass
class Candidate:
    """A passage on its way to becoming a hit: its score so far, its BM25 rank, its excerpt."""

    score: float
    rank: int
    passage: int
    article: Article
    excerpt: Excerpt

    def order(self) -> tuple[float, int]:
        return (-self.score, self.rank)


def with_nearest(
    ranked: list[tuple[int, float]], closeness: Closeness, lexical_scores: Callable[[list[int]], list[float]]
) -> tuple[list[tuple[int, float]], int]:
    """BM25's ranking (passage, score) with the closest passages of each language that its first
    SEMANTIC_DEPTH lack put after them (`lexical_scores` gives their BM25 scores), and how many
    to re-rank: those first ones and these."""
    head = ranked[:SEMANTIC_DEPTH]
    present = {pid for pid, _ in head}
    extra = [pid for pid in closeness.nearest_passages(DENSE_PER_POOL) if pid not in present]
    if not extra:
        return ranked, len(head)
    head += list(zip(extra, lexical_scores(extra)))
    added = set(extra)
    return head + [(pid, score) for pid, score in ranked[SEMANTIC_DEPTH:] if pid not in added], len(head)


def seed_bonus(semantic: SemanticIndex, closeness: Closeness, passage: int) -> dict[int, float]:
    """Each sentence of the passage's closeness as extra query weight, by where it starts."""
    return {
        int(semantic.sentence_spans[row][0]): SEED_CLOSENESS_WEIGHT * float(closeness.sentence_z[row])
        for row in semantic.sentences_of(passage)
    }


def blend(candidates: list[Candidate], closeness: Closeness, lang: str) -> None:
    """Score each candidate (whose score is lexical so far) by the blend described above."""
    own = pool_of_language(lang)
    preferred = closeness.preferred_pool(own, CROSS_LANGUAGE_MARGIN)
    # Lexical scores of two languages are comparable only where the question's words are in
    # both (names, mixed questions); when the other language is preferred, each counts within
    # its own language.
    separate = preferred != own
    best: dict[int, float] = {}
    for candidate in candidates:
        pool = pool_of_language(candidate.article.info.lang) if separate else own
        best[pool] = max(best.get(pool, 0.0), candidate.score)
    for candidate in candidates:
        pool = pool_of_language(candidate.article.info.lang)
        top = best[pool if separate else own]
        lexical = candidate.score / top if top > 0 else 0.0
        z = float(closeness.passage_z[candidate.passage])
        near = min(max(z, 0.0) / CLOSENESS_SATURATION, 1.0)
        factor = 1.0 if pool == preferred else CROSS_LANGUAGE_FACTOR
        log.debug("passage %d: lexical %.3f, closeness z %.2f", candidate.passage, lexical, z)
        candidate.score = factor * ((1 - SEMANTIC_SHARE) * lexical + SEMANTIC_SHARE * near)


def strongly_close(closeness: Closeness | None, passage: int | None = None) -> bool:
    """True when some sentence (of `passage`, or of any passage) is very close to the question."""
    if closeness is None:
        return False
    value = closeness.passage.max(initial=-1.0) if passage is None else closeness.passage[passage]
    return float(value) >= STRONG_COSINE

