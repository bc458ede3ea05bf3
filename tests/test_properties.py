"""Whatever a user types, the engine answers without raising, and only ever quotes verbatim."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from retrieval.answering.article_details import FIELD_SEPARATOR
from retrieval.evaluation import fold
from retrieval.answering.excerpts import ELLIPSIS, MAX_EXCERPT_CHARS
from retrieval.text.tokenizer import tokenize

# Words the articles hold, so that arbitrary text still reaches the excerpt and link code.
CORPUS_WORDS = [
    "Sora", "Sora2", "Sora 2", "ＳＯＲＡ２", "OpenAI", "million", "installs", "copyright", "Cameo",
    "Disney", "video", "TDTM", "state-of-the-art", "版權", "版权", "視頻", "视频", "創作者", "奧爾特曼",
    "發布", "好萊塢", "GPT-3.5", "B2C", "霞光社",
]
ODD_PIECES = [
    "🎉", "👍🏽", "🇹🇼", "❤️‍🔥", "\u0301", "e\u0301", "\u200b", "\ufeff", "\x00", "\x1b[31m", "\u202e",
    "…", "——", "「", "」", "\n\n", "\t", "\r\n", "ﬁ", "Ⅻ", "①", "𠀀", "\U0002a700", "\u3000", "?!",
]

FRAGMENTS = st.one_of(
    st.text(max_size=40),  # any code point except surrogates
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30),
    st.text(alphabet=st.characters(categories=["Mn", "Me", "Cc", "Cf", "So", "Zs", "Po"]), max_size=20),
    st.sampled_from(CORPUS_WORDS),
    st.sampled_from(ODD_PIECES),
)
QUESTIONS = st.lists(FRAGMENTS, max_size=60).map(" ".join).map(lambda text: text[:2000])
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(text=QUESTIONS)
def test_tokenize_never_raises_and_spans_stay_in_the_text(text):
    for token in tokenize(text):
        assert 0 <= token.start < token.end <= len(text)
        assert token.term
        assert token.term.strip() == token.term


@FAST
@given(question=QUESTIONS, top_k=st.integers(1, 10), offset=st.integers(0, 5))
def test_any_question_gets_verbatim_quotes_or_a_polite_no(engine, question, top_k, offset):
    answer = engine.answer(question, top_k=top_k, offset=offset)
    texts = {article.info.id: fold(article.text) for article in engine.corpus.articles}
    assert len(answer.hits) <= top_k
    if not answer.answered:
        assert answer.hits == ()
    for hit in answer.hits:
        assert len(hit.excerpt) <= MAX_EXCERPT_CHARS
        quote = fold(hit.excerpt.strip(ELLIPSIS))
        if hit.about_article and quote not in texts[hit.article.id]:
            # An article's details not stated in its text come from its header, never invented.
            info = hit.article
            assert set(hit.excerpt.split(FIELD_SEPARATOR)) <= {info.author, info.publisher, info.published}
            continue
        assert quote and quote in texts[hit.article.id]
        for start, end in hit.highlights:
            assert 0 <= start < end <= len(hit.excerpt)
    answer.to_dict(id="x")  # the JSON contract can always be built


@FAST
@given(question=st.text(max_size=2000))
def test_plain_random_text_never_raises(engine, question):
    answer = engine.answer(question)
    assert answer.answered or answer.hits == ()
