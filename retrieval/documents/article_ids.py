"""Article ids: from a file's path in its collection, always usable.

An id is up to MAX_ID_CHARS letters, digits, '.', '_', '-' or '/'. A path that is longer, or holds
other characters, gets a safe id: what is usable of it, shortened, plus a short digest of the
whole path, so two files never share one.
"""

from __future__ import annotations

import hashlib
import re

MAX_ID_CHARS = 64
DIGEST_CHARS = 8
_USABLE = re.compile(r"^[\w./-]{1,64}$")
_UNUSABLE_RUN = re.compile(r"[^\w./-]+")


def is_usable_id(text: str) -> bool:
    """True when `text` may be an id as it is."""
    return _USABLE.match(text) is not None and not text.startswith("/")


def id_for_path(relative_stem: str) -> str:
    """The id of the file at `relative_stem` (its path in the collection, without the suffix)."""
    if is_usable_id(relative_stem):
        return relative_stem
    digest = hashlib.sha256(relative_stem.encode()).hexdigest()[:DIGEST_CHARS]
    readable = _UNUSABLE_RUN.sub("-", relative_stem).strip("-/.")
    readable = readable[: MAX_ID_CHARS - DIGEST_CHARS - 1].rstrip("-/.")
    return f"{readable}-{digest}" if readable else digest
