"""Writing a cache file so that a reader never sees half of it: write a temporary file beside
it, then rename it over the old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Callable


def write_atomically(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call `write` with a binary file that then replaces `path` whole (OSError if it cannot;
    whatever `write` raises leaves `path` as it was, and no temporary file behind)."""
    path = Path(path)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as file:
        try:
            write(file)
        except BaseException:
            file.close()
            os.unlink(file.name)
            raise
    os.replace(file.name, path)
