"""The vectors of the sentences quotes are made of, and how close a question is to each.

Only sentences are embedded: a passage is as close to a question as its closest sentence. In
our measurements passage vectors added nothing to that, and embedding is the slow part of
indexing (it would have doubled it). Cosines of one model are only comparable as z-scores
within a question: how far above the corpus's mean a sentence or passage stands for this
question (a cosine of 0.86 is excellent for one question and ordinary for another).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.corpus import Corpus
from retrieval.embedder import Embedder
from retrieval.passages import Passage
from retrieval.sentences import split_sentences
from retrieval.vector_store import Progress, VectorStore, embed_missing, text_key

# Languages' passages are ranked apart for dense candidates: the model prefers its own language,
# so one mixed ranking buries an English passage under Chinese ones for a Chinese question.
LATIN_POOL, CHINESE_POOL = 0, 1


@dataclass(frozen=True)
class SemanticIndex:
    """Vectors of every passage's sentences; the sentence rows of passage p are
    `sentence_offsets[p]:sentence_offsets[p + 1]`, with spans in the article's text."""

    identity: str
    passage_pools: np.ndarray
    sentence_offsets: np.ndarray
    sentence_spans: np.ndarray
    sentence_vectors: np.ndarray

    def closeness(self, question_vector: np.ndarray) -> "Closeness":
        """How close each passage and sentence is to the question (unit vector)."""
        sentence = self.sentence_vectors @ question_vector
        counts = np.diff(self.sentence_offsets)
        passage = np.full(len(counts), -1.0, dtype=np.float32)
        if len(sentence):
            passage[counts > 0] = np.maximum.reduceat(sentence, self.sentence_offsets[:-1][counts > 0])
        sentence_pools = np.repeat(self.passage_pools, counts)
        return Closeness(self, passage, sentence, _z_scores(passage, self.passage_pools),
                         _z_scores(sentence, sentence_pools))

    def sentences_of(self, passage_id: int) -> range:
        """The sentence rows of one passage."""
        return range(int(self.sentence_offsets[passage_id]), int(self.sentence_offsets[passage_id + 1]))

    def save(self, path: str | Path) -> None:
        np.savez(path, identity=np.array(self.identity), passage_pools=self.passage_pools, sentence_offsets=self.sentence_offsets,
                 sentence_spans=self.sentence_spans, sentence_vectors=self.sentence_vectors)

    @classmethod
    def load(cls, path: str | Path) -> "SemanticIndex":
        with np.load(path, allow_pickle=False) as data:
            return cls(str(data["identity"]), data["passage_pools"],
                       data["sentence_offsets"], data["sentence_spans"], data["sentence_vectors"])


@dataclass(frozen=True)
class Closeness:
    """One question's cosines and z-scores (within each language) against every passage and sentence."""

    index: SemanticIndex
    passage: np.ndarray
    sentence: np.ndarray
    passage_z: np.ndarray
    sentence_z: np.ndarray

    def preferred_pool(self, own: int, margin: float) -> int:
        """The question's own language pool, unless the other pool's closest passage stands
        `margin` z-scores higher than the own pool's closest (or the own pool is empty)."""
        best = {}
        for pool in (LATIN_POOL, CHINESE_POOL):
            members = self.index.passage_pools == pool
            if members.any():
                best[pool] = float(self.passage_z[members].max())
        other = CHINESE_POOL if own == LATIN_POOL else LATIN_POOL
        if own not in best or (other in best and best[other] >= best[own] + margin):
            return other
        return own

    def nearest_passages(self, per_pool: int) -> list[int]:
        """The `per_pool` closest passages of each language, closest first within a pool."""
        chosen: list[int] = []
        for pool in (LATIN_POOL, CHINESE_POOL):
            ids = np.flatnonzero(self.index.passage_pools == pool)
            if len(ids):
                order = np.lexsort((ids, -self.passage[ids]))[:per_pool]
                chosen.extend(int(i) for i in ids[order])
        return chosen


def _z_scores(values: np.ndarray, pools: np.ndarray) -> np.ndarray:
    """Each value's z-score within its language pool (the model rates text in the question's
    language higher across the board, so pools are compared each with itself)."""
    z = np.zeros(len(values), dtype=np.float64)
    for pool in (LATIN_POOL, CHINESE_POOL):
        members = pools == pool
        if members.sum() >= 2:
            chosen = values[members].astype(np.float64)
            spread = chosen.std()
            if spread > 0:
                z[members] = (chosen - chosen.mean()) / spread
    return z


def pool_of_language(lang: str) -> int:
    """The pool of a language tag: Chinese ("zh…") or not."""
    return CHINESE_POOL if lang.startswith("zh") else LATIN_POOL


def sentence_texts(corpus: Corpus, passages: list[Passage]) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """The text of every passage's sentences in order, and each passage's sentence spans (lines,
    in code: the units an excerpt is made of)."""
    texts, spans = [], []
    for passage in passages:
        article = corpus.articles[passage.article]
        text = article.text
        spans.append(split_sentences(text, passage.start, passage.end, article.code_spans(passage.start, passage.end)))
        texts.extend(text[start:end] for start, end in spans[-1])
    return texts, spans


def build_semantic_index(
    corpus: Corpus,
    passages: list[Passage],
    embedder: Embedder,
    store: VectorStore,
    progress: Progress | None = None,
    checkpoint=None,
    budget_seconds: float | None = None,
) -> SemanticIndex:
    """Embed what `store` lacks of the passages' sentences, and gather their vectors
    (EmbeddingTooSlow when that would take over `budget_seconds`)."""
    texts, sentence_spans = sentence_texts(corpus, passages)
    embed_missing(texts, embedder, store, progress, checkpoint, budget_seconds)
    counts = [len(spans) for spans in sentence_spans]
    return SemanticIndex(
        identity=embedder.identity,
        passage_pools=np.array([pool_of_language(corpus.articles[p.article].info.lang) for p in passages], dtype=np.int8),
        sentence_offsets=np.concatenate(([0], np.cumsum(counts, dtype=np.int64))).astype(np.int64),
        sentence_spans=np.array([span for spans in sentence_spans for span in spans], dtype=np.int64).reshape(-1, 2),
        sentence_vectors=store.vectors([text_key(t) for t in texts]),
    )
