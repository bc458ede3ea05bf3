"""The nearest sentences of a large language pool without scanning all of them: the pool's
sentence vectors grouped around centroids (k-means, made once and cached with the vectors), and
a question's closeness read from the few groups whose centroids are nearest to it.

A pool of more than CLUSTERED_POOL_ROWS sentences is split into about CLUSTERS_PER_ROOT·√rows
clusters; a question scores the centroids and computes the exact cosines of the sentences of
the PROBED_CLUSTERS nearest ones (about 2% of a 400k-sentence pool). Its z-scores need the mean
and spread of every passage's and sentence's cosine, which the groups cannot give: the sentences'
are exact from the pool's mean vector and second-moment matrix (E[s·q] = m·q, E[(s·q)²] = qᵀMq),
and the passages' (each the closest of its sentences) come from SAMPLED_PASSAGES passages drawn
once, shifted and scaled by how far the sample's sentences stand from the exact sentence figures.
Measured on 100k passages (780k sentences) of the external sets' articles, 60 questions
(benchmarks/clustered_closeness.py): 95.8% of the 8 nearest passages per pool the exact scan
finds; the best passage's z-score within 0.05 of the exact one (median; 0.18 at p90); the same
outcome and first quote for 59 of 60 questions; a question's closeness 35 CPU ms instead of 258.
Built in about 25 CPU s for both pools, 39 MB on disk. An HNSW graph (usearch, int8, M=16) on
the same rows found only 72-78% of those passages (this collection repeats its articles, so
many points are equal, which may be what hurts it), took 326 CPU s to build and 760 MB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from retrieval.storage.array_file import read_arrays, write_arrays

# Pools up to this many sentences are scanned whole: about 20 ms on one busy core, and every
# cosine exact (the external evaluation sets, up to 10k passages, stay below it).
CLUSTERED_POOL_ROWS = 65536
CLUSTERS_PER_ROOT = 1.6
PROBED_CLUSTERS = 32
# The passages whose every sentence is scanned for the passages' mean and spread: this many, or
# fewer where they would hold over SAMPLED_ROWS sentences (Chinese passages hold about 12).
SAMPLED_PASSAGES = 4096
SAMPLED_ROWS = 24576
# k-means on this many of the pool's sentences, for this many rounds; the seed makes it repeatable.
TRAINING_ROWS = 65536
TRAINING_ROUNDS = 8
SEED = 20
# Rows widened to float32 per step of a build (as semantic_index.BLOCK_ROWS for a question).
BUILD_ROWS = 16384
# Bump when what a clusters file holds, or how it is made, changes.
CLUSTERS_FORMAT = 2


@dataclass(frozen=True)
class PoolStatistics:
    """Mean and spread of one question's cosines over a pool's passages and its sentences (a
    spread of 0: no z-scores, every one is 0)."""

    passage_mean: float
    passage_spread: float
    sentence_mean: float
    sentence_spread: float


@dataclass(frozen=True)
class SentenceClusters:
    """One pool's sentence rows grouped by their nearest centroid: the rows of cluster c are
    `members[bounds[c]:bounds[c + 1]]`; `mean` and `moment` are the pool's mean vector and
    second-moment matrix; the sampled passages' sentences are copied in `sample_codes`
    (rows `sample_starts[i]:` on, per passage), `empty` passages of the pool have no sentence."""

    centroids: np.ndarray
    members: np.ndarray
    bounds: np.ndarray
    mean: np.ndarray
    moment: np.ndarray
    sample_codes: np.ndarray
    sample_scales: np.ndarray
    sample_starts: np.ndarray
    passages: int
    empty: int

    def probed_rows(self, query: np.ndarray) -> np.ndarray:
        """The sentence rows (ascending) of the PROBED_CLUSTERS clusters nearest to `query`."""
        scores = np.einsum("ij,j->i", self.centroids, query)
        count = min(PROBED_CLUSTERS, len(scores))
        chosen = np.argpartition(-scores, count - 1)[:count]
        rows = np.concatenate([self.members[self.bounds[c] : self.bounds[c + 1]] for c in chosen])
        rows.sort()
        return rows

    def statistics(self, query: np.ndarray) -> PoolStatistics:
        """The pool's mean and spread of cosines with `query` (see the module's docstring)."""
        q = query.astype(np.float64)
        sentence_mean = float(self.mean @ q)
        sentence_spread = math.sqrt(max(float(q @ self.moment @ q) - sentence_mean**2, 0.0))
        sampled = np.einsum("ij,j->i", self.sample_codes.astype(np.float32), query) * self.sample_scales
        closest = np.maximum.reduceat(sampled, self.sample_starts).astype(np.float64)
        sampled = sampled.astype(np.float64)
        drawn_spread = sampled.std()
        ratio = sentence_spread / drawn_spread if drawn_spread > 0 else 1.0
        # The sentences the sample holds are off the pool's by a shift and a scale; so are its passages.
        mean = closest.mean() + (sentence_mean - sampled.mean())
        square = closest.std() ** 2 * ratio**2 + mean**2
        # Passages without sentences count as a cosine of -1, as in an exact pass.
        full = self.passages - self.empty
        passage_mean = (full * mean - self.empty) / self.passages
        passage_square = (full * square + self.empty) / self.passages
        passage_spread = math.sqrt(max(passage_square - passage_mean**2, 0.0))
        return PoolStatistics(passage_mean, passage_spread, sentence_mean, sentence_spread)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        fields = ("centroids", "members", "bounds", "mean", "moment", "sample_codes", "sample_scales", "sample_starts")
        arrays = {f"{prefix}{name}": getattr(self, name) for name in fields}
        arrays[f"{prefix}counts"] = np.array([self.passages, self.empty], dtype=np.int64)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> "SentenceClusters":
        passages, empty = (int(n) for n in arrays[f"{prefix}counts"])
        return cls(*(arrays[f"{prefix}{name}"] for name in ("centroids", "members", "bounds", "mean", "moment",
                                                              "sample_codes", "sample_scales", "sample_starts")),
                   passages, empty)


def cluster_pool(codes: np.ndarray, scales: np.ndarray, offsets: np.ndarray, passages: np.ndarray) -> SentenceClusters:
    """Clusters of the sentences of `passages` (ids, ascending), whose rows of `codes` and
    `scales` are `offsets[p]:offsets[p + 1]`."""
    rng = np.random.default_rng(SEED)
    counts = offsets[passages + 1] - offsets[passages]
    rows = passage_rows(offsets, passages[counts > 0])
    training = np.sort(rng.choice(rows, min(TRAINING_ROWS, len(rows)), replace=False))
    vectors = _widened(codes, scales, training)
    count = max(1, min(len(training), round(CLUSTERS_PER_ROOT * math.sqrt(len(rows)))))
    centroids = vectors[np.sort(rng.choice(len(vectors), count, replace=False))].copy()
    for _ in range(TRAINING_ROUNDS):
        nearest = _nearest_centroids(vectors, centroids)
        order = np.argsort(nearest, kind="stable")
        held, firsts = np.unique(nearest[order], return_index=True)
        centroids[held] = np.add.reduceat(vectors[order], firsts)  # a cluster left empty keeps its centroid
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    assigned = np.empty(len(rows), dtype=np.int64)
    mean = np.zeros(codes.shape[1])
    moment = np.zeros((codes.shape[1], codes.shape[1]))
    for first in range(0, len(rows), BUILD_ROWS):
        block = _widened(codes, scales, rows[first : first + BUILD_ROWS])
        assigned[first : first + BUILD_ROWS] = _nearest_centroids(block, centroids)
        mean += block.sum(axis=0, dtype=np.float64)
        moment += (block.T @ block).astype(np.float64)
    order = np.argsort(assigned, kind="stable")
    drawn = rng.permutation(passages[counts > 0])[:SAMPLED_PASSAGES]
    within = np.cumsum(offsets[drawn + 1] - offsets[drawn]) <= SAMPLED_ROWS
    sampled = np.sort(drawn[: max(2, int(within.sum()))])
    sample_rows = passage_rows(offsets, sampled)
    sample_counts = offsets[sampled + 1] - offsets[sampled]
    return SentenceClusters(
        centroids=centroids.astype(np.float32),
        members=rows[order],
        bounds=np.searchsorted(assigned[order], np.arange(count + 1)).astype(np.int64),
        mean=mean / len(rows),
        moment=moment / len(rows),
        sample_codes=np.ascontiguousarray(codes[sample_rows]),
        sample_scales=np.ascontiguousarray(scales[sample_rows]),
        sample_starts=np.concatenate(([0], np.cumsum(sample_counts)[:-1])).astype(np.int64),
        passages=len(passages),
        empty=int((counts == 0).sum()),
    )


def save_clusters(file, clusters: dict[int, SentenceClusters], identity: str) -> None:
    """Write each pool's clusters to the binary `file`; `identity` names the vectors they group."""
    arrays = {}
    for pool, pool_clusters in clusters.items():
        arrays.update(pool_clusters.arrays(f"pool{pool}_"))
    write_arrays(file, arrays, {"identity": identity, "pools": sorted(clusters), "format": CLUSTERS_FORMAT})


def load_clusters(path, identity: str) -> dict[int, SentenceClusters] | None:
    """The clusters `save_clusters` wrote for the vectors `identity`, memory-mapped; None when
    the file holds another's (ValueError when it is no array file)."""
    arrays, meta = read_arrays(path)
    if meta.get("identity") != identity or meta.get("format") != CLUSTERS_FORMAT:
        return None
    return {int(pool): SentenceClusters.from_arrays(arrays, f"pool{pool}_") for pool in meta["pools"]}


def passage_rows(offsets: np.ndarray, passages: np.ndarray) -> np.ndarray:
    """The sentence rows of `passages` (ids), in their order, where passage p's rows are
    `offsets[p]:offsets[p + 1]`."""
    passages = np.asarray(passages, dtype=np.int64)
    starts = offsets[passages]
    lengths = offsets[passages + 1] - starts
    # Row i of the result belongs to passage p: starts[p] + (i - where p's rows begin in it).
    begins = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    return np.repeat(starts - begins, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)


def _widened(codes: np.ndarray, scales: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return codes[rows].astype(np.float32) * scales[rows, None]


def _nearest_centroids(vectors: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    nearest = np.empty(len(vectors), dtype=np.int64)
    for first in range(0, len(vectors), BUILD_ROWS):
        nearest[first : first + BUILD_ROWS] = np.argmax(vectors[first : first + BUILD_ROWS] @ centroids.T, axis=1)
    return nearest
