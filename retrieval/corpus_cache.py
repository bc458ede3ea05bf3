"""The parsed articles of a collection, kept in the index cache so that a warm start reads them
instead of parsing them again (detecting languages, converting scripts, extracting web pages
and PDFs took most of a large collection's start).

The key hashes the digest `list_corpus` gives (every article file's path and bytes, the URL
template and the versions of the libraries that read web pages and PDFs; cheap next to parsing)
and the source of the `retrieval` package, so an edited article or a change to how articles are read makes a new key.
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
from retrieval.corpus import Corpus, list_corpus, parse_corpus
from retrieval.memory_limit import warn_if_too_small

log = logging.getLogger(__name__)

# Bump when what a cached Corpus holds changes in a way the code digest would not show.
CORPUS_CACHE_FORMAT = "1"


def load_corpus_cached(directory: str | Path, cache_dir: str | Path | None = None,
                       url_template: str | None = None) -> Corpus:
    """`load_corpus(directory, url_template)`, from the cache in `cache_dir` (None: the default
    cache directory) when it holds these exact files, else parsed and saved there. CorpusError
    as `load_corpus` raises it (a bad collection is never cached)."""
    from retrieval.index_cache import _cache_directory, _directory_prefix, prune_superseded

    directory = Path(directory)
    listing = list_corpus(directory, url_template)  # the files and their digest: no parsing
    if listing.problems:
        return parse_corpus(listing)  # raises CorpusError naming every problem
    key = hashlib.sha256(f"{CORPUS_CACHE_FORMAT}|{_code_digest()}|{listing.digest}".encode()).hexdigest()[:32]
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
    warn_if_too_small(sum(len(raw) for _, raw in listing.files))  # a first start parses and indexes
    corpus = parse_corpus(listing)
    try:
        write_atomically(path, lambda file: pickle.dump(corpus, file, protocol=pickle.HIGHEST_PROTOCOL))
        prune_superseded(cache, path, _directory_prefix(directory))
    except OSError as error:
        log.info("parsed articles not cached in %s: %s", cache, error)
    return corpus


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of the retrieval package's source. (The web page and PDF readers' versions are
    in the listing's digest, for the collections that hold such files: looking them up costs
    about 20 ms, which a collection of Markdown need not pay.)"""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()
