"""The words naming each article (article_naming.ArticleHeaders), made when the index is built and
kept beside it, so that a warm start's first question does not tokenise every title and byline
(2.1 s at 26,796 articles).

Each kind of headers (Chinese cut into words, and not) is a pickle of its own, named as the index
is with the suffix HEADERS_SUFFIX[segment_chinese], and read when a question first needs it (an
English question needs one kind only: 0.13 s of a 100k warm start). The same corpus content and
code give the same files, and superseded ones are pruned. A file that cannot be read is made
again, never fatal.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

from retrieval.answering.article_naming import ArticleHeaders, article_headers
from retrieval.storage.atomic_files import write_atomically
from retrieval.storage.paused_collection import collection_paused
from retrieval.documents.corpus import Corpus
from retrieval.cache.index_cache import _cache_directory, cache_key, corpus_prefix, prune_superseded
from retrieval.documents.passages import Passage

log = logging.getLogger(__name__)

# By segment_chinese: neither suffix ends the other, so pruning one kind leaves the other.
HEADERS_SUFFIX = {False: ".headers", True: ".headers-zh"}


def build_article_headers(corpus: Corpus, passages: list[Passage], cache_dir: str | Path | None = None) -> None:
    """Make and save both kinds of headers in `cache_dir` (None: the default one) unless it holds them."""
    for segment_chinese in HEADERS_SUFFIX:
        if not _headers_path(corpus, cache_dir, segment_chinese).exists():
            load_or_build_article_headers(corpus, passages, segment_chinese, cache_dir)


def load_or_build_article_headers(corpus: Corpus, passages: list[Passage], segment_chinese: bool,
                                  cache_dir: str | Path | None = None) -> ArticleHeaders:
    """`article_headers(corpus, passages, segment_chinese)`, from the cache in `cache_dir` (None:
    the default one) when it holds them, else made and saved."""
    path = _headers_path(corpus, cache_dir, segment_chinese)
    try:
        with open(path, "rb") as file, collection_paused():
            headers = pickle.load(file)
        if isinstance(headers, ArticleHeaders):
            return headers
        log.warning("ignoring cached article headers %s: not headers", path)
    except FileNotFoundError:
        pass
    except Exception as error:  # damaged, or written by other code: make them again
        log.warning("ignoring unreadable cached article headers %s: %s", path, error)
    headers = article_headers(corpus, passages, segment_chinese)
    try:
        write_atomically(path, lambda file: pickle.dump(headers, file, protocol=pickle.HIGHEST_PROTOCOL))
        prune_superseded(path.parent, path, corpus_prefix(corpus))
    except OSError as error:
        log.info("article headers not cached in %s: %s", path.parent, error)
    return headers


def _headers_path(corpus: Corpus, cache_dir: str | Path | None, segment_chinese: bool) -> Path:
    return _cache_directory(cache_dir) / (cache_key(corpus).removesuffix(".index") + HEADERS_SUFFIX[segment_chinese])
