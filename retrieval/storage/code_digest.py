"""A digest of the retrieval package's source: part of every cache key, so that a cache written by
other code (another parser, tokenizer or scoring) is never read as this code's."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

# retrieval/, two levels above this file (retrieval/storage/code_digest.py).
RETRIEVAL_ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The digest of every module of retrieval/ and its packages, by path and bytes (read once
    per process)."""
    digest = hashlib.sha256()
    for source in sorted(RETRIEVAL_ROOT.rglob("*.py")):
        digest.update(source.relative_to(RETRIEVAL_ROOT).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()
