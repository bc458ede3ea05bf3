"""Whether building a collection's index fits the container's memory limit, said before trying.

Inside a container the kernel kills a process that passes the cgroup's memory limit, silently:
the operator sees a restart loop. Before parsing and indexing a collection, its size gives an
estimate of the build's peak (measured with benchmarks/front_door.py); when that is over the
limit, one warning line says what is needed, so the cause is in the log before the kill.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

# cgroup v2, then v1. A v1 "no limit" is a huge number, not "max".
LIMIT_FILES = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
NO_LIMIT_ABOVE = 1 << 60
# The build's peak resident memory: the interpreter, numpy, jieba's dictionary and OpenCC, then
# about this many bytes per byte of article files (the parsed articles, the terms, the postings).
# From benchmarks/front_door.py's 'build MB' against the collections' sizes: 146, 233 and 479 MB
# at 0.7, 9.2 and 93 MB of files (the terms grow slower than the texts); the line through the
# two larger ones, which is above the smallest.
BASE_BYTES = 205 * 2**20
BYTES_PER_ARTICLE_BYTE = 3


def container_memory_limit(files: tuple[Path, ...] | None = None) -> int | None:
    """The memory limit of this process's cgroup in bytes (read from `files`, default
    LIMIT_FILES), or None when there is none (or it cannot be read)."""
    for path in LIMIT_FILES if files is None else files:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text == "max":
            return None
        try:
            value = int(text)
        except ValueError:
            continue
        return None if value >= NO_LIMIT_ABOVE else value
    return None


def estimated_build_bytes(article_bytes: int) -> int:
    """About how much memory building the index of `article_bytes` of article files peaks at."""
    return BASE_BYTES + BYTES_PER_ARTICLE_BYTE * article_bytes


def warn_if_too_small(article_bytes: int, limit: int | None = None) -> str | None:
    """Log (and return) one warning line when the container's memory limit (`limit`, default:
    read from the cgroup) is below what building an index of `article_bytes` needs."""
    limit = container_memory_limit() if limit is None else limit
    needed = estimated_build_bytes(article_bytes)
    if limit is None or needed <= limit:
        return None
    line = (f"the memory limit of this container ({limit / 2**20:,.0f} MB) is likely too small to index these "
            f"articles ({article_bytes / 2**20:,.1f} MB of files): building needs about {needed / 2**20:,.0f} MB; "
            "raise the limit (mem_limit in docker-compose.yml), or build the index elsewhere into INDEX_CACHE_DIR")
    log.warning("%s", line)
    return line
