"""The postings index scores exactly as rank-bm25's BM25Plus, and ranks by those scores."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from rank_bm25 import BM25Plus

from retrieval.index import SearchIndex

TERMS = st.sampled_from(["sora", "video", "2", "openai", "版权", "视频", "a", "b", "c", "d"])
PASSAGES = st.lists(st.lists(TERMS, max_size=12), min_size=1, max_size=15).filter(any)
QUERIES = st.lists(st.one_of(TERMS, st.sampled_from(["unseen", "missing"])), max_size=8)


@settings(max_examples=200, deadline=None)
@given(tokenized=PASSAGES, query=QUERIES)
def test_scores_equal_rank_bm25_exactly(tokenized, query):
    index = SearchIndex.build(tokenized)
    expected = BM25Plus(tokenized).get_scores(query)
    assert np.array_equal(index.scores(query), expected)


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
