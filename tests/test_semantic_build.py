"""The semantic index built block by block: the same file as gathering every vector in memory."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

import retrieval.semantic.semantic_index
from retrieval import Engine
from retrieval.cache.index_cache import load_or_build_semantic_index, semantic_cache_key
from retrieval.semantic.semantic_index import SemanticIndex, pool_of_language, sentence_texts
from retrieval.semantic.vector_store import VectorStore, embed_missing, text_key
from tests.embedders import DigestEmbedder

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def gathered_in_memory(engine: Engine, store: VectorStore) -> bytes:
    """The semantic file as it was written before the build streamed: every sentence's span and
    vector gathered into arrays, then saved."""
    texts, spans = sentence_texts(engine.corpus, engine.passages)
    codes, scales = store.quantized([text_key(text) for text in texts])
    counts = [len(passage_spans) for passage_spans in spans]
    index = SemanticIndex(
        identity=DigestEmbedder.identity,
        passage_pools=np.array([pool_of_language(engine.corpus.articles[p.article].info.lang) for p in engine.passages],
                               dtype=np.int8),
        sentence_offsets=np.concatenate(([0], np.cumsum(counts, dtype=np.int64))).astype(np.int64),
        sentence_spans=np.array([span for passage_spans in spans for span in passage_spans],
                                dtype=np.int64).reshape(-1, 2),
        sentence_codes=codes,
        sentence_scales=scales,
    )
    file = io.BytesIO()
    index.save(file)
    return file.getvalue()


def test_the_streamed_build_writes_the_bytes_the_gathering_in_memory_wrote(tmp_path, monkeypatch):
    # Blocks of 7 sentences: many of them, the last one short, a passage's sentences across two.
    monkeypatch.setattr(retrieval.semantic.semantic_index, "BUILD_BLOCK_SENTENCES", 7)
    engine = Engine.from_directory(BUNDLED_CORPUS, tmp_path / "cache")
    texts = engine.semantic_texts()
    # Half of the vectors known beforehand (as a resumed build has them), half embedded now.
    known = VectorStore(DigestEmbedder.identity)
    embed_missing(texts[: len(texts) // 2], DigestEmbedder(), known, workers=1)
    known.save(tmp_path / "cache" / "vectors" / f"{DigestEmbedder.identity}.npz")

    built = load_or_build_semantic_index(engine.corpus, engine.passages, DigestEmbedder(), tmp_path / "cache",
                                         workers=1)

    path = tmp_path / "cache" / semantic_cache_key(engine.corpus, DigestEmbedder.identity)
    everything = VectorStore(DigestEmbedder.identity)
    embed_missing(texts, DigestEmbedder(), everything, workers=1)
    assert path.read_bytes() == gathered_in_memory(engine, everything)
    assert len(built.sentence_codes) == len(texts) > 7 * 10
    assert not built.sentence_codes.flags.owndata  # answered from the mapped file
    assert not list((tmp_path / "cache").glob("sora-quotes-vectors-*"))  # the scratch files are gone


def test_without_a_writable_cache_the_index_is_still_read_mapped(tmp_path, monkeypatch):
    engine = Engine.from_directory(BUNDLED_CORPUS, tmp_path / "cache")
    import retrieval.cache.index_cache

    def refuse(path, write):
        raise PermissionError(f"{path}: read-only file system")

    monkeypatch.setattr(retrieval.cache.index_cache, "write_atomically", refuse)
    built = load_or_build_semantic_index(engine.corpus, engine.passages, DigestEmbedder(), tmp_path / "cache",
                                         workers=1)
    assert len(built.sentence_codes) == len(engine.semantic_texts())
    assert not built.sentence_codes.flags.owndata
    assert not (tmp_path / "cache" / semantic_cache_key(engine.corpus, DigestEmbedder.identity)).exists()
