"""Whatever the articles and questions hold, a reply is valid Telegram HTML within its limits."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from bot.telegram_bot.more_button import MAX_CALLBACK_DATA_BYTES, more_callback_data, parse_more_callback
from bot.telegram_bot.render import MAX_MESSAGE_LENGTH, answer_keyboard, render_sources, render_telegram_reply
from retrieval import Answer, ArticleInfo, Hit
from tests.standins.telegram_server import check_telegram_html, utf16_length, visible_text

nasty_text = st.lists(
    st.sampled_from(list("ab <>&\"'/;#中文😀\u200d\n") + ["&amp;", "</b>", "<blockquote>"]), max_size=100
).map("".join).map(lambda text: text[:300])


@st.composite
def hits(draw) -> Hit:
    excerpt = draw(nasty_text)
    spans = draw(st.lists(st.tuples(st.integers(0, 320), st.integers(0, 320)), max_size=8))
    article = ArticleInfo(
        id="a", title=draw(nasty_text), publisher=draw(nasty_text), author="", published=draw(st.sampled_from(["", "2025-10-09"])),
        lang="en", url=draw(st.sampled_from([None, "https://example.com/a?x=1&y=\"2\"", "https://e.com/" + "%E4" * 700])),
    )
    return Hit(article, excerpt, tuple(spans), 1.0, draw(st.sampled_from([None, "https://e.com/#:~:text=a&b"])))


@given(st.lists(hits(), min_size=1, max_size=12), st.booleans(), st.integers(0, 500))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_reply_is_valid_html_within_4096_split_between_hits(found, truncated, offset):
    answer = Answer("q", True, "en", tuple(found), offset=offset, has_more=True, truncated=truncated)

    messages = render_telegram_reply(answer)

    for message in messages:
        assert check_telegram_html(message) == []
        assert utf16_length(message) <= MAX_MESSAGE_LENGTH
    assert sum(message.count("<blockquote") for message in messages) == len(found)
    for hit in found:  # the quote is verbatim (shortened only if it could not fit)
        if len(hit.excerpt) <= 300 and "\n" not in hit.excerpt:
            assert any(hit.excerpt.strip() in visible_text(m) or "…" in m for m in messages)


@given(st.text(max_size=2000), st.integers(0, 10**6))
def test_the_more_buttons_data_stays_within_64_bytes_and_reads_back(question, offset):
    data = more_callback_data(offset, question)

    assert len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    assert parse_more_callback(data)[0] == offset


def test_no_more_button_when_there_is_nothing_more():
    assert answer_keyboard(Answer("q", False, "en"), "q") is None


def test_many_sources_are_split_into_messages_within_the_limit():
    articles = [ArticleInfo(str(n), "T" * 200 + "<&>", "P", "", "2025-01-01", "en", "https://x.org/" + "a" * 300) for n in range(60)]

    messages = render_sources(articles, "en")

    assert len(messages) > 1
    assert all(check_telegram_html(m) == [] and utf16_length(m) <= MAX_MESSAGE_LENGTH for m in messages)
    assert sum(m.count("<a href=") for m in messages) == 60
