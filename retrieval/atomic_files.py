"""Writing a cache file so that a reader never sees half of it: write a temporary file beside
it, then rename it over the old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Callable


def write_atomically(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call `write` with a binary file that then replaces `path` whole (OSError if it cannot)."""
    path = Path(path)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as file:
        write(file)
    os.replace(file.name, path)
