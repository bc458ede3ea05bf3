"""The postings index scores exactly as rank-bm25's BM25Plus, and ranks by those scores, also
after a round trip through its memory-mapped file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from rank_bm25 import BM25Plus

import retrieval.index.bm25
from retrieval.storage.array_file import read_arrays, write_arrays
from retrieval.index.bm25 import SearchIndex


def saved_and_loaded(index: SearchIndex) -> SearchIndex:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "index"
        with path.open("wb") as file:
            write_arrays(file, *index.to_arrays())
        return SearchIndex.from_arrays(*read_arrays(path))  # the mapping outlives the unlinked file

TERMS = st.sampled_from(["sora", "video", "2", "openai", "版权", "视频", "a", "b", "c", "d"])
PASSAGES = st.lists(st.lists(TERMS, max_size=12), min_size=1, max_size=15).filter(any)
QUERIES = st.lists(st.one_of(TERMS, st.sampled_from(["unseen", "missing"])), max_size=8)


@settings(max_examples=200, deadline=None)
@given(tokenized=PASSAGES, query=QUERIES)
def test_scores_equal_rank_bm25_exactly(tokenized, query):
    index = SearchIndex.build(tokenized)
    expected = BM25Plus(tokenized).get_scores(query)
    assert np.array_equal(index.scores(query), expected)
    assert np.array_equal(saved_and_loaded(index).scores(query), expected)


@settings(max_examples=200, deadline=None)
@given(tokenized=PASSAGES, query=QUERIES, limit=st.integers(min_value=1, max_value=20))
def test_search_ranks_by_score_with_ties_in_passage_order(tokenized, query, limit):
    index = SearchIndex.build(tokenized)
    scores = BM25Plus(tokenized).get_scores(query)
    holding = [i for i, passage in enumerate(tokenized) if set(passage) & set(query)]
    expected = sorted(holding, key=lambda i: (-scores[i], i))[:limit]

    found = index.search(query, limit)
    assert [pid for pid, _ in found] == expected
    assert [score for _, score in found] == [float(scores[pid]) for pid in expected]
    assert saved_and_loaded(index).search(query, limit) == found


@settings(max_examples=100, deadline=None)
@given(base=PASSAGES, copies=st.integers(min_value=2, max_value=6), query=QUERIES,
       limit=st.integers(min_value=1, max_value=8))
def test_ties_across_the_cut_keep_passage_order(base, copies, query, limit):
    """Repeated passages score alike: which of them make the cut is decided by passage order."""
    tokenized = [passage + ["copy"] * (i % 2) for i in range(copies) for passage in base]
    scores = BM25Plus(tokenized).get_scores(query)
    holding = [i for i, passage in enumerate(tokenized) if set(passage) & set(query)]
    expected = sorted(holding, key=lambda i: (-scores[i], i))[:limit]
    assert SearchIndex.build(tokenized).search(query, limit) == [(pid, float(scores[pid])) for pid in expected]


@settings(max_examples=50, deadline=None)
@given(tokenized=PASSAGES, query=QUERIES)
def test_a_build_in_many_blocks_equals_rank_bm25(tokenized, query):
    """Large collections are counted a block of passages at a time; blocks of a few tokens here."""
    original = retrieval.index.bm25.BUILD_BLOCK_TOKENS
    retrieval.index.bm25.BUILD_BLOCK_TOKENS = 3
    try:
        index = SearchIndex.build(tokenized)
    finally:
        retrieval.index.bm25.BUILD_BLOCK_TOKENS = original
    assert np.array_equal(index.scores(query), BM25Plus(tokenized).get_scores(query))
    assert index.passage_ids.tolist() == SearchIndex.build(tokenized).passage_ids.tolist()


def test_a_loaded_index_knows_every_term_and_no_other():
    tokenized = [["sora", "maizière", "视频"], ["版权", "sora2", ""], [f"w{i}" for i in range(300)]]
    built = SearchIndex.build(tokenized)
    loaded = saved_and_loaded(built)
    assert list(loaded.term_ids) == list(built.term_ids)
    assert all(loaded.term_ids[term] == t for term, t in built.term_ids.items())
    assert loaded.idf_of("banana") is None and "w300" not in loaded.term_ids and "视" not in loaded.term_ids
    assert loaded.accent_folded_terms() == built.accent_folded_terms() == {"maiziere"}  # Chinese has no accents
    assert "_folded_blob" in loaded.__dict__  # read from the file, not folded again


def test_a_query_without_known_terms_finds_nothing():
    index = SearchIndex.build([["sora", "video"], ["openai"]])
    assert index.search(["banana"], 5) == []
    assert index.search([], 5) == []
    assert index.search(["sora"], 0) == []


def test_idf_of_known_and_unknown_terms():
    index = SearchIndex.build([["sora", "video"], ["openai"], ["sora"]])
    assert index.idf_of("banana") is None
    assert index.idf_of("openai") > index.idf_of("sora") > 0
    assert index.unseen_idf() >= index.idf_of("openai")


def test_passages_without_terms_are_allowed_but_not_an_empty_list():
    index = SearchIndex.build([[], []])
    assert index.search(["sora"], 3) == []
    assert np.array_equal(index.scores(["sora"]), np.zeros(2))
    with pytest.raises(ValueError):
        SearchIndex.build([])
