"""The BM25 index: rank-bm25's BM25+ statistics, stored as per-term postings for fast search.

rank-bm25 computes the statistics (document frequencies, idf, lengths). Its `get_scores` then
walks every passage for every query term, which takes 90-200 ms at 100k passages. Here each
term's contribution to each passage that holds it is computed once, at build time, with the same
formula and the same floating-point operations; a passage without the term gains the constant
`idf * delta`, as in rank-bm25. So `scores()` returns exactly rank-bm25's scores, but touches only
the postings of the query's terms.

BM25+ rather than Okapi: rank-bm25's Okapi gives a term found in half the passages a weight near
zero (or a floor), which on a small corpus silences words that matter; BM25+ keeps every idf
positive and rewards a passage for holding a term at all.
"""

from __future__ import annotations

import unicodedata
from array import array
from dataclasses import dataclass
from itertools import repeat

import numpy as np

K1 = 1.5
B = 0.75
DELTA = 1.0


def fold_accents(text: str) -> str:
    """`text` without its accents: "maizière" gives "maiziere"."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


@dataclass
class SearchIndex:
    """Postings in compressed-row form: the term with id t has its passages and their weights in
    `passage_ids[offsets[t]:offsets[t + 1]]` and `weights[...]` (the same slice)."""

    term_ids: dict[str, int]
    idf: np.ndarray
    offsets: np.ndarray
    passage_ids: np.ndarray
    weights: np.ndarray
    passage_count: int
    delta: float = DELTA

    @classmethod
    def build(cls, tokenized: list[list[str]], k1: float = K1, b: float = B, delta: float = DELTA) -> "SearchIndex":
        """Index passages given as lists of terms (the position in the list is the passage id)."""
        if not tokenized:
            raise ValueError("cannot index an empty list of passages")
        if not any(tokenized):
            # rank-bm25 divides by the average length; with no terms at all nothing can match.
            return cls({}, np.zeros(0), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32),
                       np.zeros(0), len(tokenized), delta)
        from rank_bm25 import BM25Plus  # only building needs it; a cached index loads without

        bm25 = BM25Plus(tokenized, k1=k1, b=b, delta=delta)
        term_ids = {term: i for i, term in enumerate(sorted(bm25.idf))}
        idf = np.array([bm25.idf[term] for term in sorted(bm25.idf)], dtype=np.float64)

        # One posting per (passage, term), in compact arrays (Python lists of ints would cost
        # about ten times the memory at 100k passages).
        term_of, passage_of, frequency = array("i"), array("i"), array("i")
        for passage, freqs in enumerate(bm25.doc_freqs):
            term_of.extend(map(term_ids.__getitem__, freqs))
            frequency.extend(freqs.values())
            passage_of.extend(repeat(passage, len(freqs)))
        terms_array = np.frombuffer(term_of, dtype=np.int32)
        # Group postings by term; a stable sort keeps each term's passages in passage order.
        order = np.argsort(terms_array, kind="stable")
        passage_ids = np.frombuffer(passage_of, dtype=np.int32)[order]
        term_freqs = np.frombuffer(frequency, dtype=np.int32)[order].astype(np.float64)
        offsets = np.concatenate(([0], np.cumsum(np.bincount(terms_array, minlength=len(term_ids))))).astype(np.int64)

        doc_len = np.asarray(bm25.doc_len, dtype=np.float64)[passage_ids]
        term_idf = np.repeat(idf, np.diff(offsets))
        # The very expression rank-bm25's BM25Plus.get_scores evaluates, operation for operation.
        weights = term_idf * (delta + (term_freqs * (k1 + 1)) / (k1 * (1 - b + b * doc_len / bm25.avgdl) + term_freqs))
        return cls(term_ids, idf, offsets, passage_ids, weights, len(tokenized), delta)

    def accent_folded_terms(self) -> frozenset[str]:
        """The indexed terms with accents taken off ("maizière" gives "maiziere"), computed on
        first use and kept for the life of the process (not saved with the index)."""
        folded = self.__dict__.get("_accent_folded")
        if folded is None:
            folded = frozenset(fold_accents(term) for term in self.term_ids if not term.isascii())
            self.__dict__["_accent_folded"] = folded
        return folded

    def idf_of(self, term: str) -> float | None:
        """The term's idf, or None when no passage holds it."""
        t = self.term_ids.get(term)
        return None if t is None else float(self.idf[t])

    def unseen_idf(self) -> float:
        """The idf a term would have if exactly one passage held it: the most a term can weigh."""
        return float(np.log(self.passage_count + 1))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25+ scores of every passage for the query, equal to rank-bm25's `get_scores`."""
        scores = np.zeros(self.passage_count, dtype=np.float64)
        for term in query_terms:
            t = self.term_ids.get(term)
            if t is None:
                continue
            lo, hi = self.offsets[t], self.offsets[t + 1]
            ids = self.passage_ids[lo:hi]
            holding = scores[ids] + self.weights[lo:hi]
            scores += self.idf[t] * self.delta
            scores[ids] = holding
        return scores

    def search(self, query_terms: list[str], limit: int) -> list[tuple[int, float]]:
        """The best `limit` passages holding at least one query term, as (passage id, score),
        best first; equal scores in passage order."""
        known = [term for term in query_terms if term in self.term_ids]
        if not known or limit <= 0:
            return []
        scores = self.scores(known)
        holding = np.unique(np.concatenate([self._postings(term) for term in set(known)]))
        if len(holding) > limit:
            cut = np.partition(scores[holding], len(holding) - limit)[len(holding) - limit]
            holding = holding[scores[holding] >= cut]
        order = np.lexsort((holding, -scores[holding]))[:limit]
        return [(int(holding[i]), float(scores[holding[i]])) for i in order]

    def _postings(self, term: str) -> np.ndarray:
        t = self.term_ids[term]
        return self.passage_ids[self.offsets[t] : self.offsets[t + 1]]
