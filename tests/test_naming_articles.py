"""Questions that name an article ("that 霞光社 piece") or ask which article says something."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import Engine
from retrieval.answering.article_naming import article_headers, name_articles
from retrieval.semantic.embedder import load_embedder
from retrieval.answering.question import prepare_question, question_terms

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MODEL = load_embedder()


@pytest.fixture(scope="module")
def semantic_engine(tmp_path_factory) -> Engine:
    if MODEL.embedder is None:
        pytest.skip(MODEL.reason)
    return Engine.from_directory(BUNDLED_CORPUS, tmp_path_factory.mktemp("semantic-cache"), embedder=MODEL.embedder)


def _named_ids(engine: Engine, question: str) -> set[str]:
    named = name_articles(question, question_terms(question, engine.index),
                          article_headers(engine.corpus, engine.passages), engine.index)
    return set() if named is None else {engine.corpus.articles[i].info.id for i in named.articles}


@pytest.mark.parametrize("which", ["engine", "semantic_engine"])
def test_a_question_naming_an_outlet_quotes_that_article(request, which):
    # 霞光社 is only in the header and dateline of the English article 004.
    answer = request.getfixturevalue(which).answer("霞光社那篇說Sora2生成一支影片只要多久?")
    assert answer.answered
    assert answer.hits[0].article.id == "004" and not answer.hits[0].about_article


@pytest.mark.parametrize("question", ["節點財經那篇說Meta的股價跌了多少?", "节点财经那篇说Meta的股价跌了多少？",
                                      "How much did Meta's stock fall according to the Node Finance article?"])
def test_an_outlet_named_in_either_script_names_the_article_and_its_translation(engine, question):
    assert _named_ids(engine, question) == {"000", "001"}
    assert engine.answer(question).hits[0].article.id in {"000", "001"}


def test_an_author_names_the_article(engine):
    assert _named_ids(engine, "What did Chen Dan's article say the first-week iOS downloads reached?") == {"003"}


@pytest.mark.parametrize("question", ["How quickly did the app pass a million installs?",
                                      "What do the critics focus on?", "Sora 2的定位是什麼?"])
def test_a_question_naming_no_article_is_ranked_as_before(engine, question):
    # Words every article's header shares ("Sora") or lower-case words ("focus") name none.
    assert _named_ids(engine, question) == set()
    found = engine.assess(prepare_question(question), "en")
    assert found.named is None and found.terms.terms == question_terms(question, engine.index).terms


@pytest.mark.parametrize("which", ["engine", "semantic_engine"])
def test_which_article_says_something_is_answered_with_that_article_and_its_quote(request, which):
    answer = request.getfixturevalue(which).answer(
        "Which article says Sora2 may usher in the ChatGPT moment for AI video generation?")
    details, quote = answer.hits[0], answer.hits[1]
    assert answer.answered and details.about_article
    assert quote.article.id == details.article.id and "ChatGPT moment" in quote.excerpt
    assert not quote.about_article


def test_which_article_says_what_no_article_says_is_not_answered_with_an_article(engine):
    answer = engine.answer("Which article says how many GPUs trained Sora 2?")
    assert not answer.answered or answer.uncertain
    assert not any(hit.about_article for hit in answer.hits)


def test_naming_reads_the_passage_table_without_making_every_passage(engine, monkeypatch):
    # At 100k passages making a Passage of each cost a named question about 140 ms (and the
    # first question as much again for the headers): the article column is read instead.
    from retrieval.answering.article_naming import named_candidates
    from retrieval.index.passage_table import PassageTable

    table = engine.passages
    assert isinstance(table, PassageTable)
    named = _named_articles(engine, "霞光社那篇說Sora2生成一支影片只要多久?")
    made = []
    original = PassageTable.__getitem__
    monkeypatch.setattr(PassageTable, "__getitem__", lambda self, i: made.append(i) or original(self, i))
    scores = np.zeros(len(table))
    scores[[pid for pid in range(len(table)) if int(table.articles[pid]) in named.articles][:1]] = 1.0
    headers = article_headers(engine.corpus, table)
    found = named_candidates(named, table, scores, None, set(), 10)
    assert made == [] and len(found) == 1
    assert list(headers.passage_group) == [headers.group[int(a)] for a in table.articles]


def _named_articles(engine: Engine, question: str):
    named = name_articles(question, question_terms(question, engine.index),
                          article_headers(engine.corpus, engine.passages), engine.index)
    assert named is not None
    return named


def test_a_warm_start_names_articles_without_tokenising_their_headers(tmp_path, monkeypatch):
    """The headers are made with the index and cached beside it: at 26,796 articles tokenising
    them took the first question 2.1 s."""
    import retrieval.answering.article_naming

    first = Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    made: list[bool] = []
    make = retrieval.answering.article_naming.article_headers

    def counting(corpus, passages, segment_chinese=True):
        made.append(segment_chinese)
        return make(corpus, passages, segment_chinese)

    monkeypatch.setattr(retrieval.answering.article_naming, "article_headers", counting)
    monkeypatch.setattr("retrieval.cache.naming_cache.article_headers", counting)
    again = Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    for question in ("霞光社那篇說Sora2生成一支影片只要多久?", "What does the Node Finance piece say about Meta's shares?"):
        assert again.answer(question) == first.answer(question)
    assert made == []
    assert len(list(tmp_path.glob("*.headers"))) == len(list(tmp_path.glob("*.headers-zh"))) == 1


def test_a_warm_start_reads_only_the_headers_its_questions_need(tmp_path, monkeypatch):
    """An English question cannot name an article by Chinese words: those headers stay unread."""
    import builtins

    Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    read: list[str] = []
    opened = open

    def counting_open(file, *args, **kwargs):
        if "headers" in str(file):
            read.append(Path(file).suffix)
        return opened(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    engine = Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    engine.answer("What does the Node Finance piece say about Meta's shares?")
    assert read == [".headers"]
    engine.answer("霞光社那篇說Sora2生成一支影片只要多久?")
    assert read == [".headers", ".headers-zh"]
