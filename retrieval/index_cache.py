"""Build the index once per corpus content, and keep it in a cache file keyed by that content.

The key is a digest of every article file's name and bytes plus INDEX_FORMAT, so an edited,
added or removed article, or a change to how text is indexed, gives a new key: a cache is
never stale. A cache that cannot be read or written is rebuilt or skipped, never fatal.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

from retrieval.chinese import use_cache_dir
from retrieval.corpus import Corpus
from retrieval.index import B, DELTA, K1, SearchIndex
from retrieval.passages import MAX_PASSAGE_CHARS, MIN_PASSAGE_CHARS, WINDOW_CHARS, Passage, split_passages
from retrieval.tokenizer import terms

log = logging.getLogger(__name__)

# Bump when tokenizing, passage splitting or scoring changes what an index holds.
INDEX_FORMAT = "10"


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/sora-quotes, or ~/.cache/sora-quotes."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sora-quotes"


def cache_key(corpus: Corpus) -> str:
    """The cache file's name for this corpus content and this index format."""
    settings = f"{INDEX_FORMAT}|{K1}|{B}|{DELTA}|{MIN_PASSAGE_CHARS}|{MAX_PASSAGE_CHARS}|{WINDOW_CHARS}"
    return hashlib.sha256(f"{corpus.digest}|{settings}".encode()).hexdigest()[:32] + ".index"


def build_index(corpus: Corpus) -> tuple[list[Passage], SearchIndex]:
    """Split every article into passages and index their terms."""
    passages: list[Passage] = []
    for position, article in enumerate(corpus.articles):
        passages.extend(split_passages(article.text, position))
    tokenized = [terms(corpus.articles[p.article].text[p.start : p.end]) for p in passages]
    return passages, SearchIndex.build(tokenized)


def load_or_build_index(corpus: Corpus, cache_dir: str | Path | None = None) -> tuple[list[Passage], SearchIndex]:
    """The corpus's passages and index, from the cache when it holds them, else built (and
    saved there). `cache_dir=None` uses `default_cache_dir()`."""
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        use_cache_dir(str(directory))  # jieba keeps its dictionary cache beside the index
    except OSError as error:
        log.info("no cache directory %s: %s", directory, error)
    path = directory / cache_key(corpus)
    try:
        with path.open("rb") as file:
            passages, index = pickle.load(file)
        return passages, index
    except FileNotFoundError:
        pass
    except Exception as error:  # a damaged or foreign file: rebuild over it
        log.warning("ignoring unreadable index cache %s: %s", path, error)

    passages, index = build_index(corpus)
    try:
        with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".tmp") as file:
            pickle.dump((passages, index), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, path)
    except OSError as error:
        log.info("index cache not saved in %s: %s", directory, error)
    return passages, index
