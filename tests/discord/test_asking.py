"""Asking the bot: /ask, the message menu, @mentions and DMs, and what the replies look like."""

from __future__ import annotations

from tests.discord.conftest import DiscordUser, buttons, embed_text, is_private


async def test_ask_quotes_the_articles_with_bold_terms_links_and_source_buttons(bot, discord_api, ada):
    reply = await ada.ask("What is the Cameo feature of Sora 2?")

    description = reply["embeds"][0]["description"]
    quotes = [line for line in description.splitlines() if line.startswith("> ")]
    assert quotes, description
    assert "**Cameo**" in description
    assert "**1.** [" in description and "](http" in description and "#:~:text=" in description
    links = [b for b in buttons(reply) if b["style"] == 5]
    assert links and all(b["url"].startswith("http") for b in links)
    assert not is_private(reply)


async def test_the_reply_came_after_an_immediate_deferral(bot, discord_api, ada):
    record = await ada.use("ask", question="What is Sora 2?")
    await discord_api.reply_to(record)
    assert record.callback["type"] == 5  # "thinking…" first, so the 3-second rule holds however slow the answer


async def test_a_private_question_gets_a_reply_only_the_asker_sees(bot, discord_api, ada):
    reply = await ada.ask("What is Sora 2?", private=True)
    assert is_private(reply)
    assert "> " in reply["embeds"][0]["description"]


async def test_a_question_the_articles_do_not_answer_gets_an_honest_no_pointing_to_sources(bot, ada):
    reply = await ada.ask("How do I bake sourdough bread at home?")
    text = embed_text(reply)
    assert "don't answer that" in text
    assert "</sources:" in text
    assert "> " not in text and not buttons(reply)


async def test_a_chinese_question_that_the_articles_do_not_answer_is_declined_in_chinese(bot, ada):
    reply = await ada.ask("怎麼烤麵包？")
    assert "沒有回答" in embed_text(reply)


async def test_a_chinese_question_is_answered_with_quotes(bot, ada):
    reply = await ada.ask("Sora 2 是什麼？")
    assert "> " in reply["embeds"][0]["description"]
    assert any(b.get("label") == "更多" for b in buttons(reply))


async def test_ask_the_articles_on_a_message_answers_with_that_messages_text(bot, discord_api, ada):
    bob = DiscordUser(discord_api, "bob", "1300000000000000002")
    said = bob.message("Has anyone tried the Cameo feature in Sora 2?")

    reply = await ada.ask_about(said)

    assert "**Cameo**" in reply["embeds"][0]["description"]
    assert reply["embeds"][0]["footer"]["text"].endswith("Has anyone tried the Cameo feature in Sora 2?")


async def test_ask_the_articles_on_a_message_without_text_says_privately_it_cannot_read_it(bot, discord_api, ada):
    bob = DiscordUser(discord_api, "bob", "1300000000000000002")
    reply = await ada.ask_about(bob.message(""))
    assert is_private(reply) and "can't read" in embed_text(reply) and "/ask" in embed_text(reply)


async def test_mentioning_the_bot_in_a_channel_gets_a_reply_to_that_message(bot, discord_api, ada):
    asked = await ada.write("What is the Cameo feature?", mention_bot=True)

    reply = (await discord_api.channel_reply(discord_api.channel_id))[0]

    assert str(reply["message_reference"]["message_id"]) == asked["id"]
    assert "**Cameo**" in reply["embeds"][0]["description"]
    assert reply["embeds"][0]["footer"]["text"] == "❓ What is the Cameo feature?"  # the mention itself is not asked


async def test_a_direct_message_is_answered_without_any_mention(bot, discord_api, ada):
    asked = await ada.write("What is the Cameo feature?", dm=True)
    reply = (await discord_api.channel_reply(asked["channel_id"]))[0]
    assert "**Cameo**" in reply["embeds"][0]["description"]


async def test_channel_messages_that_do_not_mention_the_bot_are_left_alone(bot, discord_api, ada):
    await ada.write("What is the Cameo feature?")
    await ada.write("@everyone what is Sora 2?", mention_everyone=True)
    await ada.write("What is Sora 2?", mention_bot=True)  # a marker: everything before it was handled

    replies = await discord_api.channel_reply(discord_api.channel_id)
    assert len(discord_api.channel_messages[discord_api.channel_id]) == 1
    assert replies[0]["embeds"][0]["footer"]["text"] == "❓ What is Sora 2?"


async def test_the_bot_does_not_answer_other_bots(bot, discord_api):
    other = discord_api.user_message("<@1100000000000000002> What is Sora 2?", {**discord_api.user("1400000000000000001", "robot"), "bot": True},
                                     mentions=[discord_api.bot_user])
    await discord_api.send_message(other)
    ada = DiscordUser(discord_api)
    await ada.write("What is Cameo?", mention_bot=True)
    replies = await discord_api.channel_reply(discord_api.channel_id)
    assert len(discord_api.channel_messages[discord_api.channel_id]) == 1
    assert replies[0]["embeds"][0]["footer"]["text"] == "❓ What is Cameo?"


async def test_thanks_or_what_can_you_do_gets_a_hint_not_a_quote(bot, ada):
    reply = await ada.ask("what can you do?")
    text = embed_text(reply)
    assert "Ask me anything about them" in text
    assert "> " not in text and "don't answer" not in text


async def test_the_bot_shows_it_is_typing_while_it_answers_a_mention(bot, discord_api, ada):
    await ada.write("What is the Cameo feature?", mention_bot=True)
    await discord_api.channel_reply(discord_api.channel_id)
    typing_at = next(c.at for c in discord_api.calls if c.path.endswith("/typing"))
    reply_at = next(c.at for c in discord_api.calls if c.path.endswith(f"/channels/{discord_api.channel_id}/messages"))
    assert typing_at < reply_at
