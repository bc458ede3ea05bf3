"""What a Discord user sees for each kind of answer (confident, not sure, declined) in English,
Traditional and Simplified Chinese, and for an article given as the answer, quoted code and a
quote from a file without a link, in embeds and in the plain-text fallback: the real client
against the stand-in, with an engine that gives the Answers answers v3 makes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from bot.discord_bot.render import CODE_BLOCK_CHARS, CONTENT_LIMIT, render_discord_reply, render_plain_reply
from tests.crafted_answers import (
    CONFIDENT,
    NOT_SURE,
    OFF_TOPIC,
    SORRY,
    UNSURE,
    MUTEX_CODE,
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
from retrieval import Answer, ArticleInfo, Hit
from tests.discord.conftest import DiscordUser, buttons, embed_text
from tests.discord.test_bad_input import assert_no_message_can_ping
from tests.standins.discord_server import EMBED_LINKS, problems_with_message

LOCALES = {"en": "en-US", "zh-Hant": "zh-TW", "zh-Hans": "zh-CN"}
WEIRD_CODE = MUTEX_CODE + "\n```\n@everyone ``` <@1300000000000000002>"


ANSWERS = {
    **{CONFIDENT[lang]: confident(CONFIDENT[lang], lang, quote_for(lang)) for lang in NOT_SURE},
    **{UNSURE[lang]: not_sure(UNSURE[lang], lang, quote_for(lang), located_hit()) for lang in NOT_SURE},
    **{OFF_TOPIC[lang]: declined(OFF_TOPIC[lang], lang) for lang in NOT_SURE},
    "Who wrote the Node Finance piece?": confident("Who wrote the Node Finance piece?", "en", details_hit()),
    "谁写了这篇报道？": confident("谁写了这篇报道？", "zh-Hans", details_hit(NEWS_ARTICLE_ZH)),
    "How do I make a Mutex?": confident("How do I make a Mutex?", "en", code_hit(WEIRD_CODE)),
    "What is a mutex?": confident("What is a mutex?", "en", located_hit(line=42)),
}


@pytest.fixture
def engine():
    return ScriptedEngine(ANSWERS)


def description(reply) -> str:
    return reply["embeds"][0]["description"]


@pytest.mark.parametrize("lang", NOT_SURE)
async def test_a_confident_answer_is_the_quotes_with_votes(bot, discord_api, lang):
    reply = await DiscordUser(discord_api, locale=LOCALES[lang]).ask(CONFIDENT[lang])

    assert description(reply).startswith("> **Cameo**")
    assert NOT_SURE[lang] not in description(reply)
    assert {"👍", "👎"} <= {b.get("label") or b.get("emoji", {}).get("name") for b in buttons(reply)}


@pytest.mark.parametrize("lang", NOT_SURE)
async def test_an_answer_the_engine_is_not_sure_of_says_so_first_and_still_takes_votes(bot, discord_api, lang):
    reply = await DiscordUser(discord_api, locale=LOCALES[lang]).ask(UNSURE[lang])

    assert description(reply).startswith(f"*{NOT_SURE[lang]}*\n\n> ")
    assert {"👍", "👎"} <= {b.get("label") or b.get("emoji", {}).get("name") for b in buttons(reply)}


@pytest.mark.parametrize("lang", NOT_SURE)
async def test_a_declined_question_says_so_without_buttons(bot, discord_api, lang):
    reply = await DiscordUser(discord_api, locale=LOCALES[lang]).ask(OFF_TOPIC[lang])

    assert embed_text(reply).startswith(SORRY[lang])
    assert NOT_SURE[lang] not in embed_text(reply) and not buttons(reply)


async def test_without_embed_links_the_not_sure_line_still_comes_first(bot, discord_api, ada):
    await discord_api.set_channel_overwrites([(discord_api.guild_id, 0, EMBED_LINKS)])

    await ada.write(UNSURE["en"], mention_bot=True)
    reply = (await discord_api.channel_reply(discord_api.channel_id))[0]

    assert not reply["embeds"]
    assert reply["content"].startswith(f"*{NOT_SURE['en']}*\n\n> **Cameo**")
    assert "`src/ch16-03-shared-state.md:42`" in reply["content"]


async def test_a_quote_from_a_file_without_a_link_names_its_section_and_place(bot, ada):
    reply = await ada.ask("What is a mutex?")

    quote, source = description(reply).split("\n")
    assert quote.startswith("> Mutex is an abbreviation") and "**mutex**" in quote
    assert source == "**1.** Fearless Concurrency › Shared-State Concurrency · `src/ch16-03-shared-state.md:42`"


async def test_quoted_code_comes_in_a_code_block_that_nothing_inside_can_close_or_ping(bot, discord_api, ada):
    reply = await ada.ask("How do I make a Mutex?")

    text = description(reply)
    assert text.startswith("```\nuse std::sync::Mutex;\n\nfn main() {\n    let m = Mutex::new(5);\n")
    assert text.count("```") == 2  # the code's own fences are broken up: the block ends where it should
    code = text.split("```")[1]
    assert code.replace("\u200b", "") == "\n" + WEIRD_CODE + "\n"  # reads as it stands
    assert text.split("```")[2].startswith("\n**1.** Fearless Concurrency › Using Mutexes")
    assert_no_message_can_ping(discord_api)


@pytest.mark.parametrize("question, locale, label", [("Who wrote the Node Finance piece?", "en-US", "Article: "),
                                                       ("谁写了这篇报道？", "zh-CN", "文章：")])
async def test_a_question_about_the_article_gets_the_article_and_its_details_line(bot, discord_api, question, locale, label):
    reply = await DiscordUser(discord_api, locale=locale).ask(question)

    heading, details = description(reply).split("\n")
    assert heading.startswith(f"**1.** {label}[")
    assert "](https://example.org/sora-2-release" in heading
    assert heading.endswith(" · Node Finance · Er Feng · 2025-10-09")
    assert details == "10/09 2025 · By **Er Feng** · Source: Node Finance"
    assert "> " not in description(reply)  # no quote of the body


def test_long_code_is_cut_at_a_line_end_and_fits_a_plain_text_reply():
    code = "\n".join(f"let line_{n} = {n};" for n in range(400))
    answer = confident("How long can code be?", "en", code_hit(code))

    embed, view = render_discord_reply(answer)
    plain = render_plain_reply(answer)

    assert problems_with_message({"embeds": [embed.to_dict()], "components": view.to_components() if view else []}) == []
    shown = embed.description.split("```")[1].strip("\n").split("\n")
    assert shown[-1] == "…" and len("\n".join(shown)) <= CODE_BLOCK_CHARS
    assert all(line == f"let line_{n} = {n};" for n, line in enumerate(shown[:-1]))
    assert len(plain) <= CONTENT_LIMIT and plain.count("```") == 2 and plain.endswith("❓ How long can code be?")


odd_text = st.lists(st.sampled_from(list("ab `*_>\n@#[]()<>中文") + ["```", "@everyone", "\r\n"]),
                    max_size=200).map("".join)
articles_v3 = st.builds(ArticleInfo, id=st.text(min_size=1, max_size=70), title=st.text(max_size=300),
                        publisher=st.text(max_size=300), author=st.text(max_size=60), published=st.text(max_size=20),
                        lang=st.just("en"), url=st.one_of(st.none(), st.just("https://example.org/a")),
                        path=st.text(max_size=120), details=odd_text)
hits_v3 = st.builds(Hit, article=articles_v3, excerpt=odd_text.filter(str.strip), highlights=st.just(()),
                    score=st.just(1.0), quote_url=st.none(), section=st.text(max_size=300),
                    location=st.one_of(st.none(), st.text(max_size=300)), code=st.booleans(),
                    about_article=st.booleans())


@settings(max_examples=100, deadline=None)
@given(st.lists(hits_v3, min_size=1, max_size=10), st.booleans(), st.sampled_from(list(NOT_SURE)))
def test_any_answer_of_v3_fits_discords_limits_with_its_code_fences_closed(found, uncertain, lang):
    answer = Answer("q", True, lang, tuple(found), uncertain=uncertain)

    embed, view = render_discord_reply(answer)
    plain = render_plain_reply(answer)

    assert problems_with_message({"embeds": [embed.to_dict()], "components": view.to_components() if view else []}) == []
    assert embed.description.count("```") % 2 == 0
    assert len(plain) <= CONTENT_LIMIT


async def test_sources_name_the_file_of_an_article_without_a_link(bot, discord_api, ada):
    reply = (await discord_api.reply_to(await ada.use("sources")))[0]

    news, chapter = reply["embeds"][0]["description"].split("\n")
    assert news.startswith("**1.** [Sora 2 Release") and "`" not in news
    assert chapter == "**2.** Fearless Concurrency · `src/ch16-03-shared-state.md`"
