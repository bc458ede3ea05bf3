"""jieba with its default dictionary loaded from jieba's own cache file, for a fifth of the CPU time.

jieba's `Tokenizer.initialize()` reads its dictionary cache (`jieba.cache`, a marshal dump of
`(FREQ, total)`) with `marshal.load(file)`, which takes about 1.5 s of CPU where `marshal.loads` of
the same bytes takes 0.3 s; and `import jieba` imports `pkg_resources` (0.15 s, when setuptools is
installed) only to open its own bundled files. Here the same file gives the same dictionary, so
segmentation is unchanged; when the file is missing or damaged, jieba's own `initialize()` builds
the dictionary from dict.txt (and saves the file again).
"""

from __future__ import annotations

import logging
import marshal
import os
import sys
import tempfile
from types import ModuleType

log = logging.getLogger(__name__)

# The name jieba gives the cache of its default dictionary (Tokenizer.initialize).
CACHE_FILE_NAME = "jieba.cache"


def import_jieba() -> ModuleType:
    """The jieba module, imported without importing `pkg_resources` if nothing has imported it yet.

    jieba only opens its bundled files through `pkg_resources`, and opens them with `open()` when
    that import fails; for an installed package both read the same bytes. During the import (once,
    about 20 ms) another thread's `import pkg_resources` would fail: the bots load jieba in
    `Engine.warm_up()`, before they start their threads.
    """
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    block = "pkg_resources" not in sys.modules
    if block:
        sys.modules["pkg_resources"] = None  # makes `import pkg_resources` raise ImportError
    try:
        import jieba
    finally:
        if block and sys.modules.get("pkg_resources", False) is None:
            del sys.modules["pkg_resources"]  # later imports of pkg_resources work as before
    return jieba


def cache_path(cache_dir: str | None) -> str:
    """Where jieba keeps its default dictionary's cache: in `cache_dir`, or (None) the system's
    temporary folder, as `Tokenizer.initialize()` decides."""
    return os.path.join(cache_dir or tempfile.gettempdir(), CACHE_FILE_NAME)


def read_cached_dictionary(path: str) -> tuple[dict[str, int], int] | None:
    """jieba's `(FREQ, total)` from the cache file at `path`, exactly as `initialize()` would read
    it; None when the file is missing or is not a marshalled pair (damaged, truncated, foreign)."""
    try:
        with open(path, "rb") as file:
            freq, total = marshal.loads(file.read())
    except FileNotFoundError:
        return None
    except Exception as error:  # initialize() accepts no more than this, and rebuilds the file
        log.warning("ignoring unreadable jieba dictionary cache %s: %s", path, error)
        return None
    return freq, total


def load_tokenizer(cache_dir: str | None = None):
    """A `jieba.Tokenizer` with the default dictionary loaded from `cache_dir`'s jieba.cache (None:
    the system's temporary folder); when that file is missing or unreadable, jieba builds the
    dictionary from its dict.txt and saves the cache there if it can."""
    jieba = import_jieba()
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = cache_dir
    cached = read_cached_dictionary(cache_path(cache_dir))
    if cached is None:
        tokenizer.initialize()
    else:
        # What initialize() sets after reading the same file.
        tokenizer.FREQ, tokenizer.total = cached
        tokenizer.initialized = True
    return tokenizer
