"""A container's memory limit: said in one line when a collection will not fit, and the embedding
workers counted against it, so the kernel never has to kill the bot."""

from __future__ import annotations

import logging

import pytest

import retrieval.storage.memory_limit
from retrieval import Engine
from retrieval.storage.memory_limit import (
    CALL_BYTES,
    IN_PROCESS_BYTES,
    MB,
    PAGE_CACHE_BYTES,
    WORKER_BYTES,
    embedding_workers,
    estimated_build_bytes,
    warn_if_too_small,
)
from retrieval.semantic.vector_store import EmbeddingNeedsMemory, VectorStore, embed_missing, text_key
from tests.embedders import DigestEmbedder
from tests.test_semantic import ARTICLES, write_articles

TEXTS = [f"Sentence number {i} about apples and rivers." for i in range(40)]


@pytest.fixture
def limit_file(tmp_path, monkeypatch):
    """A cgroup limit file this process reads as its own (write the limit into it)."""
    path = tmp_path / "memory.max"
    path.write_text("max\n")
    monkeypatch.setattr(retrieval.storage.memory_limit, "LIMIT_FILES", (path,))
    return path


def test_a_limit_too_small_is_said_in_one_line_naming_what_is_needed(caplog):
    needed = estimated_build_bytes(50 * MB, with_model=True)
    with caplog.at_level(logging.WARNING, logger="retrieval.storage.memory_limit"):
        line = warn_if_too_small(50 * MB, limit=256 * MB, with_model=True)
    assert [r.getMessage() for r in caplog.records] == [line]
    assert "256 MB" in line and f"needs about {needed / MB:,.0f} MB" in line and "50.0 MB of files, with the model" in line


def test_a_limit_big_enough_or_none_says_nothing(limit_file, caplog):
    enough = estimated_build_bytes(50 * MB, with_model=True)
    with caplog.at_level(logging.WARNING, logger="retrieval.storage.memory_limit"):
        assert warn_if_too_small(50 * MB, limit=enough, with_model=True) is None
        assert warn_if_too_small(50 * MB, with_model=True) is None  # the cgroup's "max": no limit
    assert not caplog.records


def test_the_model_counts_in_the_estimate():
    lexical = estimated_build_bytes(50 * MB)
    assert estimated_build_bytes(50 * MB, with_model=True) > lexical
    # So a limit between the two warns only with the model on.
    assert warn_if_too_small(50 * MB, limit=lexical) is None
    assert warn_if_too_small(50 * MB, limit=lexical, with_model=True) is not None


def test_embedding_workers_are_as_many_as_the_limit_holds():
    in_use, needed = 200 * MB, 20 * MB
    room_for = lambda n: in_use + needed + PAGE_CACHE_BYTES + n * WORKER_BYTES  # noqa: E731
    assert embedding_workers(2, needed, limit=None, in_use=in_use) == 2  # no limit: one per core
    assert embedding_workers(2, needed, limit=room_for(3), in_use=in_use) == 2  # never more than asked
    assert embedding_workers(2, needed, limit=room_for(1) + WORKER_BYTES - 1, in_use=in_use) == 1
    # No room for a worker process, but for the work in this one: 0; not even that: None.
    assert embedding_workers(2, needed, limit=room_for(1) - 1, in_use=in_use) == 0
    assert embedding_workers(2, needed, limit=room_for(0) + IN_PROCESS_BYTES, in_use=in_use) == 0
    assert embedding_workers(2, needed, limit=room_for(0) + IN_PROCESS_BYTES - 1, in_use=in_use) is None
    # With this process's own model, only a call's working memory.
    assert embedding_workers(2, needed, limit=room_for(0) + CALL_BYTES, in_use=in_use, own_model=True) == 0


def test_embedding_with_room_for_one_worker_uses_one(limit_file, caplog):
    in_use = retrieval.storage.memory_limit.anonymous_resident_bytes()
    assert in_use > 0
    # Room for one and a half workers beside this process: one (the half absorbs its growth).
    limit_file.write_text(f"{in_use + 64 * MB + PAGE_CACHE_BYTES + WORKER_BYTES * 3 // 2}\n")
    assert any(line.endswith("on 1 process") for line in embed_all_on_two_workers(caplog))


def too_small_to_embed() -> int:
    """A limit with room for half of what embedding in this process needs."""
    return retrieval.storage.memory_limit.anonymous_resident_bytes() + PAGE_CACHE_BYTES + IN_PROCESS_BYTES // 2


def test_embedding_without_room_for_a_worker_process_embeds_in_this_one(limit_file, caplog):
    in_use = retrieval.storage.memory_limit.anonymous_resident_bytes()
    limit_file.write_text(f"{in_use + 16 * MB + PAGE_CACHE_BYTES + (IN_PROCESS_BYTES + WORKER_BYTES) // 2}\n")
    assert any(line.endswith("in this process") for line in embed_all_on_two_workers(caplog))


def embed_all_on_two_workers(caplog) -> list[str]:
    """Embed TEXTS asking for two workers, check every vector is there, and return the log lines."""
    store = VectorStore(DigestEmbedder.identity)
    with caplog.at_level(logging.INFO, logger="retrieval.semantic.vector_store"):
        embed_missing(TEXTS, DigestEmbedder(), store, workers=2)
    assert all(text_key(text) in store for text in TEXTS)
    return [record.getMessage() for record in caplog.records]


def test_embedding_without_room_for_a_worker_says_what_is_needed_and_embeds_nothing(limit_file):
    limit = too_small_to_embed()
    limit_file.write_text(f"{limit}\n")
    store = VectorStore(DigestEmbedder.identity)
    with pytest.raises(EmbeddingNeedsMemory, match=rf"needs about [\d,]+ MB, over this container's memory limit "
                                                   rf"\({limit / MB:,.0f} MB\)"):
        embed_missing(TEXTS, DigestEmbedder(), store, workers=2)
    assert len(store) == 0


def test_a_bot_without_room_to_embed_answers_lexically_and_says_what_is_needed(tmp_path, limit_file):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    limit_file.write_text(f"{too_small_to_embed()}\n")
    engine = Engine.from_directory(corpus, tmp_path / "cache", embedder=DigestEmbedder(), background_embedding=True)
    assert engine.semantic is None and engine.embedding_progress() is None  # nothing started in the background
    assert engine.semantic_status.startswith("lexical only for these articles: computing these articles' vectors "
                                             "needs about ")
    assert engine.answer("How is cider made?").answered
