"""A warm start reads the articles' summaries, and an article's text only when a question quotes
it (retrieval/cache/lazy_articles.py): the cached articles behave as the parsed tuple does."""

from __future__ import annotations

import logging
import pickle

import pytest

import retrieval.cache.corpus_cache
import retrieval.documents.corpus
from retrieval import Engine, load_corpus
from retrieval.cache.corpus_cache import load_corpus_cached
from retrieval.cache.lazy_articles import LazyArticles
from tests.test_semantic import write_articles

# Five articles, each on a topic of its own (so a question's candidates come from one article).
TOPICS = {
    "a.md": "# Apples\n\nApples grow on trees in orchards. They are picked in autumn.",
    "b.md": "# Rivers\n\nRivers carry water to the sea. Some rivers flood in spring.",
    "c.md": "---\ntranslation_of: a\nlanguage: en\n---\n# Apples again\n\nOrchards grow apples. By Jo Doe.",
    "d.md": "# Glaciers\n\nGlaciers are rivers of ice that move slowly down valleys.",
    "e.md": "# Volcanoes\n\nVolcanoes erupt molten rock called lava from deep below.",
}


@pytest.fixture
def two_per_batch(monkeypatch):
    """Articles pickled two at a time, and their summaries three at a time."""
    monkeypatch.setattr(retrieval.cache.corpus_cache, "ARTICLES_PER_PICKLE", 2)
    monkeypatch.setattr(retrieval.cache.corpus_cache, "SUMMARIES_PER_PICKLE", 3)


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The names of the files parsed from now on."""
    names: list[str] = []
    read = retrieval.documents.corpus.read_article
    monkeypatch.setattr(retrieval.documents.corpus, "read_article",
                        lambda name, *rest: names.append(name) or read(name, *rest))
    return names


def _warm(tmp_path):
    """The collection TOPICS as parsed, and as a warm start reads it from the cache."""
    corpus = write_articles(tmp_path / "articles", TOPICS)
    load_corpus_cached(corpus, tmp_path / "cache")
    return load_corpus(corpus), load_corpus_cached(corpus, tmp_path / "cache")


def test_the_cached_articles_behave_as_the_parsed_tuple(tmp_path, two_per_batch):
    parsed, cached = _warm(tmp_path)
    articles, expected = cached.articles, parsed.articles
    assert isinstance(articles, LazyArticles) and articles.batches_read == ()
    assert len(articles) == len(expected) == 5
    assert articles[3] == expected[3] and articles[-1] == expected[-1] and articles[-5] == expected[0]
    assert articles.batches_read == (0, 1, 2)
    assert articles[1:4] == expected[1:4] and articles[::-2] == expected[::-2] and articles[7:] == ()
    assert list(articles) == list(expected) and articles == expected and expected == articles
    assert articles[3] is articles[3]  # read once, then kept
    for outside in (5, -6):
        with pytest.raises(IndexError):
            articles[outside]
    assert cached.summaries == parsed.summaries
    assert pickle.loads(pickle.dumps(articles)) == expected  # pickled as the tuple it stands for


def test_a_warm_start_reads_only_the_batches_of_the_articles_it_quotes(tmp_path, monkeypatch):
    monkeypatch.setattr(retrieval.cache.corpus_cache, "ARTICLES_PER_PICKLE", 1)
    corpus = write_articles(tmp_path / "articles", TOPICS)
    Engine.from_directory(corpus, tmp_path / "cache")
    engine = Engine.from_directory(corpus, tmp_path / "cache")
    articles = engine.corpus.articles
    assert isinstance(articles, LazyArticles)
    assert articles.batches_read == ()  # the index, the names and the languages need no text
    assert [info.title for info in engine.articles] == ["Apples", "Rivers", "Apples again", "Glaciers", "Volcanoes"]
    answer = engine.answer("What do volcanoes erupt?")
    assert answer.answered and "lava" in answer.hits[0].excerpt
    assert articles.batches_read == (4,)


def test_a_question_about_an_article_reads_the_text_of_the_one_it_names_only(tmp_path, monkeypatch):
    monkeypatch.setattr(retrieval.cache.corpus_cache, "ARTICLES_PER_PICKLE", 1)
    corpus = write_articles(tmp_path / "articles", TOPICS)
    question = "Who wrote the article about orchards?"
    expected = Engine.from_directory(corpus, tmp_path / "cache").answer(question)
    engine = Engine.from_directory(corpus, tmp_path / "cache")
    assert engine.answer(question) == expected
    assert len(engine.corpus.articles.batches_read) < len(TOPICS)


def test_a_damaged_batch_is_parsed_again_not_fatal(tmp_path, two_per_batch, parsed, caplog):
    expected, cached = _warm(tmp_path)
    (path,) = (tmp_path / "cache").glob("*.corpus")
    damaged = bytearray(path.read_bytes())
    second = damaged.index(b"Glaciers")  # in the second batch (articles 2 and 3)
    damaged[second - 40 : second + 40] = b"\xff" * 80
    path.write_bytes(bytes(damaged))  # rewritten in place: the same file the warm start keeps open
    parsed.clear()
    with caplog.at_level(logging.WARNING, logger="retrieval.cache.lazy_articles"):
        assert cached.articles[3] == expected.articles[3] and cached.articles[2] == expected.articles[2]
    assert sorted(parsed) == ["c.md", "d.md"]  # only the damaged batch's files
    assert [r.getMessage() for r in caplog.records if "parsing them again" in r.getMessage()]
    assert list(cached.articles) == list(expected.articles)
    assert sorted(parsed) == ["c.md", "d.md"]


def test_the_articles_stay_readable_when_the_cache_file_is_pruned(tmp_path, two_per_batch):
    expected, cached = _warm(tmp_path)
    for path in (tmp_path / "cache").glob("*.corpus"):
        path.unlink()  # as another process pruning it, or writing a new one over it, would
    assert list(cached.articles) == list(expected.articles)


def test_a_cache_of_the_former_format_is_parsed_again(tmp_path, parsed):
    corpus = write_articles(tmp_path / "articles", TOPICS)
    load_corpus_cached(corpus, tmp_path / "cache")
    (path,) = (tmp_path / "cache").glob("*.corpus")
    with open(path, "wb") as file:  # what format 2 wrote: the corpus head and one pickle of articles
        pickle.dump((load_corpus(corpus), 0), file)
    parsed.clear()
    assert load_corpus_cached(corpus, tmp_path / "cache") == load_corpus(corpus)
    assert len(parsed) == 2 * len(TOPICS)
