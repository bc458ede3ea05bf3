"""Embedding on every core, and in the background of a running engine that already answers."""

from __future__ import annotations

import logging

import numpy as np

from retrieval import Engine
from retrieval.semantic.background_embedding import read_progress_file
from retrieval.cache.index_cache import embedding_progress_path
from retrieval.semantic.vector_store import VectorStore, embed_missing, text_key
from tests.embedders import DigestEmbedder
from tests.test_semantic import ARTICLES, write_articles

TEXTS = [f"Sentence number {i} about apples and rivers." for i in range(40)]


def test_vectors_from_two_worker_processes_equal_those_made_in_one(monkeypatch):
    import retrieval.semantic.vector_store

    monkeypatch.setattr(retrieval.semantic.vector_store, "BATCH_TEXTS", 3)  # many batches, the last one short
    alone, shared = VectorStore(DigestEmbedder.identity), VectorStore(DigestEmbedder.identity)
    embed_missing(TEXTS, DigestEmbedder(), alone, workers=1)
    embed_missing(TEXTS, DigestEmbedder(), shared, workers=2)
    keys = [text_key(text) for text in TEXTS]
    assert np.array_equal(alone.quantized(keys)[0], shared.quantized(keys)[0])
    assert np.array_equal(alone.quantized(keys)[1], shared.quantized(keys)[1])


def test_a_running_engine_answers_lexically_then_switches_to_semantic_answers(tmp_path, caplog):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    gate = tmp_path / "let-the-model-run"
    with caplog.at_level(logging.INFO, logger="retrieval.engine"):
        engine = Engine.from_directory(corpus, tmp_path / "cache", embedder=DigestEmbedder(str(gate)),
                                       background_embedding=True)
        # Started at once, before any vector: lexical answers, and the progress says so.
        assert engine.semantic is None
        assert engine.answer("How is cider made?").answered
        assert engine.embedding_progress().state == "embedding"
        assert "lexical" in engine.semantic_status

        gate.touch()
        assert engine.wait_for_vectors(timeout=300)
    assert engine.semantic is not None and engine.semantic_status.startswith("semantic re-ranking on")
    assert engine.embedding_progress().state == "ready"
    assert "Cider is made by pressing apples." in engine.answer("How is cider made?").hits[0].excerpt
    switched = [r for r in caplog.records if "vectors are ready" in r.getMessage()]
    assert len(switched) == 1
    written = read_progress_file(embedding_progress_path(tmp_path / "cache", corpus))
    assert written is not None and written.state == "ready" and written.percent == 100


def test_a_restarted_engine_uses_the_vectors_the_background_computed(tmp_path):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    first = Engine.from_directory(corpus, tmp_path / "cache", embedder=DigestEmbedder(), background_embedding=True)
    assert first.wait_for_vectors(timeout=300)
    again = Engine.from_directory(corpus, tmp_path / "cache", embedder=DigestEmbedder(), background_embedding=True)
    assert again.semantic is not None and again.embedding_progress() is None


def test_progress_off_a_terminal_is_lines_that_end_with_the_speed():
    import io

    from bot.cli.terminal import progress_lines

    stream = io.StringIO()
    report = progress_lines(stream, "Embedding the articles")
    for done in (0, 500, 1000):
        report(done, 1000)
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0] == "Embedding the articles: 0% (0 of 1,000 characters)"
    assert lines[-1].startswith("Embedding the articles: 100% (1,000 of 1,000 characters, ")
    assert lines[-1].endswith(" characters/s)")


def test_config_says_how_far_a_bots_background_embedding_is(tmp_path):
    from types import SimpleNamespace

    from bot.cli.terminal_commands import _background_embedding_note

    corpus = write_articles(tmp_path / "articles", ARTICLES)
    settings = SimpleNamespace(index_cache_dir=tmp_path / "cache", corpus_dir=corpus)
    assert _background_embedding_note(settings) == ""  # no bot has embedded these articles
    engine = Engine.from_directory(corpus, tmp_path / "cache", embedder=DigestEmbedder(), background_embedding=True)
    assert engine.wait_for_vectors(timeout=300)
    assert "the articles' vectors are ready" in _background_embedding_note(settings)
