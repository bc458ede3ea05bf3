"""A digest of the retrieval package's source: part of every cache key, so that a cache written by
other code (another parser, tokenizer or scoring) is never read as this code's."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The digest of every module of retrieval/, by name and bytes (read once per process)."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()
