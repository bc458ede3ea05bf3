"""The index's terms as arrays that need no unpacking: a hash table on disk.

Building a Python dict of 180k terms takes longer (about 50 ms) than mapping the whole index,
so a loaded index looks its terms up here instead: the terms' UTF-8 bytes joined by NUL, where
each starts, and an open-addressing table (linear probing) from a CRC-32 of the bytes to the
term's id. A lookup costs a microsecond or two; iterating decodes every term (rarely needed).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping

import numpy as np

EMPTY = -1


def term_arrays(terms: list[str]) -> dict[str, np.ndarray]:
    """The arrays of the table for `terms` (term i has id i); no term may contain NUL."""
    encoded = [term.encode() for term in terms]
    blob = b"\0".join(encoded)
    starts = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum([len(b) + 1 for b in encoded], out=starts[1:])
    size = 8
    while size < 2 * len(terms):
        size *= 2
    slots = np.full(size, EMPTY, dtype=np.int32)
    home = np.fromiter(map(zlib.crc32, encoded), dtype=np.int64, count=len(terms)) & (size - 1)
    pending = np.arange(len(terms), dtype=np.int64)
    # Linear probing, all terms at once: a term moves on only past an occupied slot, and slots are
    # never emptied, so every slot between a term's home and its place is taken (as lookups need).
    while len(pending):
        at = home[pending]
        free = slots[at] == EMPTY
        wanted, first = np.unique(at[free], return_index=True)
        slots[wanted] = pending[free][first]
        placed = np.zeros(len(pending), dtype=bool)
        placed[np.flatnonzero(free)[first]] = True
        pending = pending[~placed]
        home[pending] = (home[pending] + 1) & (size - 1)
    return {"terms": np.frombuffer(blob, dtype=np.uint8), "term_starts": starts, "term_slots": slots}


class TermTable(Mapping[str, int]):
    """Term -> id, read from the arrays `term_arrays` made (they may be memory-mapped)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._bytes = memoryview(arrays["terms"])
        self._starts = memoryview(np.ascontiguousarray(arrays["term_starts"], dtype=np.int64))
        self._slots = memoryview(np.ascontiguousarray(arrays["term_slots"], dtype=np.int32))
        self._mask = len(self._slots) - 1
        if len(self._slots) & self._mask or len(self._starts) < 1:
            raise ValueError("a term table's slots must be a power of two")

    def get(self, term: str, default=None):
        encoded = term.encode()
        at = zlib.crc32(encoded) & self._mask
        while (t := self._slots[at]) != EMPTY:
            if self._bytes[self._starts[t] : self._starts[t + 1] - 1] == encoded:
                return t
            at = (at + 1) & self._mask
        return default

    def term(self, t: int) -> str:
        """The text of the term with id `t`."""
        return bytes(self._bytes[self._starts[t] : self._starts[t + 1] - 1]).decode()

    def __getitem__(self, term: str) -> int:
        t = self.get(term)
        if t is None:
            raise KeyError(term)
        return t

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __iter__(self) -> Iterator[str]:
        return iter(bytes(self._bytes).decode().split("\0") if len(self) else ())
