"""The passages of a cached index, kept as three arrays and made into `Passage`s on access:
making every Passage object up front would take longer than loading the whole index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np

from retrieval.passages import Passage


class PassageTable(Sequence[Passage]):
    """A read-only sequence of passages: passage i is (articles[i], starts[i], ends[i])."""

    def __init__(self, articles: np.ndarray, starts: np.ndarray, ends: np.ndarray):
        if not len(articles) == len(starts) == len(ends):
            raise ValueError("passage arrays of different lengths")
        self.articles, self.starts, self.ends = articles, starts, ends

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> "PassageTable":
        """The table of `passages`."""
        columns = np.array([(p.article, p.start, p.end) for p in passages], dtype=np.int64).reshape(-1, 3)
        return cls(*(np.ascontiguousarray(columns[:, i]) for i in range(3)))

    def __len__(self) -> int:
        return len(self.articles)

    def __iter__(self):
        return map(Passage, self.articles.tolist(), self.starts.tolist(), self.ends.tolist())

    @overload
    def __getitem__(self, i: int) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return Passage(int(self.articles[i]), int(self.starts[i]), int(self.ends[i]))
