"""Build the index once per corpus content, and keep it in a cache file keyed by that content.

The key is a digest of every article file's name and bytes, of the retrieval package's code and
INDEX_FORMAT, so an edited, added or removed article, or other code (a parser, tokenizer or
scoring change), gives a new key: a cache is never stale. A cache that cannot be read or written
is rebuilt or skipped, never fatal.

The index file is an array file (retrieval/storage/array_file.py), opened memory-mapped. Its name starts
with a digest of the corpus directory's path, so the files one corpus leaves behind when its
articles change are recognised and pruned, while other corpora sharing the cache directory keep
theirs; the semantic index's file is named and pruned the same way.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval.storage.array_file import FileArray, read_arrays, write_arrays
from retrieval.storage.atomic_files import write_atomically
from retrieval.text.chinese import use_cache_dir
from retrieval.storage.code_digest import code_digest
from retrieval.documents.corpus import Article, Corpus
from retrieval.semantic.embedder import Embedder
from retrieval.index.bm25 import B, DELTA, K1, SearchIndex
from retrieval.index.passage_table import PassageTable
from retrieval.documents.passages import MAX_PASSAGE_CHARS, MIN_PASSAGE_CHARS, WINDOW_CHARS, Passage, split_passages
from retrieval.semantic.semantic_index import SemanticIndex, list_sentences, write_semantic_index
from retrieval.semantic.sentence_clusters import CLUSTERS_FORMAT, load_clusters, save_clusters
from retrieval.index.token_store import TokenStore, TokenStoreBuilder
from retrieval.text.tokenizer import has_chinese, terms, tokenize
from retrieval.semantic.vector_store import Progress, VectorStore, embed_missing

log = logging.getLogger(__name__)

# Bump when the index file's layout changes (any code change already gives new keys).
INDEX_FORMAT = "18"
# Bump when what a semantic index holds changes (which sentences are embedded, say).
SEMANTIC_FORMAT = "5"
# A corpus directory may carry the vectors of its texts here, as `<embedder identity>.npz`
# (`python -m bot embed` writes them), so that nobody has to wait for them to be computed.
SHIPPED_VECTORS_DIR = "embeddings"


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/sora-quotes, or ~/.cache/sora-quotes."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sora-quotes"


def corpus_prefix(corpus: Corpus) -> str:
    """The start of every cache file name of the corpus in this directory, whatever its content."""
    return _directory_prefix(corpus.directory)


def _directory_prefix(directory: str | Path) -> str:
    return hashlib.sha256(str(Path(directory).resolve()).encode()).hexdigest()[:12] + "-"


def cache_key(corpus: Corpus) -> str:
    """The cache file's name for this corpus directory and content and this index format."""
    settings = f"{INDEX_FORMAT}|{code_digest()}|{K1}|{B}|{DELTA}|{MIN_PASSAGE_CHARS}|{MAX_PASSAGE_CHARS}|{WINDOW_CHARS}"
    digest = hashlib.sha256(f"{corpus.digest}|{settings}".encode()).hexdigest()[:32]
    return f"{corpus_prefix(corpus)}{digest}.index"


@dataclass(frozen=True)
class LoadedIndex:
    """A corpus's passages, their index and their tokens (memory-mapped when read from the cache)."""

    passages: PassageTable
    index: SearchIndex
    tokens: TokenStore


def build_index(corpus: Corpus) -> tuple[list[Passage], SearchIndex, dict[str, np.ndarray]]:
    """Split every article into passages, index their terms, and keep each passage's tokens
    (`token_store` arrays, read into memory). See `build_index_into` for a build whose tokens
    stay on disk."""
    with tempfile.TemporaryDirectory(prefix="sora-quotes-build-") as scratch:
        passages, index, tokens = build_index_into(corpus, Path(scratch))
        arrays = {name: array[:] if isinstance(array, FileArray) else array for name, array in tokens.arrays().items()}
        tokens.close()
    return passages, index, arrays


def build_index_into(corpus: Corpus, scratch: Path) -> tuple[list[Passage], SearchIndex, TokenStoreBuilder]:
    """Split every article into passages, index their terms, and write each passage's tokens to
    files in `scratch` (the builder's `arrays()`; close it when done). Passages are tokenised one
    at a time and their tokens go straight to those files; the postings are counted from them in
    blocks (BUILD_BLOCK_TOKENS): memory holds neither a list of every token nor all their ids."""
    passages: list[Passage] = []
    for position, article in enumerate(corpus.articles):
        passages.extend(split_passages(article, position))
    term_ids: dict[str, int] = {}
    chinese_terms = bytearray()
    leads = [_heading_lead(corpus.articles[p.article], p) for p in passages]
    tokens = TokenStoreBuilder(scratch, max((p.end - p.start + lead for p, lead in zip(passages, leads)), default=0))
    # What the index counts: a passage's tokens and its section's words, passage after passage.
    indexed = FileArray(scratch / "indexed_terms", np.int32)
    lengths = np.zeros(len(passages), dtype=np.int64)
    for number, (passage, lead) in enumerate(zip(passages, leads)):
        text = corpus.articles[passage.article].text
        found = tokenize(text[passage.start : passage.end], mainland_synonyms=True)
        passage_ids = [_term_id(term_ids, chinese_terms, token.term) for token in found]
        # The section's words are indexed with the passage; the tokens of the heading right
        # above it are kept before its own (a quote may open with that heading), read as the
        # section's words are (without mainland synonyms).
        section_ids = [_term_id(term_ids, chinese_terms, term) for term in terms(passage.section)]
        heading = tokenize(text[passage.start - lead : passage.start]) if lead else []
        kept = heading + [token._replace(start=token.start + lead, end=token.end + lead) for token in found]
        tokens.add([_term_id(term_ids, chinese_terms, token.term) for token in heading] + passage_ids,
                   kept, chinese_terms, lead)
        indexed.append(np.array(passage_ids + section_ids, dtype=np.int32))
        lengths[number] = len(passage_ids) + len(section_ids)
    try:
        return passages, SearchIndex.from_term_ids(term_ids, indexed, lengths), tokens
    finally:
        indexed.close()


def _heading_lead(article: Article, passage: Passage) -> int:
    """How far before `passage` the heading right above it starts (0 when none is)."""
    span = article.heading_above(passage.start, kinds=("heading",))
    return passage.start - span[0] if span else 0


def _term_id(term_ids: dict[str, int], chinese_terms: bytearray, term: str) -> int:
    """The id of `term`, a new one when it is new (with its Chinese flag)."""
    t = term_ids.get(term)
    if t is None:
        t = term_ids[term] = len(term_ids)
        chinese_terms.append(has_chinese(term))
    return t


def _cache_directory(cache_dir: str | Path | None) -> Path:
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        use_cache_dir(str(directory))  # jieba keeps its dictionary cache beside the index
    except OSError as error:
        log.info("no cache directory %s: %s", directory, error)
    return directory


def load_index(corpus: Corpus, cache_dir: str | Path | None = None) -> LoadedIndex:
    """The corpus's passages, index and tokens, from the cache when it holds them, else built
    (saved there, and read back memory-mapped, so the build's arrays leave memory).
    `cache_dir=None` uses `default_cache_dir()`. The corpus's superseded index files are pruned."""
    directory = _cache_directory(cache_dir)
    path = directory / cache_key(corpus)
    try:
        loaded = read_index_file(path)
        prune_superseded(directory, path, corpus_prefix(corpus))
        return loaded
    except FileNotFoundError:
        pass
    except Exception as error:  # a damaged or foreign file: rebuild over it
        log.warning("ignoring unreadable index cache %s: %s", path, error)

    with tempfile.TemporaryDirectory(prefix="sora-quotes-build-", dir=_scratch_parent(directory)) as scratch:
        built, index, tokens = build_index_into(corpus, Path(scratch))
        passages = PassageTable.of(built)
        del built
        try:
            write_atomically(path, lambda file: write_index_file(file, passages, index, tokens.arrays()))
            prune_superseded(directory, path, corpus_prefix(corpus))
            tokens.close()
            return read_index_file(path)
        except (OSError, ValueError) as error:
            log.info("index cache not saved in %s: %s", directory, error)
        token_arrays = {name: array[:] if isinstance(array, FileArray) else array
                        for name, array in tokens.arrays().items()}
        tokens.close()
    terms = list(index.term_ids)
    return LoadedIndex(passages, index, TokenStore(token_arrays, passages.starts, index.term_ids.get, terms.__getitem__))


def _scratch_parent(directory: Path) -> str | None:
    """Where a build keeps its token files: beside the index when that directory is writable
    (a container's /tmp is small and in memory), else the system's temporary directory."""
    return str(directory) if os.access(directory, os.W_OK) else None


def write_index_file(file, passages: PassageTable, index: SearchIndex, token_arrays: dict) -> None:
    """Write the passages, the index and the passages' tokens to the binary `file` as one array file."""
    arrays, meta = index.to_arrays()
    arrays.update(passage_articles=passages.articles, passage_starts=passages.starts, passage_ends=passages.ends,
                  passage_kinds=passages.kinds, passage_sections=passages.section_ids)
    arrays.update(token_arrays)
    write_arrays(file, arrays, {**meta, "format": INDEX_FORMAT, "sections": list(passages.sections)})


def read_index_file(path: str | Path) -> LoadedIndex:
    """The passages, index and tokens `write_index_file` wrote, memory-mapped; ValueError if it
    is not one."""
    arrays, meta = read_arrays(path)
    if meta.get("format") != INDEX_FORMAT:
        raise ValueError(f"index format {meta.get('format')!r}, expected {INDEX_FORMAT!r}")
    passages = PassageTable(arrays["passage_articles"], arrays["passage_starts"], arrays["passage_ends"],
                            arrays["passage_kinds"], arrays["passage_sections"], meta["sections"])
    index = SearchIndex.from_arrays(arrays, meta)
    if len(passages) != index.passage_count:
        raise ValueError("the index and its passages disagree on their number")
    return LoadedIndex(passages, index, TokenStore(arrays, passages.starts, index.term_ids.get, index.term_ids.term))


def prune_superseded(directory: Path, current: Path, prefix: str) -> None:
    """Delete the files named `prefix`...<the same suffix as `current`> other than `current`: the
    prefix names one corpus directory (and embedder), so they hold an earlier content or format
    of the same corpus. Files of other corpora, and files named the old way (without a prefix:
    no way to tell whose they are), stay."""
    suffix = current.name[current.name.index("."):]
    for other in directory.glob(f"{prefix}*{suffix}"):
        if other.name != current.name and other.name.count("-") == current.name.count("-"):
            try:
                other.unlink()
                log.info("pruned superseded cache file %s", other.name)
            except OSError as error:
                log.info("could not prune %s: %s", other, error)


def semantic_cache_key(corpus: Corpus, identity: str) -> str:
    """The semantic index's file name for this corpus directory and content, index format and embedder."""
    key = f"{cache_key(corpus)}|{SEMANTIC_FORMAT}|{identity}"
    return _semantic_prefix(corpus, identity) + hashlib.sha256(key.encode()).hexdigest()[:32] + ".vectors"


def clusters_cache_key(corpus: Corpus, identity: str) -> str:
    """The file name of the semantic index's clusters (sentence_clusters.py)."""
    key = f"{cache_key(corpus)}|{SEMANTIC_FORMAT}|{identity}|clusters {CLUSTERS_FORMAT}"
    return _semantic_prefix(corpus, identity) + hashlib.sha256(key.encode()).hexdigest()[:32] + ".clusters"


def _semantic_prefix(corpus: Corpus, identity: str) -> str:
    """One corpus directory's semantic files for one embedder (another embedder's stay)."""
    return corpus_prefix(corpus) + hashlib.sha256(identity.encode()).hexdigest()[:8] + "-"


def shipped_vectors_path(corpus_directory: str | Path, identity: str) -> Path:
    """Where a corpus directory keeps the vectors it ships for the embedder `identity`."""
    return Path(corpus_directory) / SHIPPED_VECTORS_DIR / f"{identity}.npz"


def load_vector_store(corpus: Corpus, identity: str, cache_dir: str | Path | None = None) -> VectorStore:
    """Every vector known for `identity`: the cache directory's, and those the corpus ships."""
    store = VectorStore.load(_store_path(_cache_directory(cache_dir), identity), identity)
    store.merge(VectorStore.load(shipped_vectors_path(corpus.directory, identity), identity))
    return store


def load_semantic_index(corpus: Corpus, passages: Sequence[Passage], identity: str,
                        cache_dir: str | Path | None = None) -> SemanticIndex | None:
    """The vectors of the corpus's sentences made by the embedder `identity`, memory-mapped from
    the cache (with their clusters, see `with_clusters`), or None when the cache does not hold
    them (or holds a damaged file)."""
    directory = _cache_directory(cache_dir)
    index = _mapped_semantic_index(corpus, passages, identity, directory)
    return None if index is None else with_clusters(index, corpus, directory)


def _mapped_semantic_index(corpus: Corpus, passages: Sequence[Passage], identity: str,
                           directory: Path) -> SemanticIndex | None:
    path = directory / semantic_cache_key(corpus, identity)
    try:
        index = SemanticIndex.load(path)
    except FileNotFoundError:
        return None
    except Exception as error:  # a damaged or foreign file: rebuild over it
        log.warning("ignoring unreadable vector cache %s: %s", path, error)
        return None
    if index.identity != identity or len(index.sentence_offsets) != len(passages) + 1:
        return None
    prune_superseded(directory, path, _semantic_prefix(corpus, identity))
    return index


def with_clusters(index: SemanticIndex, corpus: Corpus, directory: Path) -> SemanticIndex:
    """The index with the clusters of its pools too large to scan whole, read from the cache, or
    computed and saved there the first time (about 20 CPU s per 400k sentences)."""
    pools = index.pools_to_cluster()
    if not pools:
        return index
    path = directory / clusters_cache_key(corpus, index.identity)
    clusters = None
    try:
        clusters = load_clusters(path, index.identity)
    except FileNotFoundError:
        pass
    except Exception as error:  # a damaged or foreign file: rebuild over it
        log.warning("ignoring unreadable cluster cache %s: %s", path, error)
    if clusters is None or sorted(clusters) != pools:
        log.info("grouping %d sentence vectors for nearest-sentence search (once: cached)", len(index.sentence_codes))
        clusters = index.clustered(pools)
        _try_saving(lambda: write_atomically(path, lambda file: save_clusters(file, clusters, index.identity)), directory)
    if path.is_file():
        prune_superseded(directory, path, _semantic_prefix(corpus, index.identity))
    return replace(index, clusters=clusters)


def load_or_build_semantic_index(
    corpus: Corpus,
    passages: Sequence[Passage],
    embedder: Embedder,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
    budget_seconds: float | None = None,
    workers: int | None = None,
    low_priority: bool = False,
) -> SemanticIndex:
    """The vectors of the corpus's sentences, from the cache when it holds them, else gathered
    from known vectors and the embedder into the cache's file block by block (the arrays are
    never whole in memory), and read back memory-mapped. Embedding is resumable: what was embedded
    is saved every few seconds, so an interrupted build starts where it was. EmbeddingTooSlow
    when computing the missing vectors would take over `budget_seconds` (None: no limit).
    `workers` and `low_priority` are `vector_store.embed_missing`'s."""
    index = load_semantic_index(corpus, passages, embedder.identity, cache_dir)
    if index is not None:
        return index
    directory = _cache_directory(cache_dir)
    path = directory / semantic_cache_key(corpus, embedder.identity)
    store_path = _store_path(directory, embedder.identity)
    store = load_vector_store(corpus, embedder.identity, directory)
    known = len(store)

    def checkpoint() -> None:
        _try_saving(lambda: store.save(store_path), directory)

    with tempfile.TemporaryDirectory(prefix="sora-quotes-vectors-", dir=_scratch_parent(directory)) as scratch:
        listing = list_sentences(corpus, passages, store, Path(scratch))
        try:
            embed_missing(listing.missing.values(), embedder, store, progress, checkpoint, budget_seconds,
                          workers, low_priority)
            listing.missing.clear()
            if len(store) > known:
                checkpoint()
            write = lambda file: write_semantic_index(file, listing, store, embedder.identity)  # noqa: E731
            try:
                write_atomically(path, write)
            except OSError as error:
                log.info("vectors not saved in %s: %s", directory, error)
                path = Path(scratch) / "semantic.vectors"  # mapped, it outlives the directory
                with open(path, "wb") as file:
                    write(file)
            else:
                prune_superseded(directory, path, _semantic_prefix(corpus, embedder.identity))
        finally:
            listing.close()
        index = SemanticIndex.load(path)
    del store  # the vectors gathered leave memory before the clusters are made
    return with_clusters(index, corpus, directory)


def embedding_progress_path(cache_dir: str | Path | None, corpus_directory: str | Path) -> Path:
    """Where a bot embedding a corpus's vectors in the background says how far it is (JSON),
    for `python -m bot config` to read."""
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return directory / f"{_directory_prefix(corpus_directory)}embedding-progress.json"


def _store_path(directory: Path, identity: str) -> Path:
    """Where the cache directory keeps every vector known for the embedder `identity`."""
    return directory / "vectors" / f"{identity}.npz"


def _try_saving(save, directory: Path) -> None:
    try:
        save()
    except OSError as error:
        log.info("vectors not saved in %s: %s", directory, error)
