"""The vectors of the sentences quotes are made of, and how close a question is to each.

Only sentences are embedded: a passage is as close to a question as its closest sentence. In
our measurements passage vectors added nothing to that, and embedding is the slow part of
indexing (it would have doubled it). Cosines of one model are only comparable as z-scores
within a question: how far above the corpus's mean a sentence or passage stands for this
question (a cosine of 0.86 is excellent for one question and ordinary for another).

The vectors are int8 with a scale per row (retrieval/semantic/vector_store.py), kept in an array file and
memory-mapped: a question's cosines are blocked matrix products, BLOCK_ROWS rows widened to
float32 at a time, so neither loading nor answering ever copies the whole matrix into memory;
nor does building it: the sentences' spans and keys are listed to files, then their vectors
are looked up and written into the array file BUILD_BLOCK_SENTENCES at a time.
A language pool of up to CLUSTERED_POOL_ROWS sentences is scanned whole, every cosine exact
(about 0.3 CPU µs a sentence on a busy core: 250 ms a question at 780k sentences). A larger
pool is searched through clusters of its vectors (retrieval/semantic/sentence_clusters.py): only the
nearest clusters' sentences are scanned, and the mean and spread the z-scores need are
computed from the pool's moments and a fixed sample of passages; every cosine asked for is
still exact. `Closeness` is the same object either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.storage.array_file import ArrayStream, FileArray, read_arrays, write_arrays
from retrieval.documents.corpus import Article, Corpus
from retrieval.documents.passages import Passage
from retrieval.semantic.sentence_clusters import CLUSTERED_POOL_ROWS, PoolStatistics, SentenceClusters, cluster_pool, passage_rows
from retrieval.text.sentences import split_sentences
from retrieval.semantic.vector_store import DIGEST_BYTES, VectorStore, dequantize, text_key

# Rows widened to float32 per step of a question's matrix product: 16k rows of 384 are 24 MB,
# which stays in the caches of the machines we run on and bounds a question's temporary memory.
BLOCK_ROWS = 16384
# Sentences whose spans, keys and vectors a build holds at a time, on their way to files: its
# memory stays the same whatever the collection's size (16k sentences: about 25 MB of Python objects).
BUILD_BLOCK_SENTENCES = 16384

# Languages' passages are ranked apart for dense candidates: the model prefers its own language,
# so one mixed ranking buries an English passage under Chinese ones for a Chinese question.
LATIN_POOL, CHINESE_POOL = 0, 1
# The nearest sentences of a clustered pool whose passages are its nearest passages.
NEAREST_ROWS = 64


@dataclass(frozen=True)
class SemanticIndex:
    """Vectors of every passage's sentences; the sentence rows of passage p are
    `sentence_offsets[p]:sentence_offsets[p + 1]`, with spans in the article's text. `clusters`:
    the language pools too large to scan whole, grouped for a question (sentence_clusters.py)."""

    identity: str
    passage_pools: np.ndarray
    sentence_offsets: np.ndarray
    sentence_spans: np.ndarray
    sentence_codes: np.ndarray
    sentence_scales: np.ndarray
    clusters: dict[int, SentenceClusters] = field(default_factory=dict, compare=False, repr=False)
    _derived: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def sentence_vectors(self) -> np.ndarray:
        """Every sentence's vector as float32 (a copy of the whole matrix: for tests and tools)."""
        return dequantize(self.sentence_codes, self.sentence_scales)

    def cosines(self, question_vector: np.ndarray) -> np.ndarray:
        """Each sentence's cosine with the question (unit vector), BLOCK_ROWS rows at a time."""
        query = np.asarray(question_vector, dtype=np.float32)
        count = len(self.sentence_codes)
        out = np.empty(count, dtype=np.float32)
        for first in range(0, count, BLOCK_ROWS):
            block = self.sentence_codes[first : first + BLOCK_ROWS].astype(np.float32)
            # einsum's own loop, not BLAS: OpenBLAS's threads spin waiting for each other on a
            # busy machine (a 60k-row product took 29 CPU ms through matmul, 8 through einsum).
            np.einsum("ij,j->i", block, query, out=out[first : first + BLOCK_ROWS])
        out *= self.sentence_scales
        return out

    def cosines_of(self, rows: np.ndarray, question_vector: np.ndarray) -> np.ndarray:
        """The cosines of some sentence rows with the question (unit vector)."""
        out = np.empty(len(rows), dtype=np.float32)
        for first in range(0, len(rows), BLOCK_ROWS):
            chosen = rows[first : first + BLOCK_ROWS]
            np.einsum("ij,j->i", self.sentence_codes[chosen].astype(np.float32), question_vector,
                      out=out[first : first + BLOCK_ROWS])
        out *= self.sentence_scales[rows]
        return out

    def closeness(self, question_vector: np.ndarray) -> "Closeness":
        """How close each passage and sentence is to the question (unit vector): every cosine
        computed when no pool is clustered, else only those asked for (see `Closeness`)."""
        query = np.asarray(question_vector, dtype=np.float32)
        if not self.clusters:
            return self._exact_closeness(query)
        pools = {}
        for pool in (LATIN_POOL, CHINESE_POOL):
            if pool in self.clusters:
                pools[pool] = self._clustered_pool(pool, query)
            elif len(self.pool_passages(pool)):
                pools[pool] = self._scanned_pool(pool, query)
        return Closeness(self, query, pools)

    def _exact_closeness(self, query: np.ndarray) -> "Closeness":
        """Every sentence's and passage's cosine, by one pass over the whole matrix."""
        sentence = self.cosines(query)
        counts, starts, nonempty = self._passage_rows()
        passage = np.full(len(counts), -1.0, dtype=np.float32)
        if len(sentence):
            passage[nonempty] = np.maximum.reduceat(sentence, starts)
        pools = {}
        for pool in (LATIN_POOL, CHINESE_POOL):
            ids = self.pool_passages(pool)
            if len(ids):
                pools[pool] = _pool_closeness(ids, passage[ids], sentence[self._sentence_pools() == pool])
        return Closeness(self, query, pools, passage, sentence)

    def _scanned_pool(self, pool: int, query: np.ndarray) -> "PoolCloseness":
        """A pool small enough to scan whole, beside a clustered one: its rows gathered."""
        ids = self.pool_passages(pool)
        rows = self.rows_of(ids)
        sentence = self.cosines_of(rows, query)
        counts = np.diff(self.sentence_offsets)[ids]
        passage = np.full(len(ids), -1.0, dtype=np.float32)
        if len(sentence):
            firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))[counts > 0]
            passage[counts > 0] = np.maximum.reduceat(sentence, firsts)
        return _pool_closeness(ids, passage, sentence)

    def _clustered_pool(self, pool: int, query: np.ndarray) -> "PoolCloseness":
        """A clustered pool: the passages of the nearest sentences in the probed clusters, by their
        exact cosines, and the pool's statistics (sentence_clusters.py)."""
        clusters = self.clusters[pool]
        rows = clusters.probed_rows(query)
        cosines = self.cosines_of(rows, query)
        best = rows[np.argsort(-cosines, kind="stable")[:NEAREST_ROWS]]
        ids = np.unique(np.searchsorted(self.sentence_offsets, best, side="right") - 1)
        passage = self._passage_cosines(ids, query)
        order = np.lexsort((ids, -passage))
        return PoolCloseness(clusters.statistics(query), ids[order], dict(zip(ids.tolist(), passage.tolist())))

    def _passage_cosines(self, ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        """The cosine of each passage of `ids` (its closest sentence; -1 without sentences)."""
        counts = np.diff(self.sentence_offsets)[ids]
        passage = np.full(len(ids), -1.0, dtype=np.float32)
        if counts.sum():
            sentence = self.cosines_of(self.rows_of(ids), query)
            firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))[counts > 0]
            passage[counts > 0] = np.maximum.reduceat(sentence, firsts)
        return passage

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """The sentence rows of the passages `ids`, in their order."""
        return passage_rows(self.sentence_offsets, ids)

    def pool_passages(self, pool: int) -> np.ndarray:
        """The ids of the passages in a language pool, ascending."""
        key = ("pool", pool)
        if key not in self._derived:
            self._derived[key] = np.flatnonzero(self.passage_pools == pool)
        return self._derived[key]

    def _passage_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sentences per passage, the first rows of passages that have any, and which those are."""
        if "rows" not in self._derived:
            counts = np.diff(self.sentence_offsets)
            nonempty = counts > 0
            self._derived["rows"] = (counts, self.sentence_offsets[:-1][nonempty], nonempty)
        return self._derived["rows"]

    def _sentence_pools(self) -> np.ndarray:
        if "pools" not in self._derived:
            self._derived["pools"] = np.repeat(self.passage_pools, self._passage_rows()[0])
        return self._derived["pools"]

    def sentences_of(self, passage_id: int) -> range:
        """The sentence rows of one passage."""
        return range(int(self.sentence_offsets[passage_id]), int(self.sentence_offsets[passage_id + 1]))

    def pools_to_cluster(self) -> list[int]:
        """The language pools with more than CLUSTERED_POOL_ROWS sentences."""
        counts = np.diff(self.sentence_offsets)
        return [pool for pool in (LATIN_POOL, CHINESE_POOL)
                if int(counts[self.passage_pools == pool].sum()) > CLUSTERED_POOL_ROWS]

    def clustered(self, pools: list[int] | None = None) -> dict[int, SentenceClusters]:
        """The clusters of `pools` (default: `pools_to_cluster()`), computed now."""
        return {pool: cluster_pool(self.sentence_codes, self.sentence_scales, self.sentence_offsets,
                                   self.pool_passages(pool))
                for pool in (self.pools_to_cluster() if pools is None else pools)}

    def save(self, file) -> None:
        """Write the index to the binary `file` as an array file (without its clusters)."""
        write_arrays(file, {"passage_pools": self.passage_pools, "sentence_offsets": self.sentence_offsets,
                            "sentence_spans": self.sentence_spans, "sentence_codes": self.sentence_codes,
                            "sentence_scales": self.sentence_scales}, {"identity": self.identity})

    @classmethod
    def load(cls, path: str | Path) -> "SemanticIndex":
        """The index `save` wrote, memory-mapped; ValueError when the file is not one."""
        arrays, meta = read_arrays(path)
        index = cls(str(meta["identity"]), arrays["passage_pools"], arrays["sentence_offsets"],
                    arrays["sentence_spans"], arrays["sentence_codes"], arrays["sentence_scales"])
        if len(index.sentence_codes) != len(index.sentence_scales) or index.sentence_offsets[-1] != len(index.sentence_codes):
            raise ValueError(f"{path}: the vectors and their sentences disagree on their number")
        return index


@dataclass(frozen=True)
class PoolCloseness:
    """One question's closeness to one language pool: its statistics, its passages closest
    first (all of them, or the nearest found in a clustered pool), and cosines known so far."""

    statistics: PoolStatistics
    nearest: np.ndarray
    cosines: dict[int, float]


class Closeness:
    """One question's cosines and z-scores (within each language) against the passages and
    sentences. Every cosine asked for is exact; with clustered pools the nearest passages are
    those of the nearest sentences found, and a pool's mean and spread are estimated
    (sentence_clusters.py)."""

    def __init__(self, index: SemanticIndex, query: np.ndarray, pools: dict[int, PoolCloseness],
                 passage: np.ndarray | None = None, sentence: np.ndarray | None = None):
        self.index = index
        self._query = query
        self._pools = pools
        # Every passage's and sentence's cosine, when one pass computed them all.
        self._passage = passage
        self._sentence = sentence

    def passage_cosines(self, ids) -> np.ndarray:
        """The cosine of each passage of `ids` with the question (its closest sentence's)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if self._passage is not None:
            return self._passage[ids]
        known = {}
        for pool in self._pools.values():
            known.update((pid, pool.cosines[pid]) for pid in ids.tolist() if pid in pool.cosines)
        missing = np.array(sorted(set(ids.tolist()) - known.keys()), dtype=np.int64)
        if len(missing):
            found = self.index._passage_cosines(missing, self._query)
            for pid, cosine in zip(missing.tolist(), found.tolist()):
                self._pools[int(self.index.passage_pools[pid])].cosines[pid] = cosine
                known[pid] = cosine
        return np.array([known[pid] for pid in ids.tolist()], dtype=np.float32)

    def passage_cosine(self, pid: int) -> float:
        return float(self.passage_cosines([pid])[0])

    def passage_zs(self, ids) -> np.ndarray:
        """The z-score of each passage of `ids` within its language pool."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        cosines = self.passage_cosines(ids).astype(np.float64)
        return self._z(cosines, self.index.passage_pools[ids], "passage")

    def passage_z(self, pid: int) -> float:
        return float(self.passage_zs([pid])[0])

    def sentence_zs(self, passage_id: int) -> np.ndarray:
        """The z-score of each sentence of one passage within its language pool."""
        rows = np.arange(self.index.sentence_offsets[passage_id], self.index.sentence_offsets[passage_id + 1])
        cosines = self._sentence[rows] if self._sentence is not None else self.index.cosines_of(rows, self._query)
        pool = int(self.index.passage_pools[passage_id])
        return self._z(cosines.astype(np.float64), np.full(len(rows), pool), "sentence")

    def _z(self, values: np.ndarray, pools: np.ndarray, kind: str) -> np.ndarray:
        z = np.zeros(len(values), dtype=np.float64)
        for pool, closeness in self._pools.items():
            members = pools == pool
            mean = getattr(closeness.statistics, f"{kind}_mean")
            spread = getattr(closeness.statistics, f"{kind}_spread")
            if spread > 0 and members.any():
                z[members] = (values[members] - mean) / spread
        return z

    def top_zs(self) -> tuple[float, float]:
        """The two highest passage z-scores of the collection (0 stands in for a missing second)."""
        best = []
        for closeness in self._pools.values():
            best.extend(self.passage_zs(closeness.nearest[:2]).tolist())
        best.sort()
        if len(best) < 2:
            return 0.0, max(best, default=0.0)
        return best[-2], best[-1]

    def preferred_pool(self, own: int, margin: float) -> int:
        """The question's own language pool, unless the other pool's closest passage stands
        `margin` z-scores higher than the own pool's closest (or the own pool is empty)."""
        best = {pool: self.passage_z(int(closeness.nearest[0])) for pool, closeness in self._pools.items()}
        other = CHINESE_POOL if own == LATIN_POOL else LATIN_POOL
        if own not in best or (other in best and best[other] >= best[own] + margin):
            return other
        return own

    def nearest_other(self, own: int) -> int | None:
        """The closest passage of the language pool other than `own` (None: it has none)."""
        other = self._pools.get(CHINESE_POOL if own == LATIN_POOL else LATIN_POOL)
        return None if other is None or not len(other.nearest) else int(other.nearest[0])

    def nearest_passages(self, per_pool: int) -> list[int]:
        """The `per_pool` closest passages of each language, closest first within a pool."""
        chosen: list[int] = []
        for pool in (LATIN_POOL, CHINESE_POOL):
            if pool in self._pools:
                chosen.extend(int(i) for i in self._pools[pool].nearest[:per_pool])
        return chosen


def _pool_closeness(ids: np.ndarray, passage: np.ndarray, sentence: np.ndarray) -> PoolCloseness:
    """A pool's closeness from every cosine of its passages (`ids`, ascending) and sentences."""
    order = np.lexsort((ids, -passage))
    return PoolCloseness(PoolStatistics(*_spread(passage), *_spread(sentence)), ids[order], {})


def _spread(values: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of some cosines; a spread of 0 for fewer than two (the model
    rates text in the question's language higher across the board, so each language pool's
    cosines are compared with each other only)."""
    if len(values) < 2:
        return 0.0, 0.0
    chosen = values.astype(np.float64)
    return float(chosen.mean()), float(chosen.std())


def pool_of_language(lang: str) -> int:
    """The pool of a language tag: Chinese ("zh…") or not."""
    return CHINESE_POOL if lang.startswith("zh") else LATIN_POOL


def sentence_texts(corpus: Corpus, passages: Sequence[Passage]) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """The text of every passage's sentences in order, and each passage's sentence spans (see
    `passage_sentence_spans`), all in memory (a build streams them instead: `list_sentences`)."""
    texts, spans = [], []
    for passage in passages:
        article = corpus.articles[passage.article]
        spans.append(passage_sentence_spans(article, passage))
        texts.extend(article.text[start:end] for start, end in spans[-1])
    return texts, spans


def passage_sentence_spans(article: Article, passage: Passage) -> list[tuple[int, int]]:
    """A passage's sentence spans (lines, in code: the units an excerpt is made of), led by the
    heading right above the passage when there is one: it is never quoted, but its closeness
    speaks for the text under it."""
    heading = article.heading_above(passage.start)
    return ([heading] if heading else []) + split_sentences(article.text, passage.start, passage.end,
                                                            article.code_spans(passage.start, passage.end))


@dataclass
class SentenceListing:
    """Every passage's sentences as a build lists them: their spans (S, 2) and text keys (S,
    DIGEST_BYTES) in files, the sentence rows of each passage (`offsets`), each passage's
    language pool, and the texts (by key) whose vectors the store lacked."""

    spans: FileArray
    keys: FileArray
    offsets: np.ndarray
    pools: np.ndarray
    missing: dict[bytes, str]

    def close(self) -> None:
        self.spans.close()
        self.keys.close()


def list_sentences(corpus: Corpus, passages: Sequence[Passage], store: VectorStore, scratch: Path) -> SentenceListing:
    """Split every passage into sentences, writing their spans and keys to files in `scratch`
    BUILD_BLOCK_SENTENCES at a time; only the texts `store` lacks are kept in memory."""
    listing = SentenceListing(FileArray(scratch / "sentence_spans", np.int64, (2,)),
                              FileArray(scratch / "sentence_keys", np.uint8, (DIGEST_BYTES,)),
                              np.zeros(len(passages) + 1, dtype=np.int64), np.zeros(len(passages), dtype=np.int8), {})
    spans: list[tuple[int, int]] = []
    keys: list[bytes] = []
    for number, passage in enumerate(passages):
        article = corpus.articles[passage.article]
        found = passage_sentence_spans(article, passage)
        listing.pools[number] = pool_of_language(article.info.lang)
        listing.offsets[number + 1] = listing.offsets[number] + len(found)
        for start, end in found:
            text = article.text[start:end]
            key = text_key(text)
            if key not in store and key not in listing.missing:
                listing.missing[key] = text
            keys.append(key)
        spans.extend(found)
        if len(keys) >= BUILD_BLOCK_SENTENCES:
            _write_sentences(listing, spans, keys)
    _write_sentences(listing, spans, keys)
    return listing


def _write_sentences(listing: SentenceListing, spans: list[tuple[int, int]], keys: list[bytes]) -> None:
    """Append the spans and keys gathered so far to the listing's files, and forget them."""
    listing.spans.append(np.array(spans, dtype=np.int64).reshape(-1, 2))
    listing.keys.append(np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, DIGEST_BYTES))
    spans.clear()
    keys.clear()


def write_semantic_index(file, listing: SentenceListing, store: VectorStore, identity: str) -> None:
    """Write the semantic index of the listed sentences to the binary `file` (the array file
    `SemanticIndex.load` reads), their vectors taken from `store` BUILD_BLOCK_SENTENCES rows at
    a time (KeyError for a sentence it lacks)."""
    count = len(listing.keys)

    def looked_up(part: int):  # 0: the codes, 1: the scales
        for first in range(0, count, BUILD_BLOCK_SENTENCES):
            block = listing.keys[first : first + BUILD_BLOCK_SENTENCES].tobytes()
            keys = [block[at : at + DIGEST_BYTES] for at in range(0, len(block), DIGEST_BYTES)]
            yield store.quantized(keys)[part]

    write_arrays(file, {"passage_pools": listing.pools, "sentence_offsets": listing.offsets,
                        "sentence_spans": listing.spans,
                        "sentence_codes": ArrayStream(np.int8, (count, store.dim), lambda: looked_up(0)),
                        "sentence_scales": ArrayStream(np.float32, (count,), lambda: looked_up(1))},
                 {"identity": identity})
