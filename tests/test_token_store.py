"""Each passage's tokens are kept with the index: a question tokenises itself, never a passage."""

from __future__ import annotations

from pathlib import Path

import pytest

import retrieval.engine
import retrieval.answering.question
import retrieval.text.tokenizer
from retrieval import Engine
from retrieval.text.tokenizer import tokenize

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
QUESTIONS = ["How quickly did the app pass a million installs?", "Sora 2最初的版權政策把保護權益的責任推給了誰?",
             "What does Altman say Sora 2 is for?"]


@pytest.fixture(scope="module")
def warm_engine(tmp_path_factory) -> Engine:
    cache = tmp_path_factory.mktemp("token-store-cache")
    Engine.from_directory(BUNDLED_CORPUS, cache)
    return Engine.from_directory(BUNDLED_CORPUS, cache)


@pytest.mark.parametrize("question", QUESTIONS)
def test_answering_tokenises_the_question_and_no_passage(warm_engine, question, monkeypatch):
    tokenised: list[str] = []
    real = retrieval.text.tokenizer.tokenize

    def recording(text, segment_chinese=True):
        tokenised.append(text)
        return real(text, segment_chinese)

    monkeypatch.setattr(retrieval.text.tokenizer, "tokenize", recording)
    monkeypatch.setattr(retrieval.answering.question, "tokenize", recording)  # where the engine tokenises the question
    answer = warm_engine.answer(question)
    assert answer.answered
    assert tokenised and set(tokenised) == {answer.question}


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_kept_tokens_are_those_of_tokenising_the_heading_above_and_the_passage(warm_engine, question):
    weights = {token.term: 1.0 for token in tokenize(question)}
    for pid in range(0, len(warm_engine.passages), 7):
        passage = warm_engine.passages[pid]
        article = warm_engine.corpus.articles[passage.article]
        text = article.text
        heading = article.heading_above(passage.start, kinds=("heading",))
        expected = [token._replace(start=token.start + start, end=token.end + start)
                    for start, end in ([heading] if heading else []) + [(passage.start, passage.end)]
                    for token in tokenize(text[start:end]) if token.term in weights]
        assert warm_engine.tokens.matching(pid, weights) == expected
        latin = {t.term for t in tokenize(text[passage.start : passage.end], segment_chinese=False)}
        assert warm_engine.tokens.terms_within(pid, passage.start, passage.end) == latin
