"""Large language pools are searched through clusters of their sentence vectors
(retrieval/semantic/sentence_clusters.py): here on a small collection, with the size a pool must exceed
lowered so that the clustered path runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import retrieval.semantic.semantic_index
import retrieval.semantic.sentence_clusters
from retrieval import Engine
from retrieval.semantic.semantic_index import LATIN_POOL
from tests.test_semantic import CountingEmbedder, write_articles

NOUNS = ("harbour", "lantern", "orchard", "glacier", "market", "violin", "comet", "bridge", "meadow", "engine")
VERBS = ("shines", "waits", "grows", "turns", "sings", "rests", "drifts", "opens")

QUESTIONS = ("Where does the lantern shine?", "What grows in the orchard?", "When does the comet drift?",
             "Which bridge opens at night?", "How does the violin sing?")


def many_articles(count: int = 30) -> dict[str, str]:
    """`count` articles of three paragraphs of six different sentences each."""
    articles = {}
    for a in range(count):
        paragraphs = []
        for p in range(3):
            sentences = [f"The {NOUNS[(a + s) % len(NOUNS)]} of story {a} {VERBS[(p * 6 + s) % len(VERBS)]} "
                         f"by the {NOUNS[(a * 3 + p + s * 7) % len(NOUNS)]} in part {p} line {s}."
                         for s in range(6)]
            paragraphs.append(" ".join(sentences))
        articles[f"story-{a:02d}.md"] = f"# Story {a}\n\n" + "\n\n".join(paragraphs)
    return articles


@pytest.fixture
def clustered_engine(tmp_path, monkeypatch) -> Engine:
    """An engine whose Latin pool (a few hundred sentences) is clustered."""
    monkeypatch.setattr(retrieval.semantic.semantic_index, "CLUSTERED_POOL_ROWS", 50)
    corpus = write_articles(tmp_path / "articles", many_articles())
    engine = Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder())
    assert sorted(engine.semantic.clusters) == [LATIN_POOL]
    return engine


def test_a_small_collection_is_scanned_whole_and_leaves_no_clusters(tmp_path):
    corpus = write_articles(tmp_path / "articles", many_articles())
    engine = Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder())
    assert engine.semantic.clusters == {}
    assert not list((tmp_path / "cache").glob("*.clusters"))


def test_with_every_cluster_probed_and_every_passage_sampled_the_closeness_is_the_exact_one(
        clustered_engine, monkeypatch):
    monkeypatch.setattr(retrieval.semantic.sentence_clusters, "PROBED_CLUSTERS", 10**6)
    clustered = clustered_engine.semantic
    exact = replace(clustered, clusters={})
    passages = np.arange(len(clustered.passage_pools))
    for vector in CountingEmbedder().embed_queries(list(QUESTIONS)):
        approximate, truth = clustered.closeness(vector), exact.closeness(vector)
        assert approximate.nearest_passages(8) == truth.nearest_passages(8)
        assert np.allclose(approximate.passage_zs(passages), truth.passage_zs(passages), atol=1e-4)
        assert np.allclose(approximate.sentence_zs(3), truth.sentence_zs(3), atol=1e-4)
        assert np.allclose(approximate.top_zs(), truth.top_zs(), atol=1e-4)
        assert np.array_equal(approximate.passage_cosines(passages), truth.passage_cosines(passages))


def test_answers_with_clusters_are_the_exact_scans_answers(clustered_engine, monkeypatch):
    monkeypatch.setattr(retrieval.semantic.sentence_clusters, "PROBED_CLUSTERS", 10**6)
    def seen(answer):  # what a user sees: the outcome, the quotes, their order and scores to 4 places
        return answer.answered, answer.uncertain, [(hit.excerpt, round(hit.score, 4)) for hit in answer.hits]

    with_clusters = [seen(clustered_engine.answer(q)) for q in QUESTIONS]
    clustered_engine.semantic = replace(clustered_engine.semantic, clusters={})
    assert [seen(clustered_engine.answer(q)) for q in QUESTIONS] == with_clusters
    assert any(hits for _, _, hits in with_clusters)


def test_one_probed_cluster_finds_a_sentence_asked_for_by_its_own_vector(clustered_engine, monkeypatch):
    monkeypatch.setattr(retrieval.semantic.sentence_clusters, "PROBED_CLUSTERS", 1)
    semantic = clustered_engine.semantic
    clusters = semantic.clusters[LATIN_POOL]
    assert len(clusters.centroids) > 1
    vectors = semantic.sentence_vectors
    for row in (5, 123, len(vectors) - 2):
        query = vectors[row] / np.linalg.norm(vectors[row])
        assert len(clusters.probed_rows(query)) < len(vectors)
        passage = int(np.searchsorted(semantic.sentence_offsets, row, side="right") - 1)
        assert semantic.closeness(query).nearest_passages(1) == [passage]


def test_the_sentences_mean_and_spread_are_exact_whatever_the_sample(tmp_path, monkeypatch):
    monkeypatch.setattr(retrieval.semantic.semantic_index, "CLUSTERED_POOL_ROWS", 50)
    monkeypatch.setattr(retrieval.semantic.sentence_clusters, "SAMPLED_PASSAGES", 5)
    corpus = write_articles(tmp_path / "articles", many_articles())
    semantic = Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder()).semantic
    clusters = semantic.clusters[LATIN_POOL]
    assert len(clusters.sample_starts) == 5
    for vector in CountingEmbedder().embed_queries(list(QUESTIONS)):
        cosines = semantic.cosines(vector).astype(np.float64)
        found = clusters.statistics(vector)
        assert found.sentence_mean == pytest.approx(cosines.mean(), abs=1e-6)
        assert found.sentence_spread == pytest.approx(cosines.std(), abs=1e-6)
        assert found.passage_spread > 0


def test_clusters_are_computed_once_then_read_memory_mapped_from_the_cache(tmp_path, monkeypatch):
    import mmap

    monkeypatch.setattr(retrieval.semantic.semantic_index, "CLUSTERED_POOL_ROWS", 50)
    corpus = write_articles(tmp_path / "articles", many_articles())
    first = Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder()).semantic
    assert len(list((tmp_path / "cache").glob("*.clusters"))) == 1

    made = []
    real = retrieval.semantic.semantic_index.cluster_pool
    monkeypatch.setattr(retrieval.semantic.semantic_index, "cluster_pool", lambda *args: made.append(1) or real(*args))
    again = Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder()).semantic
    assert made == []
    members = again.clusters[LATIN_POOL].members
    assert np.array_equal(members, first.clusters[LATIN_POOL].members)
    while isinstance(members.base, np.ndarray):
        members = members.base
    assert isinstance(members.base, memoryview) and isinstance(members.base.obj, mmap.mmap)


def test_a_damaged_clusters_file_is_rebuilt_not_fatal(tmp_path, monkeypatch):
    monkeypatch.setattr(retrieval.semantic.semantic_index, "CLUSTERED_POOL_ROWS", 50)
    corpus = write_articles(tmp_path / "articles", many_articles())
    Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder())
    (path,) = (tmp_path / "cache").glob("*.clusters")
    path.write_bytes(b"not an array file")
    engine = Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder())
    assert sorted(engine.semantic.clusters) == [LATIN_POOL]
    assert Path(path).read_bytes()[:8] != b"not an a"
