"""A user talks to the bot in a private chat."""

from __future__ import annotations

import re

from bot.telegram_bot.app import COMMAND_MENUS


async def test_a_question_is_answered_with_quotes_bold_terms_and_linked_sources(bot, telegram, alice):
    question = alice.sends("What is the Cameo feature of Sora 2?")
    reply = (await alice.replies_to(question))[0]

    assert reply.call.params["parse_mode"] == "HTML"
    assert reply.call.params["link_preview_options"] == {"is_disabled": True}
    assert reply.replies_to == question["message_id"]
    assert reply.html.count("<blockquote") == 3
    assert re.search(r"<blockquote(?: expandable)?>[^<]*(<b>[^<]+</b>[^<]*)+</blockquote>", reply.html)
    assert '<a href="http' in reply.html and "#:~:text=" in reply.html
    assert "Node Finance" in reply.text and "2025-10-09" in reply.text
    assert "1. " in reply.text and "3. " in reply.text


async def test_the_user_sees_the_bot_typing_before_the_answer(bot, telegram, alice):
    await alice.says("cameo feature")

    methods = [call.method for call in telegram.calls if call.method in ("sendChatAction", "sendMessage")]
    assert methods == ["sendChatAction", "sendMessage"]
    assert telegram.calls[[c.method for c in telegram.calls].index("sendChatAction")].params["action"] == "typing"


async def test_a_chinese_question_is_answered_from_the_chinese_article(bot, mei):
    reply = await mei.says("Sora 2 的版權問題")

    assert "<blockquote" in reply.html
    assert "版權" in reply.text


async def test_when_the_articles_do_not_hold_the_answer_the_bot_says_so_politely(bot, alice):
    reply = await alice.says("How do I bake sourdough bread?")

    assert "<blockquote" not in reply.html
    assert reply.text.startswith("Sorry, the articles I know don't answer that.")
    assert "/sources" in reply.text
    assert reply.buttons == {}


async def test_the_no_answer_reply_is_in_the_language_of_the_question(bot, alice):
    reply = await alice.says("今天台北的天氣怎麼樣？")

    assert "<blockquote" not in reply.html
    assert "抱歉" in reply.text and "/sources" in reply.text


async def test_start_explains_what_the_bot_knows_and_how_to_ask_in_english(bot, alice):
    reply = await alice.says("/start")

    assert "quoting them word for word" in reply.text
    assert "5 articles" in reply.text
    assert "/ask" in reply.text and "@SoraQuotesBot" in reply.text and "/sources" in reply.text


async def test_help_speaks_the_users_language(bot, telegram, mei):
    reply = await mei.says("/help")
    assert "逐字引用" in reply.text and "提問方式" in reply.text

    mainland = type(mei)(telegram, "小明", "zh-hans")
    reply = await mainland.says("/help")
    assert "提问方式" in reply.text


async def test_sources_lists_every_article_with_title_publisher_date_and_link(bot, alice, engine):
    reply = await alice.says("/sources")

    assert reply.text.startswith("The 5 articles I quote:")
    for article in engine.articles:
        assert article.display_title in reply.text
        assert f'<a href="{article.url}">' in reply.html
    assert "2025-10-16" in reply.text and "36Kr Europe" in reply.text


async def test_commands_are_registered_in_english_and_chinese_at_start_up(bot, telegram):
    menus = {call.params.get("language_code"): call.params["commands"] for call in telegram.calls if call.method == "setMyCommands"}

    assert set(menus) == {code for _, code in COMMAND_MENUS}
    assert [c["command"] for c in menus[None]] == ["ask", "sources", "help", "start"]
    assert menus["zh"][0]["description"] == "就文章提问"


async def test_the_command_menu_is_in_traditional_chinese_for_traditional_chinese_apps(bot, telegram):
    menus = {call.params.get("language_code"): call.params["commands"] for call in telegram.calls if call.method == "setMyCommands"}

    for code in ("zh-hant", "zh-TW"):
        assert [c["description"] for c in menus[code]][:2] == ["就文章提問", "列出我引用的文章"]


async def test_an_unknown_command_gets_the_help_text(bot, alice):
    reply = await alice.says("/weather")

    assert "How to ask" in reply.text


async def test_a_greeting_gets_a_short_hint_on_how_to_ask_not_a_quote(bot, alice, mei):
    reply = await alice.says("hi!")
    assert "<blockquote" not in reply.html
    assert "Ask me anything about them" in reply.text
    assert "Sorry" not in reply.text

    reply = await mei.says("謝謝！")
    assert "<blockquote" not in reply.html and "歡迎提問" in reply.text
