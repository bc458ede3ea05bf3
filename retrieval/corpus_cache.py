"""The parsed articles of a collection, kept in the index cache so that a warm start reads them
instead of parsing them again (detecting languages, converting scripts, extracting web pages
and PDFs took most of a large collection's start).

The key hashes every article file's name and bytes (as `load_corpus` does; cheap next to
parsing), the versions of the libraries that read web pages and PDFs, and the source of the
`retrieval` package, so an edited article or a change to how articles are read makes a new key.
The cache is a pickle of the `Corpus` this process made itself in the user's own cache
directory; a file that cannot be read is parsed again, never fatal.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from retrieval.atomic_files import write_atomically
from retrieval.corpus import ARTICLE_SUFFIXES, Corpus, load_corpus
from retrieval.memory_limit import warn_if_too_small

log = logging.getLogger(__name__)

# Bump when what a cached Corpus holds changes in a way the code digest would not show.
CORPUS_CACHE_FORMAT = "1"
_READER_LIBRARIES = ("trafilatura", "pypdf")
_PLAIN_TEXT = (".md", ".txt")


def load_corpus_cached(directory: str | Path, cache_dir: str | Path | None = None) -> Corpus:
    """`load_corpus(directory)`, from the cache in `cache_dir` (None: the default cache
    directory) when it holds these exact files, else parsed and saved there. CorpusError as
    `load_corpus` raises it (a bad collection is never cached)."""
    from retrieval.index_cache import _cache_directory, _directory_prefix, prune_superseded

    directory = Path(directory)
    key, size = _content_key(directory)
    if key is None:  # missing, unreadable or empty: load_corpus says what is wrong
        return load_corpus(directory)
    cache = _cache_directory(cache_dir)
    path = cache / f"{_directory_prefix(directory)}{key}.corpus"
    try:
        with open(path, "rb") as file:
            corpus = pickle.load(file)
        if isinstance(corpus, Corpus):
            return replace(corpus, directory=directory)
        log.warning("ignoring cached articles %s: not a corpus", path)
    except FileNotFoundError:
        pass
    except Exception as error:  # damaged, or written by other code: parse again
        log.warning("ignoring unreadable cached articles %s: %s", path, error)
    warn_if_too_small(size)  # a first start parses and indexes: say so if it cannot fit
    corpus = load_corpus(directory)
    try:
        write_atomically(path, lambda file: pickle.dump(corpus, file, protocol=pickle.HIGHEST_PROTOCOL))
        prune_superseded(cache, path, _directory_prefix(directory))
    except OSError as error:
        log.info("parsed articles not cached in %s: %s", cache, error)
    return corpus


def _content_key(directory: Path) -> tuple[str | None, int]:
    """A digest of the article files' names and bytes and of the code that reads them (None when
    the directory cannot be listed or read, or holds no article file), and the files' size."""
    digest = hashlib.sha256(f"{CORPUS_CACHE_FORMAT}|{_code_digest()}\0".encode())
    size = 0
    try:
        files = sorted(path for path in directory.iterdir()
                       if path.suffix.lower() in ARTICLE_SUFFIXES and not path.name.startswith("."))
        if any(path.suffix.lower() not in _PLAIN_TEXT for path in files):
            digest.update(_reader_versions().encode())
        for path in files:
            raw = path.read_bytes()
            size += len(raw)
            digest.update(path.name.encode() + b"\0" + raw + b"\0")
    except OSError:
        return None, 0
    return (digest.hexdigest()[:32] if files else None), size


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of the retrieval package's source."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _reader_versions() -> str:
    """The versions of the libraries that read web pages and PDFs (looking them up costs about
    20 ms, so only collections holding such files pay it)."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for library in _READER_LIBRARIES:
        try:
            found.append(f"{library} {version(library)}")
        except PackageNotFoundError:
            found.append(f"{library} -")
    return ", ".join(found)
