"""The words naming each article (article_naming.ArticleHeaders), made when the index is built and
kept beside it, so that a warm start's first question does not tokenise every title and byline
(2.1 s at 26,796 articles).

The file is a pickle of both kinds of headers (Chinese cut into words, and not), named as the
index is with the suffix HEADERS_SUFFIX: the same corpus content and code give the same file,
and a superseded one is pruned. A file that cannot be read is made again, never fatal.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

from retrieval.article_naming import ArticleHeaders, article_headers
from retrieval.atomic_files import write_atomically
from retrieval.corpus import Corpus
from retrieval.index_cache import _cache_directory, cache_key, corpus_prefix, prune_superseded
from retrieval.passages import Passage

log = logging.getLogger(__name__)

HEADERS_SUFFIX = ".headers"


def load_or_build_article_headers(corpus: Corpus, passages: list[Passage],
                                  cache_dir: str | Path | None = None) -> dict[bool, ArticleHeaders]:
    """`article_headers(corpus, passages, segment_chinese)` for segment_chinese False and True,
    from the cache in `cache_dir` (None: the default one) when it holds them, else made and saved."""
    directory = _cache_directory(cache_dir)
    path = directory / cache_key(corpus).removesuffix(".index")
    path = path.with_name(path.name + HEADERS_SUFFIX)
    try:
        with open(path, "rb") as file:
            headers = pickle.load(file)
        if isinstance(headers, dict) and all(isinstance(headers.get(s), ArticleHeaders) for s in (False, True)):
            return headers
        log.warning("ignoring cached article headers %s: not headers", path)
    except FileNotFoundError:
        pass
    except Exception as error:  # damaged, or written by other code: make them again
        log.warning("ignoring unreadable cached article headers %s: %s", path, error)
    headers = {segment: article_headers(corpus, passages, segment) for segment in (False, True)}
    try:
        write_atomically(path, lambda file: pickle.dump(headers, file, protocol=pickle.HIGHEST_PROTOCOL))
        prune_superseded(directory, path, corpus_prefix(corpus))
    except OSError as error:
        log.info("article headers not cached in %s: %s", directory, error)
    return headers
