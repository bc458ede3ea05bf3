"""Stand-in embedding models for tests: vectors from each text's digest, no model file needed."""

from __future__ import annotations

import hashlib

import numpy as np


def digest_vector(text: str, dim: int = 16) -> np.ndarray:
    """A unit vector that depends only on `text`."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


class DigestEmbedder:
    """A model that can also run in worker processes (it has a `worker_factory`), and whose
    passage calls can be held back by a test until it lets them go (`gate`: a path that must
    exist before each batch is embedded; None: never held)."""

    identity = "digest-test-embedder-1"

    def __init__(self, gate: str | None = None):
        self.gate = gate
        self.worker_factory = _Factory(gate)

    def embed_queries(self, texts):
        return np.stack([digest_vector("query: " + text) for text in texts])

    def embed_passages(self, texts):
        if self.gate is not None:
            import os
            import time

            while not os.path.exists(self.gate):
                time.sleep(0.01)
        return np.stack([digest_vector(text) for text in texts]).reshape(len(texts), -1)


class _Factory:
    """Makes the same DigestEmbedder in a worker process (picklable: a module-level class)."""

    def __init__(self, gate: str | None):
        self.gate = gate

    def __call__(self) -> DigestEmbedder:
        return DigestEmbedder(self.gate)
