"""What a Telegram user sees for each kind of answer (confident, not sure, declined) in English,
Traditional and Simplified Chinese, and for an article given as the answer, quoted code and a
quote from a file without a link: the real bot, long polling the stand-in, with an engine that
gives the Answers answers v3 makes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from bot.telegram_bot.render import MAX_MESSAGE_LENGTH, render_telegram_reply
from retrieval import Answer, ArticleInfo, Hit
from tests.crafted_answers import (
    CONFIDENT,
    NOT_SURE,
    OFF_TOPIC,
    SORRY,
    UNSURE,
    MUTEX_CODE,
    NEWS_ARTICLE,
    NEWS_ARTICLE_ZH,
    ScriptedEngine,
    code_hit,
    confident,
    declined,
    details_hit,
    located_hit,
    not_sure,
    quote_for,
)
from tests.feedback_report import feedback_report
from tests.standins.telegram_server import check_telegram_html, utf16_length
from tests.telegram.conftest import TelegramUser, running_bot

USERS = {"en": ("Alice", "en"), "zh-Hant": ("美玲", "zh-hant"), "zh-Hans": ("小明", "zh-hans")}


ANSWERS = {
    **{CONFIDENT[lang]: confident(CONFIDENT[lang], lang, quote_for(lang)) for lang in NOT_SURE},
    **{UNSURE[lang]: not_sure(UNSURE[lang], lang, quote_for(lang), located_hit()) for lang in NOT_SURE},
    **{OFF_TOPIC[lang]: declined(OFF_TOPIC[lang], lang) for lang in NOT_SURE},
    "Who wrote the Node Finance piece?": confident("Who wrote the Node Finance piece?", "en", details_hit()),
    "誰寫了這篇報導？": confident("誰寫了這篇報導？", "zh-Hant", details_hit(NEWS_ARTICLE_ZH)),
    "How do I make a Mutex?": confident("How do I make a Mutex?", "en", code_hit()),
    "What is a mutex?": confident("What is a mutex?", "en", located_hit(line=42)),
}


@pytest.fixture
def engine():
    return ScriptedEngine(ANSWERS)


def user(telegram, lang: str) -> TelegramUser:
    return TelegramUser(telegram, *USERS[lang])


@pytest.mark.parametrize("lang", NOT_SURE)
async def test_a_confident_answer_is_the_quotes_with_votes(bot, telegram, lang):
    reply = await user(telegram, lang).says(CONFIDENT[lang])

    assert reply.html.startswith("<blockquote>")
    assert NOT_SURE[lang] not in reply.text
    assert quote_for(lang).excerpt in reply.text
    assert list(reply.buttons)[:2] == ["👍", "👎"]


@pytest.mark.parametrize("lang", NOT_SURE)
async def test_an_answer_the_engine_is_not_sure_of_says_so_first_and_still_takes_votes(bot, telegram, lang):
    reply = await user(telegram, lang).says(UNSURE[lang])

    assert reply.html.startswith(f"<i>{NOT_SURE[lang]}</i>\n\n<blockquote>")
    assert reply.text.index(NOT_SURE[lang]) < reply.text.index(quote_for(lang).excerpt)
    assert list(reply.buttons)[:2] == ["👍", "👎"]


@pytest.mark.parametrize("lang", NOT_SURE)
async def test_a_declined_question_says_so_without_buttons(bot, telegram, lang):
    reply = await user(telegram, lang).says(OFF_TOPIC[lang])

    assert reply.text.startswith(SORRY[lang])
    assert NOT_SURE[lang] not in reply.text and "<blockquote" not in reply.html
    assert reply.buttons == {}


@pytest.mark.parametrize("lang, brief", [("en", "Closest passage, may not answer directly"),
                                         ("zh-Hant", "最接近的段落，未必直接回答")])
async def test_inline_results_of_an_uncertain_answer_say_so_and_send_the_hedge_with_the_quote(bot, telegram, lang, brief):
    confident_results = await user(telegram, lang).types_inline(CONFIDENT[lang])
    results = await user(telegram, lang).types_inline(UNSURE[lang])

    assert all(result["description"].startswith(brief) for result in results)
    assert all(content["input_message_content"]["message_text"].startswith(f"<i>{NOT_SURE[lang]}</i>\n\n")
               for content in results)
    assert not confident_results[0]["description"].startswith(brief)
    assert confident_results[0]["input_message_content"]["message_text"].startswith("<blockquote>")


async def test_a_quote_from_a_file_without_a_link_names_its_section_and_place(bot, alice):
    reply = await alice.says("What is a mutex?")

    assert reply.text.endswith("1. Fearless Concurrency › Shared-State Concurrency · src/ch16-03-shared-state.md:42")
    assert "<code>src/ch16-03-shared-state.md:42</code>" in reply.html
    assert "<a href" not in reply.html


async def test_quoted_code_comes_as_code_escaped_line_by_line(bot, alice):
    reply = await alice.says("How do I make a Mutex?")

    assert reply.html.startswith("<pre>use std::sync::Mutex;\n\nfn main() {\n    let m")
    assert "&lt;ok&gt; &amp; `done`" in reply.html  # escaped at the boundary
    assert MUTEX_CODE in reply.text  # the user sees the code as it stands
    assert "<blockquote" not in reply.html


@pytest.mark.parametrize("question, lang, label", [("Who wrote the Node Finance piece?", "en", "Article:"),
                                                     ("誰寫了這篇報導？", "zh-Hant", "文章：")])
async def test_a_question_about_the_article_gets_the_article_and_its_details_line(bot, telegram, question, lang, label):
    reply = await user(telegram, lang).says(question)

    heading, details = reply.text.split("\n")
    assert heading.startswith(f"1. {label}")
    assert heading.endswith(" — Node Finance, Er Feng, 2025-10-09")
    assert details == NEWS_ARTICLE.details
    assert "<blockquote" not in reply.html  # no quote of the body
    assert '<a href="https://example.org/sora-2-release' in reply.html


async def test_an_uncertain_answer_is_recorded_as_not_sure(telegram, settings, engine, feedback_db, alice):
    async with running_bot(settings, engine):
        await alice.says(UNSURE["en"])
        await alice.says(CONFIDENT["en"])

    report = feedback_report(feedback_db)
    [day] = report["days"]
    assert (day["asked"], day["answered"], day["uncertain"]) == (2, 1, 1)
    assert [item["why"] for item in report["unanswered"]] == ["not sure: the closest quotes"]


def test_long_code_is_cut_at_a_line_end_within_the_message_limit():
    code = "\n".join(f"let line_{n} = \"<{n}>\";" for n in range(600))

    [message] = render_telegram_reply(confident("q", "en", code_hit(code)))

    assert check_telegram_html(message) == [] and utf16_length(message) <= MAX_MESSAGE_LENGTH
    shown = message.split("<pre>")[1].split("</pre>")[0].split("\n")
    assert shown[-1] == "…"
    assert all(line.startswith("let line_") and line.endswith('&gt;";') for line in shown[:-1])


odd_text = st.lists(st.sampled_from(list("ab <>&\"'/;#中文😀\n") + ["&amp;", "</pre>", "<b>", "\r\n"]),
                    max_size=400).map("".join)
articles_v3 = st.builds(ArticleInfo, id=st.text(min_size=1, max_size=70), title=odd_text, publisher=odd_text,
                        author=odd_text, published=st.text(max_size=20), lang=st.just("en"),
                        url=st.one_of(st.none(), st.just("https://example.org/a?x=1&y=2")), path=odd_text,
                        details=odd_text)
hits_v3 = st.builds(Hit, article=articles_v3, excerpt=st.one_of(odd_text, odd_text.map(lambda t: t * 12)),
                    highlights=st.just(((0, 3),)), score=st.just(1.0), quote_url=st.none(), section=odd_text,
                    location=st.one_of(st.none(), odd_text), code=st.booleans(), about_article=st.booleans())


@settings(max_examples=100, deadline=None)
@given(st.lists(hits_v3, min_size=1, max_size=8), st.booleans(), st.sampled_from(list(NOT_SURE)))
def test_any_answer_of_v3_is_valid_html_within_the_limit(found, uncertain, lang):
    messages = render_telegram_reply(Answer("q", True, lang, tuple(found), uncertain=uncertain))

    for message in messages:
        assert check_telegram_html(message) == [] and utf16_length(message) <= MAX_MESSAGE_LENGTH
    assert sum(message.count("<pre>") for message in messages) == sum(hit.code and not hit.about_article for hit in found)


async def test_sources_name_the_file_of_an_article_without_a_link(bot, alice):
    reply = await alice.says("/sources")

    header, news, chapter = reply.text.split("\n")
    assert news.startswith("1. Sora 2 Release") and "000-sora-2-release.md" not in news
    assert chapter == "2. Fearless Concurrency · src/ch16-03-shared-state.md"
    assert "<code>src/ch16-03-shared-state.md</code>" in reply.html
