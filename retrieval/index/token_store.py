"""Every passage's tokens, kept with the index so that a question never tokenises a passage.

Choosing a quote needs where the question's words stand in each candidate passage. Tokenising
candidates at question time (OpenCC and jieba for Chinese) cost most of a question at 100k
passages; the build tokenises every passage anyway, so it keeps the tokens: for passage p, rows
`offsets[p]:offsets[p + 1]` hold each token's term id (the index's), its span relative to
`leads[p]` characters before the passage's start, and flags (a character pair beside jieba's
words; read from Chinese text). A passage right under a heading keeps the heading's tokens
first (its lead reaches back to the heading's start), for a quote the heading may lead
(retrieval/answering/quotes.py); the index counts the heading's words through the passage's section. The
arrays live in the index file and are memory-mapped; a question reads only its candidates' rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from retrieval.storage.array_file import FileArray
from retrieval.text.tokenizer import Token

BIGRAM, CHINESE = 1, 2
ARRAY_NAMES = ("token_offsets", "token_leads", "token_terms", "token_starts", "token_ends", "token_flags")


class TokenStoreBuilder:
    """Collects the tokens of passages in order, in files under `directory` rather than in memory
    (a large collection has tens of millions of tokens); `arrays()` gives what `TokenStore` reads,
    the big ones as FileArrays for `write_arrays` to copy. Spans are relative to the passage's
    start less its lead: uint16 when every passage with its lead is shorter than 65,536
    characters (`longest_passage`)."""

    def __init__(self, directory: Path, longest_passage: int):
        span = np.uint16 if longest_passage <= 0xFFFF else np.uint32
        self._offsets = [0]
        self._leads: list[int] = []
        self.terms = FileArray(directory / "token_terms", np.int32)
        self._starts = FileArray(directory / "token_starts", span)
        self._ends = FileArray(directory / "token_ends", span)
        self._flags = FileArray(directory / "token_flags", np.uint8)

    def add(self, term_ids: list[int], tokens: list[Token], chinese_terms: bytearray, lead: int = 0) -> None:
        """One passage's tokens (spans relative to `lead` characters before its start) and their
        term ids; `chinese_terms[id]` is 1 for a term read from Chinese text."""
        self._offsets.append(self._offsets[-1] + len(tokens))
        self._leads.append(lead)
        self.terms.append(np.array(term_ids, dtype=np.int32))
        self._starts.append(np.fromiter((t.start for t in tokens), dtype=np.int64, count=len(tokens)))
        self._ends.append(np.fromiter((t.end for t in tokens), dtype=np.int64, count=len(tokens)))
        self._flags.append(np.fromiter((BIGRAM * t.bigram + CHINESE * chinese_terms[i] for t, i in zip(tokens, term_ids)),
                                       dtype=np.uint8, count=len(tokens)))

    def lengths(self) -> np.ndarray:
        """How many tokens each passage has."""
        return np.diff(np.array(self._offsets, dtype=np.int64))

    def arrays(self) -> dict[str, np.ndarray | FileArray]:
        return {"token_offsets": np.array(self._offsets, dtype=np.int64),
                "token_leads": np.array(self._leads, dtype=self._starts.dtype), "token_terms": self.terms,
                "token_starts": self._starts, "token_ends": self._ends, "token_flags": self._flags}

    def close(self) -> None:
        for array in (self.terms, self._starts, self._ends, self._flags):
            array.close()


class TokenStore:
    """The tokens of every passage, read from `TokenStoreBuilder.arrays()` (maybe memory-mapped).
    `passage_starts[p]` is passage p's start in its article; `term_id(term)` gives a term's id
    (or None) and `term_of(id)` its text: the index's term table."""

    def __init__(self, arrays: Mapping[str, np.ndarray], passage_starts: np.ndarray,
                 term_id: Callable[[str], int | None], term_of: Callable[[int], str]):
        missing = [name for name in ARRAY_NAMES if name not in arrays]
        if missing:
            raise ValueError(f"no token arrays {', '.join(missing)}")
        self._offsets, self._leads, self._terms = arrays["token_offsets"], arrays["token_leads"], arrays["token_terms"]
        self._starts, self._ends, self._flags = arrays["token_starts"], arrays["token_ends"], arrays["token_flags"]
        if (len(self._offsets) != len(passage_starts) + 1 or len(self._leads) != len(passage_starts)
                or int(self._offsets[-1]) != len(self._terms)):
            raise ValueError("the token arrays do not match the passages")
        self._passage_starts = passage_starts
        self._term_id, self._term_of = term_id, term_of
        self._last: tuple[tuple[str, ...] | None, dict[int, str]] = (None, {})

    def matching(self, passage: int, terms: Mapping[str, object]) -> list[Token]:
        """The passage's tokens whose term is one of `terms`, in reading order, with spans in
        the article's text (what tokenising the heading it leads with and the passage, and keeping
        those terms, would give)."""
        ids = self._ids_of(tuple(terms))
        if not ids:
            return []
        lo, hi = int(self._offsets[passage]), int(self._offsets[passage + 1])
        # A passage holds a few hundred tokens: a set lookup per token beats np.isin's set-up.
        rows = [row for row, t in enumerate(self._terms[lo:hi].tolist()) if t in ids]
        if not rows:
            return []
        base = self._base(passage)
        picked = np.array(rows, dtype=np.int64) + lo
        return [Token(ids[t], base + s, base + e, bool(f & BIGRAM))
                for t, s, e, f in zip(self._terms[picked].tolist(), self._starts[picked].tolist(),
                                      self._ends[picked].tolist(), self._flags[picked].tolist())]

    def _base(self, passage: int) -> int:
        """Where the passage's token spans count from in its article's text."""
        return int(self._passage_starts[passage]) - int(self._leads[passage])

    def _ids_of(self, terms: tuple[str, ...]) -> dict[int, str]:
        """Term id -> term for the `terms` the index holds; the last question's are kept (its
        candidates ask with the same terms, one after another). One attribute holds both, so
        threads answering at once never pair one question's terms with another's ids."""
        last = self._last
        if last[0] != terms:
            last = (terms, {t: term for term in terms if (t := self._term_id(term)) is not None})
            self._last = last
        return last[1]

    def terms_within(self, passage: int, start: int, end: int, chinese: bool = False) -> set[str]:
        """The terms of the passage's tokens lying within [start, end) of the article's text
        (those read from Chinese text only when `chinese`)."""
        lo, hi = int(self._offsets[passage]), int(self._offsets[passage + 1])
        base = self._base(passage)
        starts, ends = self._starts[lo:hi].astype(np.int64) + base, self._ends[lo:hi].astype(np.int64) + base
        keep = (starts >= start) & (ends <= end)
        if not chinese:
            keep &= (self._flags[lo:hi] & CHINESE) == 0
        return {self._term_of(int(t)) for t in np.unique(self._terms[lo:hi][keep])}
