"""The passages of a cached index, kept as arrays and made into `Passage`s on access: making
every Passage object up front would take longer than loading the whole index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np

from retrieval.documents.passages import PASSAGE_KINDS, Passage


class PassageTable(Sequence[Passage]):
    """A read-only sequence of passages: passage i is (articles[i], starts[i], ends[i]), of kind
    PASSAGE_KINDS[kinds[i]], in section sections[section_ids[i]]."""

    def __init__(self, articles: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 kinds: np.ndarray | None = None, section_ids: np.ndarray | None = None,
                 sections: Sequence[str] = ("",)):
        kinds = np.zeros(len(articles), dtype=np.int8) if kinds is None else kinds
        section_ids = np.zeros(len(articles), dtype=np.int32) if section_ids is None else section_ids
        if not len(articles) == len(starts) == len(ends) == len(kinds) == len(section_ids):
            raise ValueError("passage arrays of different lengths")
        if len(section_ids) and (int(section_ids.max()) >= len(sections) or int(section_ids.min()) < 0):
            raise ValueError("a passage names a section the table does not hold")
        if len(kinds) and (int(kinds.max()) >= len(PASSAGE_KINDS) or int(kinds.min()) < 0):
            raise ValueError("a passage has an unknown kind")
        self.articles, self.starts, self.ends = articles, starts, ends
        self.kinds, self.section_ids, self.sections = kinds, section_ids, tuple(sections)

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> "PassageTable":
        """The table of `passages`."""
        columns = np.array([(p.article, p.start, p.end) for p in passages], dtype=np.int64).reshape(-1, 3)
        sections: dict[str, int] = {"": 0}
        section_ids = np.array([sections.setdefault(p.section, len(sections)) for p in passages], dtype=np.int32)
        kinds = np.array([PASSAGE_KINDS.index(p.kind) for p in passages], dtype=np.int8)
        return cls(*(np.ascontiguousarray(columns[:, i]) for i in range(3)), kinds, section_ids, list(sections))

    def __len__(self) -> int:
        return len(self.articles)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @overload
    def __getitem__(self, i: int) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return Passage(int(self.articles[i]), int(self.starts[i]), int(self.ends[i]),
                       PASSAGE_KINDS[int(self.kinds[i])], self.sections[int(self.section_ids[i])])


def passage_articles(passages: Sequence[Passage]) -> np.ndarray:
    """The article (position) of every passage, as an array: a table's own column, read without
    making a Passage of each (at 100k passages that walk cost a question about 100 ms)."""
    if isinstance(passages, PassageTable):
        return np.asarray(passages.articles)
    return np.fromiter((p.article for p in passages), dtype=np.int64, count=len(passages))
