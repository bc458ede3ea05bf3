"""The parsed articles of a collection, kept in the index cache so that a warm start reads them
instead of parsing them again (detecting languages, converting scripts, extracting web pages
and PDFs took most of a large collection's start).

The key hashes the digest `list_corpus` gives (every article file's path and bytes, the URL
template and the versions of the libraries that read web pages and PDFs; cheap next to parsing,
and cheaper still with the files' hashes kept by their stat beside the cache, FILE_HASHES_NAME)
and the source of the `retrieval` package, so an edited article or a change to how articles are read makes a new key.

The cache file holds pickles, one after the other: the articles ARTICLES_PER_PICKLE at a time (so
that writing them adds little to a build's peak memory, and a warm start reads only the batches
a question quotes: retrieval/cache/lazy_articles.py), their summaries SUMMARIES_PER_PICKLE at a
time (retrieval/documents/article_summaries.py: all read at the start), then the head (the format, the
corpus without its articles, where each batch is, where the summaries are), and last the head's
offset in TRAILER's 8 bytes. Only this process's own pickles, in the user's own cache directory,
are read; a file that cannot be read is parsed again, never fatal.
"""

from __future__ import annotations

import copyreg
import hashlib
import logging
import os
import pickle
import struct
from dataclasses import fields, replace
from pathlib import Path

from retrieval.answer import ArticleInfo
from retrieval.storage.atomic_files import write_atomically
from retrieval.cache.lazy_articles import Batch, LazyArticles
from retrieval.documents.article_summaries import ArticleSummary
from retrieval.documents.blocks import Block
from retrieval.storage.code_digest import code_digest
from retrieval.documents.corpus import Article, Corpus, list_corpus, parse_corpus, reparse_articles
from retrieval.storage.file_hashes import load_file_hashes
from retrieval.storage.memory_limit import warn_if_too_small
from retrieval.storage.paused_collection import collection_paused

log = logging.getLogger(__name__)

# Bump when what a cached Corpus holds changes in a way the code digest would not show.
CORPUS_CACHE_FORMAT = "3"
# The articles are pickled this many at a time: a pickler keeps everything it wrote until its memo
# is cleared (here each object's state and a copy of each text: more than the articles at once),
# and a warm start reads the batch of each article it quotes (at 100k passages one question with
# the model quotes from 46 articles: in batches of 50, 35 of them were read, 0.18 s under cProfile).
ARTICLES_PER_PICKLE = 10
# The summaries, all read at the start, are pickled this many at a time (fewer pickles, read faster).
SUMMARIES_PER_PICKLE = 250
# The end of the file: the offset of the head pickle, little-endian.
TRAILER = struct.Struct("<Q")
# The file (after the directory's prefix) keeping its article files' content hashes by their stat.
FILE_HASHES_NAME = "files.hashes"


def load_corpus_cached(directory: str | Path, cache_dir: str | Path | None = None,
                       url_template: str | None = None, with_model: bool = False) -> Corpus:
    """`load_corpus(directory, url_template)`, from the cache in `cache_dir` (None: the default
    cache directory) when it holds these exact files, else parsed and saved there. CorpusError
    as `load_corpus` raises it (a bad collection is never cached). `with_model`: the index is
    to be built with the model on (the memory warning counts it)."""
    from retrieval.cache.index_cache import _cache_directory, _directory_prefix, prune_superseded

    directory = Path(directory)
    cache = _cache_directory(cache_dir)
    hashes_path = cache / f"{_directory_prefix(directory)}{FILE_HASHES_NAME}"
    hashes = load_file_hashes(hashes_path)
    listing = list_corpus(directory, url_template, hashes)  # the files and their digest: no parsing
    if listing.problems:
        return parse_corpus(listing)  # raises CorpusError naming every problem
    try:
        hashes.save(hashes_path)
    except OSError as error:
        log.info("file hashes not saved in %s: %s", cache, error)
    path = _cache_path(cache, directory, listing.digest)
    try:
        with open(path, "rb") as file:
            with collection_paused():
                corpus = _read_corpus(file, lambda summaries: reparse_articles(directory, summaries, listing.url_template))
        if corpus is not None:
            return replace(corpus, directory=directory)
        log.warning("ignoring cached articles %s: not a corpus", path)
    except FileNotFoundError:
        pass
    except Exception as error:  # damaged, or written by other code: parse again
        log.warning("ignoring unreadable cached articles %s: %s", path, error)
    warn_if_too_small(listing.total_bytes, with_model=with_model)  # a first start parses and indexes
    corpus = parse_corpus(listing)
    path = _cache_path(cache, directory, corpus.digest)  # the files' digest as parsed
    try:
        write_atomically(path, lambda file: _write_corpus(file, corpus))
        prune_superseded(cache, path, _directory_prefix(directory))
    except OSError as error:
        log.info("parsed articles not cached in %s: %s", cache, error)
    return corpus


def _cache_path(cache: Path, directory: Path, digest: str) -> Path:
    """Where `cache` keeps the parsed articles of `directory` whose files have `digest`."""
    from retrieval.cache.index_cache import _directory_prefix

    # (The web page and PDF readers' versions are in the listing's digest, for the collections that
    # hold such files: looking them up costs about 20 ms, which a collection of Markdown need not pay.)
    key = hashlib.sha256(f"{CORPUS_CACHE_FORMAT}|{code_digest()}|{digest}".encode()).hexdigest()[:32]
    return cache / f"{_directory_prefix(directory)}{key}.corpus"


def _write_corpus(file, corpus: Corpus) -> None:
    """Pickle `corpus` to the binary `file` as the module's docstring says."""
    pickler = _FieldPickler(file, protocol=pickle.HIGHEST_PROTOCOL)
    batches = []
    for first in range(0, len(corpus.articles), ARTICLES_PER_PICKLE):
        offset = _dump(pickler, file, tuple(corpus.articles[first : first + ARTICLES_PER_PICKLE]))
        batches.append((offset, file.tell() - offset, first))
    summaries_offset = file.tell()
    summaries = corpus.summaries
    for first in range(0, len(summaries), SUMMARIES_PER_PICKLE):
        _dump(pickler, file, tuple(summaries[first : first + SUMMARIES_PER_PICKLE]))
    head = (CORPUS_CACHE_FORMAT, replace(corpus, articles=()), tuple(batches), summaries_offset, len(summaries))
    file.write(TRAILER.pack(_dump(pickler, file, head)))


def _dump(pickler: pickle.Pickler, file, value) -> int:
    """Pickle `value` on its own (nothing shared with what came before) and return its offset."""
    offset = file.tell()
    pickler.clear_memo()
    pickler.dump(value)
    return offset


def _read_corpus(file, reparse) -> Corpus | None:
    """The corpus `_write_corpus` wrote to `file` (its articles read when first asked for; a batch
    that cannot be read then is given by `reparse(its summaries)`), or None when it holds
    something else."""
    file.seek(-TRAILER.size, os.SEEK_END)
    (head_offset,) = TRAILER.unpack(file.read(TRAILER.size))
    file.seek(head_offset)
    head = pickle.load(file)
    if not (isinstance(head, tuple) and len(head) == 5 and head[0] == CORPUS_CACHE_FORMAT
            and isinstance(head[1], Corpus)):
        return None
    corpus, batches, summaries_offset, count = head[1:]
    file.seek(summaries_offset)
    summaries: list[ArticleSummary] = []
    while len(summaries) < count:
        summaries.extend(pickle.load(file))
    if len(summaries) != count or not all(type(summary) is ArticleSummary for summary in summaries):
        return None
    articles = LazyArticles(os.dup(file.fileno()), [Batch(*batch) for batch in batches], tuple(summaries), reparse)
    return replace(corpus, articles=articles)


class _FieldPickler(pickle.Pickler):
    """Pickles the corpus's dataclasses from their fields, into what pickle writes from their
    `__dict__`, without what pickling leaves in memory for good (about 200 MB at 100k passages,
    half of a build's peak beside the articles): on Python 3.11 an object's `__dict__` is made
    when first asked for and then stays with it; and a str keeps the UTF-8 bytes pickle asked it
    for (half the size again of a Chinese text), so an article's text is pickled from a copy,
    dropped with its batch."""

    def reducer_override(self, obj):
        names = _PICKLED_FIELDS.get(type(obj))
        if names is None:
            return NotImplemented
        state = {name: getattr(obj, name) for name in names}
        if type(obj) is Article:
            state["text"] = "".join((obj.text, ""))  # a new str (a slice or `+ ""` is the same one)
        return copyreg.__newobj__, (type(obj),), state


# Frozen dataclasses that keep nothing but their fields.
_PICKLED_FIELDS = {kind: tuple(f.name for f in fields(kind))
                   for kind in (Corpus, Article, ArticleInfo, ArticleSummary, Block)}


