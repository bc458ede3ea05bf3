"""Computing a collection's vectors while a bot already answers lexically.

A bot whose articles have no vectors yet starts at once; a `BackgroundEmbedding` then builds the
semantic index on a thread of its own (the model itself runs in worker processes at the lowest
priority, so questions keep the cores first), saving as it goes so a restart resumes, and hands
the index over when it is done. How far it is can be read at any time (`progress()`), and is
also written to a small JSON file that `python -m bot config` reads from another process.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from retrieval.storage.atomic_files import write_atomically
from retrieval.semantic.semantic_index import SemanticIndex
from retrieval.semantic.vector_store import EmbeddingNeedsMemory, Progress

log = logging.getLogger(__name__)

# The progress file is rewritten at most this often.
PROGRESS_FILE_SECONDS = 2.0


@dataclass(frozen=True)
class EmbeddingProgress:
    """How far the vectors are: `state` is "embedding", "ready" or "failed"; `done` and `total`
    count characters; `characters_per_second` is the rate so far; `updated` a Unix time."""

    state: str
    done: int = 0
    total: int = 0
    characters_per_second: float = 0.0
    updated: float = 0.0
    error: str = ""

    @property
    def percent(self) -> int:
        return 100 if self.state == "ready" else 100 * self.done // max(self.total, 1)

    def describe(self) -> str:
        """One line: "embedding in the background: 42% (1,234 of 2,900 characters, 850 characters/s)"."""
        if self.state == "ready":
            return "the articles' vectors are ready"
        if self.state == "failed":
            return f"embedding in the background failed: {self.error}"
        return (f"embedding in the background: {self.percent}% ({self.done:,} of {self.total:,} characters, "
                f"{self.characters_per_second:,.0f} characters/s)")

    def to_dict(self) -> dict:
        return {**asdict(self), "percent": self.percent}


def read_progress_file(path: str | Path) -> EmbeddingProgress | None:
    """The progress a bot last wrote to `path`, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return EmbeddingProgress(str(data["state"]), int(data["done"]), int(data["total"]),
                                 float(data["characters_per_second"]), float(data["updated"]), str(data.get("error", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class BackgroundEmbedding:
    """Runs `build(progress)` once on a daemon thread and passes what it returns to `on_ready`."""

    def __init__(self, build: Callable[[Progress], SemanticIndex], on_ready: Callable[[SemanticIndex], None],
                 progress_file: Path | None = None, listener: Progress | None = None):
        """`listener(done, total)`, when given, hears every step too (a bot logs it)."""
        self._build = build
        self._listener = listener
        self._on_ready = on_ready
        self._progress_file = progress_file
        self._lock = threading.Lock()
        self._progress = EmbeddingProgress("embedding", updated=time.time())
        self._started = time.monotonic()
        self._first_done: int | None = None
        self._last_written = 0.0
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name="background-embedding", daemon=True)

    def start(self) -> "BackgroundEmbedding":
        self._thread.start()
        return self

    def progress(self) -> EmbeddingProgress:
        """How far it is now."""
        with self._lock:
            return self._progress

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the build has ended (done or failed); False when `timeout` passed first."""
        return self._finished.wait(timeout)

    def _report(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._first_done is None:  # what was known before starting is not this run's speed
            self._first_done, self._started = done, now
        rate = (done - self._first_done) / max(now - self._started, 1e-9)
        if self._listener is not None:
            self._listener(done, total)
        self._set(EmbeddingProgress("embedding", done, total, rate, time.time()), force=False)

    def _set(self, progress: EmbeddingProgress, force: bool) -> None:
        with self._lock:
            self._progress = progress
        if self._progress_file is not None and (force or time.monotonic() - self._last_written >= PROGRESS_FILE_SECONDS):
            self._last_written = time.monotonic()
            try:
                write_atomically(self._progress_file, lambda file: file.write(json.dumps(progress.to_dict()).encode()))
            except OSError as error:
                log.info("embedding progress not written to %s: %s", self._progress_file, error)
                self._progress_file = None

    def _run(self) -> None:
        try:
            index = self._build(self._report)
            last = self.progress()
            self._on_ready(index)
            self._set(EmbeddingProgress("ready", last.total, last.total, last.characters_per_second, time.time()), force=True)
        except EmbeddingNeedsMemory as short:  # the memory limit shrank what fits since the start: one line
            log.warning("answers stay lexical: %s", short)
            last = self.progress()
            self._set(EmbeddingProgress("failed", last.done, last.total, 0.0, time.time(), str(short)), force=True)
        except Exception as error:  # noqa: BLE001 - the bot goes on answering lexically, and says why
            log.error("embedding in the background failed; answers stay lexical: %s", error, exc_info=True)
            last = self.progress()
            self._set(EmbeddingProgress("failed", last.done, last.total, 0.0, time.time(), str(error)), force=True)
        finally:
            self._finished.set()
