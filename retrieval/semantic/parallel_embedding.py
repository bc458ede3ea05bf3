"""Embedding batches of texts on every core: one single-threaded model per worker process.

The model runs on one OpenMP thread (retrieval/semantic/embedder.py says why), so one process uses one
core; a build of many vectors starts one worker process per core, each loading its own model
(about a second). The batches are the same whatever the number of workers and come back in
order, so the vectors are the same too: output does not depend on the machine.

An embedder can be spread over workers when it has a `worker_factory`: a picklable callable
(a class, say) that makes an equivalent embedder in a fresh process. Without one, or with one
core, or when the work is too small to repay starting workers, batches are embedded here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from retrieval.semantic.embedder import Embedder

log = logging.getLogger(__name__)

# Work estimated under this many seconds on one core is embedded here: starting a worker and
# loading its model costs about a second and a half on a busy machine.
MIN_PARALLEL_SECONDS = 8.0
# Batches handed to each worker ahead of the one being collected: keeps every core busy while
# bounding what waits in memory.
BATCHES_AHEAD_PER_WORKER = 2

_worker_embedder: Embedder | None = None


def available_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def embed_batches(
    embedder: Embedder,
    batches: Sequence[Sequence[str]],
    workers: int,
    low_priority: bool = False,
) -> Iterator[np.ndarray]:
    """The passage vectors of each batch, in order. With an embedder that has a `worker_factory`,
    and `workers` > 1 or `low_priority`, the batches are embedded by that many worker processes
    (a process of its own even for one, so a bot's own process and model stay free);
    `low_priority` makes them yield the cores to everything else (a running bot's questions).
    `workers` 0: in this process, where memory has no room for a worker process (with a model
    of its own when `low_priority`, so a bot's questions never share theirs with this thread)."""
    factory = getattr(embedder, "worker_factory", None)
    if factory is None or workers == 0 or (workers == 1 and not low_priority) or not batches:
        if low_priority:
            _lower_priority_of_this_thread()
        if workers == 0 and low_priority and factory is not None and batches:
            embedder = factory()
        for batch in batches:
            yield embedder.embed_passages(list(batch))
        return
    # "spawn": a forked child would inherit the parent's OpenMP runtime and threads half set up.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max(1, workers), mp_context=context, initializer=_start_worker,
                             initargs=(factory, low_priority)) as pool:
        pending: deque[Future] = deque()
        upcoming = iter(batches)
        for batch in upcoming:
            pending.append(pool.submit(_embed_in_worker, list(batch)))
            if len(pending) >= workers * BATCHES_AHEAD_PER_WORKER:
                break
        while pending:
            vectors = pending.popleft().result()
            following = next(upcoming, None)
            if following is not None:
                pending.append(pool.submit(_embed_in_worker, list(following)))
            yield vectors


def _start_worker(factory: Callable[[], Embedder], low_priority: bool) -> None:
    global _worker_embedder
    if low_priority:
        _lower_priority_of_this_thread()
    _worker_embedder = factory()


def _embed_in_worker(texts: list[str]) -> np.ndarray:
    return _worker_embedder.embed_passages(texts)


def _lower_priority_of_this_thread() -> None:
    """Run at the lowest priority: the scheduler's idle class where there is one, else nice 19."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        try:
            os.nice(19)
        except OSError as error:
            log.info("embedding at normal priority: %s", error)
