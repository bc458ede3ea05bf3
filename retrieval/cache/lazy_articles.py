"""The articles of a cached corpus, read when first asked for: a warm start with one question
unpickles the few batches of articles its quotes come from, not every article of a large
collection (0.64 s of a 1.5 s start at 26,796 articles).

`LazyArticles` is a read-only sequence, as the tuple a parse gives is: the articles are pickled a
batch at a time in the cache file (retrieval/cache/corpus_cache.py), and the sequence keeps where
each batch starts, its length in bytes and how many articles it holds. A batch is unpickled when
one of its articles is first asked for, and kept. A batch that cannot be read (the file damaged
since the start) is parsed again from the article files, never fatal. The articles' summaries
(retrieval/documents/article_summaries.py) are all in memory from the start.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from retrieval.documents.article_summaries import ArticleSummary
from retrieval.documents.corpus import Article
from retrieval.storage.paused_collection import collection_paused

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    """Where one batch of articles is in the cache file: its first byte, its length in bytes,
    and the position (in the corpus) of its first article."""

    offset: int
    length: int
    first: int


class LazyArticles(Sequence[Article]):
    """The articles of the cache file open as `fd`, `batches` of them in order (the file stays
    open: a cache written again or pruned meanwhile does not change what it holds). `reparse`
    gives the articles of some summaries parsed from their files, for a batch that cannot be read;
    the file is closed when the sequence is dropped."""

    def __init__(self, fd: int, batches: Sequence[Batch], summaries: Sequence[ArticleSummary],
                 reparse: Callable[[Sequence[ArticleSummary]], tuple[Article, ...]]):
        self.summaries = summaries
        self._fd = fd
        self._batches = tuple(batches)
        self._firsts = [batch.first for batch in self._batches]
        self._reparse = reparse
        self._loaded: dict[int, tuple[Article, ...]] = {}
        self._lock = threading.Lock()  # one thread reads a batch; the others wait for it
        self._closing = weakref.finalize(self, os.close, fd)  # the file closes with the sequence

    def __len__(self) -> int:
        return len(self.summaries)

    @overload
    def __getitem__(self, position: int) -> Article: ...

    @overload
    def __getitem__(self, position: slice) -> tuple[Article, ...]: ...

    def __getitem__(self, position):
        if isinstance(position, slice):
            return tuple(self[i] for i in range(*position.indices(len(self))))
        size = len(self)
        if position < 0:
            position += size
        if not 0 <= position < size:
            raise IndexError("article position out of range")
        number = bisect_right(self._firsts, position) - 1
        return self._batch(number)[position - self._batches[number].first]

    def __iter__(self) -> Iterator[Article]:
        for number in range(len(self._batches)):
            yield from self._batch(number)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __reduce__(self):
        return tuple, (tuple(self),)  # pickled (as a process pool would) as the tuple it stands for

    def __repr__(self) -> str:
        return f"LazyArticles({len(self)} articles, {len(self._loaded)} of {len(self._batches)} batches read)"

    @property
    def batches_read(self) -> tuple[int, ...]:
        """The numbers of the batches read so far, in order."""
        return tuple(sorted(self._loaded))

    def _batch(self, number: int) -> tuple[Article, ...]:
        loaded = self._loaded.get(number)
        if loaded is not None:
            return loaded
        with self._lock:
            loaded = self._loaded.get(number)
            if loaded is None:
                loaded = self._loaded[number] = self._read(number)
            return loaded

    def _read(self, number: int) -> tuple[Article, ...]:
        batch = self._batches[number]
        end = self._batches[number + 1].first if number + 1 < len(self._batches) else len(self)
        try:
            with collection_paused():
                articles = pickle.loads(os.pread(self._fd, batch.length, batch.offset))
            if (isinstance(articles, tuple) and len(articles) == end - batch.first
                    and all(type(article) is Article for article in articles)):
                return articles
            log.warning("cached articles %d to %d are not what the cache said: parsing them again", batch.first, end)
        except Exception as error:  # damaged since the start: parse again
            log.warning("cached articles %d to %d cannot be read (%s): parsing them again", batch.first, end, error)
        return self._reparse(self.summaries[batch.first : end])

    def close(self) -> None:
        """Close the cache file now, not when the sequence is dropped (the batches read stay readable)."""
        self._closing()
