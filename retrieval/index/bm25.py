"""The BM25 index: exactly rank-bm25's BM25Plus scores, from compact per-term postings.

rank-bm25's `get_scores` walks every passage for every query term (about a second at 100k
passages). Here each term keeps the sorted ids of the passages holding it and its count in each,
and each passage keeps the length part of the formula (`norms`); a query touches only its terms'
postings. The statistics are rank-bm25's, computed the way it computes them (the same idf from
`math.log`, the same average length), and every weight is evaluated with rank-bm25's expression,
operation for operation, then summed over the query's terms in the query's order: so `scores()`
and the scores `search()` returns are equal to rank-bm25's bit for bit (tests/test_index.py checks
it against rank-bm25 itself).

`search` ranks in two steps: every passage holding a query term gets a cheap gain (one weighted
bincount over the postings), and only passages within a rounding margin of the best `limit` gains
get their exact score, summed in the same order as rank-bm25's.

BM25+ rather than Okapi: rank-bm25's Okapi gives a term found in half the passages a weight near
zero (or a floor), which on a small corpus silences words that matter; BM25+ keeps every idf
positive and rewards a passage for holding a term at all.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import chain

import numpy as np

from retrieval.text.chinese import CJK_CHAR
from retrieval.index.term_table import TermTable, term_arrays

_CJK = re.compile(f"[{CJK_CHAR}]")

K1 = 1.5
B = 0.75
DELTA = 1.0
# Tokens counted per step of the build: bounds its temporary arrays (about 40 bytes a token: 10 MB;
# a million tokens a step added 60 MB to the peak of a 100k-passage build, for no gain in time).
BUILD_BLOCK_TOKENS = 250_000


def fold_accents(text: str) -> str:
    """`text` without its accents: "maizière" gives "maiziere"."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


@dataclass
class SearchIndex:
    """Postings in compressed-row form: the term with id t is held by the passages
    `passage_ids[offsets[t]:offsets[t + 1]]` (ascending), `term_freqs[...]` times each.
    `norms[p]` is rank-bm25's `k1 * (1 - b + b * len(p) / avgdl)` for passage p."""

    term_ids: Mapping[str, int]
    idf: np.ndarray
    offsets: np.ndarray
    passage_ids: np.ndarray
    term_freqs: np.ndarray
    norms: np.ndarray
    k1: float = K1
    delta: float = DELTA

    @property
    def passage_count(self) -> int:
        return len(self.norms)

    @classmethod
    def build(cls, tokenized: list[list[str]], k1: float = K1, b: float = B, delta: float = DELTA) -> "SearchIndex":
        """Index passages given as lists of terms (the position in the list is the passage id)."""
        if not tokenized:
            raise ValueError("cannot index an empty list of passages")
        # Term ids in order of first appearance: dict.fromkeys runs at C speed.
        term_ids = {term: i for i, term in enumerate(dict.fromkeys(chain.from_iterable(tokenized)))}
        lengths = np.fromiter(map(len, tokenized), dtype=np.int64, count=len(tokenized))
        ids = np.fromiter(map(term_ids.__getitem__, chain.from_iterable(tokenized)), dtype=np.int32,
                          count=int(lengths.sum()))
        return cls.from_term_ids(term_ids, ids, lengths, k1, b, delta)

    @classmethod
    def from_term_ids(cls, term_ids: dict[str, int], ids: np.ndarray, lengths: np.ndarray,
                      k1: float = K1, b: float = B, delta: float = DELTA) -> "SearchIndex":
        """Index passages given as one array of term ids, passage after passage (`lengths[p]` of
        them for passage p); `term_ids` maps each term to its id, ids 0, 1, 2... in its order."""
        count = len(lengths)
        if not count:
            raise ValueError("cannot index an empty list of passages")
        lengths = np.asarray(lengths, dtype=np.int64)
        total = int(lengths.sum())
        if total == 0:
            # rank-bm25 divides by the average length; with no terms at all nothing can match.
            return cls({}, np.zeros(0), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32),
                       np.zeros(0, dtype=np.uint8), np.zeros(count), k1, delta)
        if any("\0" in term for term in term_ids):
            raise ValueError("a term contains a NUL character (the tokenizer never makes one)")
        # Two passes over the blocks, each made again from the ids (cheap next to tokenising):
        # one counts each term's passages, the other places them. Keeping the blocks between the
        # two would hold every posting twice.
        frequencies = np.zeros(len(term_ids), dtype=np.int64)
        top = 0
        for terms, _, counts in _block_postings(ids, lengths):
            firsts = np.flatnonzero(np.diff(terms, prepend=-1))  # terms are sorted: each one's run
            frequencies[terms[firsts]] += np.diff(firsts, append=len(terms))
            top = max(top, int(counts.max(initial=0)))
        offsets = np.zeros(len(term_ids) + 1, dtype=np.int64)
        np.cumsum(frequencies, out=offsets[1:])
        passage_ids, term_freqs = _gather_by_term(_block_postings(ids, lengths), offsets, top)

        # rank-bm25 BM25Plus: idf = math.log((corpus_size + 1) / freq), avgdl = num_doc / corpus_size
        # (Python ints and floats); one math.log per distinct document frequency.
        distinct, which = np.unique(frequencies, return_inverse=True)
        idf = np.array([math.log((count + 1) / int(f)) for f in distinct], dtype=np.float64)[which]
        avgdl = total / count
        norms = k1 * (1 - b + b * lengths / avgdl)
        return cls(term_ids, idf, offsets, passage_ids, term_freqs, norms, k1, delta)

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        """The index as named arrays and a little meta, for `array_file.write_arrays`."""
        arrays = term_arrays(list(self.term_ids))  # a built index's ids are its dict's order
        arrays.update(idf=self.idf, offsets=self.offsets, passage_ids=self.passage_ids,
                      term_freqs=self.term_freqs, norms=self.norms)
        folded = "\0".join(sorted(self.accent_folded_terms())).encode()
        arrays["folded_terms"] = np.frombuffer(folded, dtype=np.uint8) if folded else np.zeros(0, dtype=np.uint8)
        return arrays, {"k1": self.k1, "delta": self.delta}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict) -> "SearchIndex":
        """The index `to_arrays` gave (the arrays may be memory-mapped); ValueError if inconsistent."""
        term_ids = TermTable(arrays)
        if len(arrays["idf"]) != len(term_ids) or len(arrays["offsets"]) != len(term_ids) + 1:
            raise ValueError("the index's terms do not match its arrays")
        index = cls(term_ids, arrays["idf"], arrays["offsets"], arrays["passage_ids"],
                    arrays["term_freqs"], arrays["norms"], meta["k1"], meta["delta"])
        if "folded_terms" in arrays:
            index.__dict__["_folded_blob"] = arrays["folded_terms"]
        return index

    def accent_folded_terms(self) -> frozenset[str]:
        """The indexed Latin-script terms with accents taken off ("maizière" gives "maiziere"):
        saved with the index when it is built (folding every term took seconds at a large
        collection's first question), else computed on first use; kept for the process."""
        folded = self.__dict__.get("_accent_folded")
        if folded is None:
            blob = self.__dict__.get("_folded_blob")
            if blob is not None:
                folded = frozenset(bytes(blob).decode().split("\0")) if len(blob) else frozenset()
            else:  # Chinese terms have no accents: only words of other scripts are folded
                folded = frozenset(fold_accents(term) for term in self.term_ids
                                   if not term.isascii() and not _CJK.search(term))
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
        for t in self._known(query_terms):
            ids, weights = self._weights(t)
            holding = scores[ids] + weights
            scores += self.idf[t] * self.delta  # rank-bm25's weight for a passage without the term
            scores[ids] = holding
        return scores

    def search(self, query_terms: list[str], limit: int) -> list[tuple[int, float]]:
        """The best `limit` passages holding at least one query term, as (passage id, score),
        best first; equal scores in passage order. Scores are `scores()`'s, bit for bit."""
        known = self._known(query_terms)
        if not known or limit <= 0:
            return []
        postings = _QueryPostings(self, known)
        candidates = postings.best_by_gain(limit)
        scores = postings.exact_scores(candidates)
        order = np.lexsort((candidates, -scores))[:limit]
        return [(int(candidates[i]), float(scores[i])) for i in order]

    def _known(self, query_terms: list[str]) -> list[int]:
        """The ids of the query's indexed terms, in query order (a repeated term counts twice,
        as in rank-bm25; an unknown one adds exactly zero there, so it is left out)."""
        return [t for t in map(self.term_ids.get, query_terms) if t is not None]

    def _weights(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """The passages holding term t and its weight in each: rank-bm25's expression, in its order."""
        lo, hi = self.offsets[t], self.offsets[t + 1]
        ids = self.passage_ids[lo:hi]
        freqs = self.term_freqs[lo:hi].astype(np.float64)
        return ids, self.idf[t] * (self.delta + (freqs * (self.k1 + 1)) / (self.norms[ids] + freqs))


class _QueryPostings:
    """The postings of one query's distinct terms, side by side: term i's passages are
    `ids[bounds[i]:bounds[i + 1]]` (ascending) and its counts `freqs[...]`."""

    def __init__(self, index: SearchIndex, known: list[int]):
        self.index = index
        self.known = known
        self.terms = list(dict.fromkeys(known))
        self.row = {t: i for i, t in enumerate(self.terms)}
        slices = [slice(index.offsets[t], index.offsets[t + 1]) for t in self.terms]
        self.ids = np.concatenate([index.passage_ids[s] for s in slices])
        self.freqs = np.concatenate([index.term_freqs[s] for s in slices]).astype(np.float64)
        self.sizes = np.array([s.stop - s.start for s in slices], dtype=np.int64)
        self.bounds = np.concatenate(([0], np.cumsum(self.sizes)))

    def best_by_gain(self, limit: int) -> np.ndarray:
        """The passages that may be among the best `limit` (ascending ids), found by each
        passage's gain over the score of a passage holding no query term. Gains are summed in
        another order than exact scores, so they can differ by rounding: the cut keeps every
        passage within a safe margin of it (in practice, the ties)."""
        index = self.index
        times = np.bincount([self.row[t] for t in self.known], minlength=len(self.terms))
        coefficient = np.repeat(index.idf[self.terms] * times, self.sizes)
        # coefficient * (freqs * (k1 + 1)) / (norms + freqs), in place: this is the costly part.
        per_posting = index.norms[self.ids]
        per_posting += self.freqs
        np.divide(self.freqs * (index.k1 + 1), per_posting, out=per_posting)
        per_posting *= coefficient
        gain = np.bincount(self.ids, weights=per_posting, minlength=index.passage_count)
        # Within one term's postings each passage appears once: the limit-th best gain among them
        # is at most the limit-th best overall, so it is a safe first cut. The rarest term long
        # enough gives the highest such floor, usually.
        floor = 0.0
        long_enough = [i for i, size in enumerate(self.sizes) if size >= limit]
        if long_enough:
            i = min(long_enough, key=lambda i: self.sizes[i])
            part = gain[self.ids[self.bounds[i] : self.bounds[i + 1]]]
            floor = float(np.partition(part, len(part) - limit)[len(part) - limit])
        # Every score and gain is a sum of len(known) positive terms below `ceiling` (a term adds
        # less than idf * (delta + k1 + 1)); each sum and each weight carries a few roundings of
        # at most eps/2 of it. 8 * (n + 4) eps is generous.
        ceiling = float(index.idf[self.known].sum()) * (index.delta + index.k1 + 1)
        margin = 8 * (len(self.known) + 4) * np.finfo(np.float64).eps * ceiling
        # Only passages holding a query term have a gain: look among the postings, not all passages.
        candidates = _distinct(self.ids if floor - margin <= 0 else self.ids[gain[self.ids] >= floor - margin])
        if len(candidates) <= limit:
            return candidates
        held = gain[candidates]
        cut = float(np.partition(held, len(held) - limit)[len(held) - limit])
        return candidates[held >= cut - margin]

    def exact_scores(self, candidates: np.ndarray) -> np.ndarray:
        """rank-bm25's scores of the `candidates` (ascending ids): each term's weight evaluated
        with its expression, added in the query's order."""
        index = self.index
        where = np.empty((len(self.terms), len(candidates)), dtype=np.int64)
        for i, size in enumerate(self.sizes):
            lo = self.bounds[i]
            found = np.searchsorted(self.ids[lo : lo + size], candidates)
            where[i] = lo + np.minimum(found, size - 1)
        freqs = np.where(self.ids[where] == candidates, self.freqs[where], 0.0)
        idf = index.idf[self.terms][:, None]
        weights = idf * (index.delta + (freqs * (index.k1 + 1)) / (index.norms[candidates] + freqs))
        scores = np.zeros(len(candidates), dtype=np.float64)
        for t in self.known:
            scores += weights[self.row[t]]
        return scores


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (numpy 2.4's np.unique is several times slower on small int arrays)."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _block_postings(ids, lengths: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Every (term, passage, count) of the passages, in blocks of about BUILD_BLOCK_TOKENS tokens
    (in passage order), each sorted by (term, passage); `ids` is an array or a FileArray."""
    cumulative = np.cumsum(lengths)
    start = 0
    while start < len(lengths):
        before = int(cumulative[start - 1]) if start else 0
        end = max(start + 1, int(np.searchsorted(cumulative, before + BUILD_BLOCK_TOKENS, side="right")))
        block_lengths = lengths[start:end]
        width = end - start
        keys = ids[before : int(cumulative[end - 1])].astype(np.int64)
        keys *= width
        keys += np.repeat(np.arange(width, dtype=np.int64), block_lengths)
        keys.sort()
        starts = np.flatnonzero(np.diff(keys, prepend=-1))  # keys are >= 0
        counts = np.diff(starts, append=len(keys))
        keys = keys[starts]
        counts = counts.astype(np.uint16 if len(counts) == 0 or counts.max() <= 0xFFFF else np.uint32)
        yield (keys // width).astype(np.int32), (keys % width + start).astype(np.int32), counts
        start = end


def _gather_by_term(
    blocks: Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]], offsets: np.ndarray, top: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each term's passages (ascending) and counts, laid out at `offsets`: a counting sort, block by
    block; blocks come in passage order, so each term's passages stay ascending. Counts take the
    smallest unsigned type that holds `top`, the largest."""
    dtype = np.uint8 if top <= 0xFF else np.uint16 if top <= 0xFFFF else np.uint32
    passage_ids = np.empty(int(offsets[-1]), dtype=np.int32)
    term_freqs = np.empty(int(offsets[-1]), dtype=dtype)
    cursor = offsets[:-1].copy()
    for terms, passages, counts in blocks:
        firsts = np.flatnonzero(np.diff(terms, prepend=-1))  # terms are sorted: each group's start
        sizes = np.diff(firsts, append=len(terms))
        group_terms = terms[firsts]
        places = cursor[terms] + (np.arange(len(terms)) - np.repeat(firsts, sizes))
        passage_ids[places] = passages
        term_freqs[places] = counts
        cursor[group_terms] += sizes
    return passage_ids, term_freqs
