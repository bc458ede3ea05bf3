"""Excerpts are quotes: whole sentences copied verbatim, at most 300 characters, with the
matched words highlighted, and never the same words quoted twice in one answer."""

from __future__ import annotations

from pathlib import Path

import json
import unicodedata

import pytest

from retrieval.evaluation import fold
from retrieval.answering.excerpts import ELLIPSIS, MAX_EXCERPT_CHARS, choose_excerpt
from retrieval.text.chinese import CJK_RUN, to_mainland_words, to_simplified
from retrieval.text.sentences import split_sentences
from retrieval.text.tokenizer import has_chinese, terms, tokenize

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

DEV_QUESTIONS = [
    json.loads(line)["question"]
    for line in (SHARED / "eval" / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
] if (SHARED / "eval" / "dev_qa.jsonl").is_file() else []
QUESTIONS = DEV_QUESTIONS + [
    "What is Sora 2?",
    "Sora 2 发布了吗",
    "版权",
    "copyright Disney Nintendo cameo",
    "OpenAI Sora app downloads App Store ranking",
    "Who wrote the Focus One piece?",
]


def quoted_text(excerpt: str) -> str:
    """What an excerpt quotes: its "…" marks off, whitespace folded."""
    return fold(excerpt.strip(ELLIPSIS))


def assert_is_quote(hit, article_text: str) -> None:
    assert len(hit.excerpt) <= MAX_EXCERPT_CHARS
    assert quoted_text(hit.excerpt)
    assert quoted_text(hit.excerpt) in fold(article_text), hit.excerpt


def marks_a_question_word(marked: str, question_terms: set[str]) -> bool:
    """The highlighted text reads as a question term, as the index reads it (a Taiwan word also in
    the mainland's: 使用者 marks 用戶); jieba may cut a span differently when it stands alone, so a
    Chinese term found inside the span counts too."""
    if {token.term for token in tokenize(marked, mainland_synonyms=True)} & question_terms:
        return True
    readings = (to_simplified(unicodedata.normalize("NFKC", marked)), to_mainland_words(unicodedata.normalize("NFKC", marked)))
    return any(has_chinese(term) and any(term in reading for reading in readings) for term in question_terms)


@pytest.fixture(scope="module")
def texts(engine) -> dict[str, str]:
    return {article.info.id: article.text for article in engine.corpus.articles}


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_excerpt_is_a_verbatim_quote(engine, texts, question):
    for hit in engine.answer(question, top_k=10).hits:
        if hit.about_article:  # the details line: each part a line of the text or a header field
            info = hit.article
            assert all(fold(part) in fold(texts[info.id]) or part in (info.author, info.publisher, info.published)
                       for part in hit.excerpt.split(" · ")), hit.excerpt
            continue
        assert_is_quote(hit, texts[hit.article.id])


@pytest.mark.parametrize("question", QUESTIONS)
def test_highlights_mark_the_question_words_inside_the_excerpt(engine, question):
    question_terms = set(terms(question))
    for hit in engine.answer(question, top_k=10).hits:
        if hit.about_article:
            continue  # its highlight marks the detail asked for (the author's name), not question words
        assert hit.highlights, hit.excerpt
        previous_end = 0
        for start, end in hit.highlights:
            assert previous_end <= start < end <= len(hit.excerpt)
            previous_end = end
            marked = hit.excerpt[start:end]
            assert marks_a_question_word(marked, question_terms), (marked, question)


@pytest.mark.parametrize("question", QUESTIONS)
def test_no_two_hits_quote_the_same_text(engine, texts, question):
    hits = engine.answer(question, top_k=10).hits
    spans: dict[str, list[tuple[int, int]]] = {}
    for hit in hits:
        article = fold(texts[hit.article.id])
        quote = quoted_text(hit.excerpt)
        start = article.find(quote)
        span = (start, start + len(quote))
        for other in spans.setdefault(hit.article.id, []):
            assert span[1] <= other[0] or other[1] <= span[0], hit.excerpt
        spans[hit.article.id].append(span)


def _excerpt_for(text: str, query: str, limit: int = MAX_EXCERPT_CHARS):
    query_terms = set(terms(query))
    matches = [token for token in tokenize(text) if token.term in query_terms]
    return choose_excerpt(text, 0, len(text), matches, {term: 1.0 for term in query_terms}, limit)


def test_an_excerpt_is_whole_sentences_around_the_best_one():
    text = (
        "The weather was mild. Sora 2 reached one million downloads in five days. "
        "Analysts were surprised.   Other apps took\n\nweeks. " + "Filler sentence here. " * 30
    )
    excerpt = _excerpt_for(text, "How fast did Sora 2 reach a million downloads?")
    assert "Sora 2 reached one million downloads in five days." in excerpt.text
    assert len(excerpt.text) <= MAX_EXCERPT_CHARS
    assert not excerpt.text.startswith(ELLIPSIS)
    assert excerpt.text.endswith((".", ELLIPSIS))  # whole sentences, or "…" where one is cut
    assert "Other apps took weeks." in excerpt.text  # whitespace folded, words kept
    assert quoted_text(excerpt.text) in fold(text)
    marked = " ".join(excerpt.text[s:e] for s, e in excerpt.highlights)
    assert "Sora" in marked and "downloads" in marked


def test_a_sentence_too_long_to_quote_is_cut_with_ellipses():
    text = "Intro. " + "word " * 80 + "the Cameo feature lets users appear in videos " + "more " * 80 + "end."
    excerpt = _excerpt_for(text, "What does the Cameo feature do?")
    assert len(excerpt.text) <= MAX_EXCERPT_CHARS
    assert excerpt.text.startswith(ELLIPSIS) and excerpt.text.endswith(ELLIPSIS)
    assert "Cameo feature" in excerpt.text
    assert quoted_text(excerpt.text) in fold(text)
    for start, end in excerpt.highlights:
        assert 0 <= start < end <= len(excerpt.text)


def test_a_long_chinese_sentence_is_cut_verbatim():
    text = "前言。" + "這是一段很長的句子，" * 40 + "版權問題是最核心的戰場，" + "後面還有更多內容，" * 40 + "結束。"
    excerpt = _excerpt_for(text, "版权问题")
    assert len(excerpt.text) <= MAX_EXCERPT_CHARS
    assert "版權問題" in excerpt.text
    assert quoted_text(excerpt.text) in fold(text)


def is_word_boundary(text: str, position: int) -> bool:
    """A place where a quote may start or end: beside whitespace or a Chinese character (Chinese
    has no spaces), or at an end of the text."""
    if position <= 0 or position >= len(text):
        return True
    pair = text[position - 1 : position + 1]
    return any(ch.isspace() for ch in pair) or bool(CJK_RUN.search(pair))


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_cut_quote_opens_and_closes_between_words(engine, texts, question):
    for hit in engine.answer(question, top_k=10).hits:
        article = fold(texts[hit.article.id])
        quote = quoted_text(hit.excerpt)
        start = article.find(quote)
        if hit.excerpt.startswith(ELLIPSIS):
            assert is_word_boundary(article, start), hit.excerpt
        if hit.excerpt.endswith(ELLIPSIS):
            assert is_word_boundary(article, start + len(quote)), hit.excerpt


GLUED_WORDS = (
    "Intro. Google released Veo3.1 and Veo3.1Fast for real-time work in the U.S. market, and the "
    "Cameo feature (a real-time face model) came to U.S. users first. " * 3
    + "Then Veo3.1Fast and Sora2 met real-time U.S. demand with the Cameo feature in every state "
    + "word " * 60 + "end."
)


@pytest.mark.parametrize("limit", range(60, MAX_EXCERPT_CHARS + 1, 6))
def test_a_cut_never_splits_a_word_with_dots_digits_or_hyphens(limit):
    excerpt = _excerpt_for(GLUED_WORDS, "Cameo feature real-time Veo3.1Fast", limit)
    assert len(excerpt.text) <= limit
    assert quoted_text(excerpt.text) in fold(GLUED_WORDS)
    assert is_word_boundary(GLUED_WORDS, excerpt.start) and is_word_boundary(GLUED_WORDS, excerpt.end)


def test_a_sentence_never_ends_inside_a_word():
    text = "Google released Veo3.1Fast in the U.S. on Oct. 16. It runs in real-time.Next, Sora2 followed."
    for start, end in split_sentences(text):
        assert is_word_boundary(text, start) and is_word_boundary(text, end), text[start:end]
