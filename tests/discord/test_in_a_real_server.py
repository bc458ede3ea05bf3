"""What a live server does that a quiet test channel does not: role mentions, missing
permissions, replies, messages the bot may not read, cooldowns and Discord's own markup."""

from __future__ import annotations

import logging
import sqlite3

from tests.discord.conftest import DiscordUser, embed_text, start_bot, stop_bot
from tests.standins.discord_server import EMBED_LINKS, READ_MESSAGE_HISTORY, SEND_MESSAGES


async def test_mentioning_the_bots_managed_role_is_asking_the_bot(bot, discord_api, ada):
    asked = await ada.write("What is the Cameo feature?", mention_role=True)

    reply = (await discord_api.channel_reply(discord_api.channel_id))[0]

    assert str(reply["message_reference"]["message_id"]) == asked["id"]
    assert "**Cameo**" in reply["embeds"][0]["description"]
    assert reply["embeds"][0]["footer"]["text"] == "❓ What is the Cameo feature?"  # no "<@&…>" asked


async def test_without_embed_links_a_mention_is_answered_in_plain_text(bot, discord_api, ada):
    await discord_api.set_channel_overwrites([(discord_api.guild_id, 0, EMBED_LINKS)])

    await ada.write("What is the Cameo feature?", mention_bot=True)
    reply = (await discord_api.channel_reply(discord_api.channel_id))[0]

    assert not reply["embeds"]
    assert "Cameo" in reply["content"] and "> " in reply["content"] and len(reply["content"]) <= 2000
    assert "went wrong" not in reply["content"]
    assert all(call.status < 400 for call in discord_api.calls if call.path.endswith("/messages"))


async def test_where_the_bot_cannot_write_it_logs_one_line_and_sends_nothing(bot, discord_api, ada, caplog):
    await discord_api.set_channel_overwrites([(discord_api.bot_role_id, 0, SEND_MESSAGES),
                                              (discord_api.guild_id, 0, SEND_MESSAGES)])
    caplog.set_level(logging.INFO)

    await ada.write("What is the Cameo feature?", mention_bot=True)
    await discord_api.wait_until(lambda: any("cannot send" in r.getMessage() for r in caplog.records), 30)
    await discord_api.set_channel_overwrites([])
    await ada.write("What is Sora 2?", mention_bot=True)  # a marker: the first was handled
    await discord_api.channel_reply(discord_api.channel_id)

    assert len(discord_api.channel_messages[discord_api.channel_id]) == 1
    notes = [r for r in caplog.records if "cannot send" in r.getMessage()]
    assert len(notes) == 1 and not notes[0].exc_info
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)


async def test_a_reply_to_a_message_that_mentioned_the_bot_reads_that_message_too(bot, discord_api, ada):
    bob = DiscordUser(discord_api, "bob", "1300000000000000002")
    said = bob.message("The Cameo feature lets you put yourself into videos, right?", mention_bot=True)
    await ada.reply(said, "is this true?", mention_bot=True)
    # bob's own message was answered first; ada's reply is the second answer
    replies = await discord_api.channel_reply(discord_api.channel_id, 1)
    assert "Cameo feature lets you put yourself" in replies[0]["embeds"][0]["footer"]["text"]
    assert "**Cameo**" in replies[0]["embeds"][0]["description"]


async def test_thanks_in_reply_to_an_answer_gets_a_reaction_not_a_new_answer(bot, discord_api, ada):
    await ada.write("What is the Cameo feature?", mention_bot=True)
    answer = (await discord_api.channel_reply(discord_api.channel_id))[0]

    thanks = await ada.reply(answer, "thanks!")  # a reply pings the bot by default
    await ada.write("What is Sora 2?", mention_bot=True)  # a marker: the thanks was handled
    await discord_api.channel_reply(discord_api.channel_id, 2)

    footers = [m["embeds"][0]["footer"]["text"] for m in discord_api.channel_messages[discord_api.channel_id]]
    assert footers == ["❓ What is the Cameo feature?", "❓ What is Sora 2?"]
    assert (discord_api.channel_id, thanks["id"], "👍") in discord_api.reactions


async def test_a_question_in_reply_to_an_answer_is_asked_with_the_earlier_question(bot, discord_api, ada):
    await ada.write("What is the Cameo feature?", mention_bot=True)
    answer = (await discord_api.channel_reply(discord_api.channel_id))[0]

    await ada.reply(answer, "who can use it?")
    follow_up = (await discord_api.channel_reply(discord_api.channel_id, 2))[1]

    footer = follow_up["embeds"][0]["footer"]["text"]
    assert "Cameo" in footer and "who can use it?" in footer
    assert "> " in follow_up["embeds"][0]["description"]


async def test_ask_the_articles_on_another_bots_embed_reads_the_embed(bot, discord_api, ada):
    robot = {**discord_api.user("1400000000000000001", "robot"), "bot": True}
    embedded = discord_api.user_message("", robot, embeds=[{"type": "rich", "title": "Sora 2",
                                                          "description": "What is the Cameo feature?"}])
    reply = await ada.ask_about(embedded)
    assert "**Cameo**" in reply["embeds"][0]["description"]


async def test_ask_the_articles_on_a_message_with_only_an_image_says_what_it_can_read(bot, discord_api, ada):
    bob = DiscordUser(discord_api, "bob", "1300000000000000002")
    picture = {"id": discord_api.snowflake(), "filename": "cat.png", "size": 10, "url": "https://cdn.example/cat.png",
               "proxy_url": "https://cdn.example/cat.png", "content_type": "image/png"}
    reply = await ada.ask_about(bob.message("", attachments=[picture]))
    text = embed_text(reply)
    assert "Please ask a question" not in text
    assert "text" in text and "attachment" in text.lower()


async def test_a_mention_asking_too_fast_is_told_briefly_in_its_own_language(discord_api, engine):
    client, task = await start_bot(discord_api, engine, rate_limit_questions=1, rate_limit_seconds=60)
    try:
        ada = DiscordUser(discord_api)
        await ada.write("Sora 2 是什麼？", mention_bot=True)
        await ada.write("Cameo 是什麼？", mention_bot=True)
        replies = await discord_api.channel_reply(discord_api.channel_id, 2)
    finally:
        await stop_bot(client, task)
    note = next(reply for reply in replies if not reply["embeds"])
    assert "秒" in note["content"] and "try again" not in note["content"]
    assert len(note["content"]) <= 40


async def test_mentions_channels_and_timestamps_in_a_question_read_as_names_in_the_footer(bot, discord_api, ada):
    bob = discord_api.user("1300000000000000002", "bob")
    asked = ada.message(f"<@{bob['id']}> what is the Cameo feature of Sora 2? (asked in <#{discord_api.channel_id}> <t:0:R>)",
                        mention_bot=True)
    asked["mentions"].append(bob)
    await discord_api.send_message(asked)

    footer = (await discord_api.channel_reply(discord_api.channel_id))[0]["embeds"][0]["footer"]["text"]

    assert "<@" not in footer and "<#" not in footer and "<t:" not in footer
    assert "@bob" in footer and "#general" in footer and "1970-01-01" in footer


async def test_a_question_naming_someone_is_shown_and_recorded_without_control_characters(discord_api, engine, feedback_db, ada):
    client, task = await start_bot(discord_api, engine, feedback_db_path=feedback_db)
    try:
        bob = discord_api.user("1300000000000000002", "bob")
        asked = ada.message(f"<@{bob['id']}> what is the\x1b Cameo\x07 feature of Sora 2?", mention_bot=True)
        asked["mentions"].append(bob)
        await discord_api.send_message(asked)
        footer = (await discord_api.channel_reply(discord_api.channel_id))[0]["embeds"][0]["footer"]["text"]
    finally:
        await stop_bot(client, task)

    assert footer == "❓ @bob what is the Cameo feature of Sora 2?"
    with sqlite3.connect(feedback_db) as connection:
        # Names are never stored: the mention is kept as a placeholder.
        assert connection.execute("SELECT question FROM questions").fetchall() == [("@user what is the Cameo feature of Sora 2?",)]


async def test_without_read_message_history_a_mention_is_answered_without_the_reply_reference(
    bot, discord_api, ada
):
    await discord_api.set_channel_overwrites([(discord_api.guild_id, 0, READ_MESSAGE_HISTORY)])

    await ada.write("What is the Cameo feature?", mention_bot=True)
    reply = (await discord_api.channel_reply(discord_api.channel_id))[0]

    assert "message_reference" not in reply or not reply["message_reference"]
    assert "**Cameo**" in reply["embeds"][0]["description"]


async def test_when_discord_refuses_the_reference_the_answer_still_arrives_without_it(bot, discord_api, ada):
    # The bot's cached permissions still allow history; Discord has changed its mind.
    guild = bot.get_guild(int(discord_api.guild_id))
    discord_api.role_permissions[discord_api.guild_id] &= ~READ_MESSAGE_HISTORY
    discord_api.role_permissions[discord_api.bot_role_id] &= ~READ_MESSAGE_HISTORY
    assert guild is not None

    await ada.write("What is the Cameo feature?", mention_bot=True)
    reply = (await discord_api.channel_reply(discord_api.channel_id))[0]

    assert not reply.get("message_reference")
    assert "**Cameo**" in reply["embeds"][0]["description"]


async def test_and_in_china_in_reply_to_the_downloads_answer_is_answered_about_downloads(bot, discord_api, ada):
    await ada.write("How many downloads did the app get?", mention_bot=True)
    answer = (await discord_api.channel_reply(discord_api.channel_id))[0]

    await ada.reply(answer, "and in China?")
    follow_up = (await discord_api.channel_reply(discord_api.channel_id, 2))[1]
    await ada.reply(answer, "What is the Cameo feature?")  # a question of its own, in reply
    standalone = (await discord_api.channel_reply(discord_api.channel_id, 3))[2]

    assert follow_up["embeds"][0]["footer"]["text"] == "❓ How many downloads did the app get? and in China?"
    assert "download" in follow_up["embeds"][0]["description"].lower()
    assert standalone["embeds"][0]["footer"]["text"] == "❓ What is the Cameo feature?"


async def test_a_reply_to_an_answer_that_does_not_ping_the_bot_is_told_its_text_was_not_shared(bot, discord_api, ada):
    await ada.write("What is the Cameo feature?", mention_bot=True)
    answer = (await discord_api.channel_reply(discord_api.channel_id))[0]

    await ada.reply(answer, "and who can use it?", ping_reply=False)  # Discord withholds the text
    note = (await discord_api.channel_reply(discord_api.channel_id, 2))[1]

    assert "mention" in note["content"] and not note["embeds"]


async def test_a_mention_in_a_thread_started_from_an_answer_is_a_follow_up_also_after_a_restart(discord_api, engine):
    ada = DiscordUser(discord_api)
    client, task = await start_bot(discord_api, engine)
    try:
        await ada.write("How many downloads did the app get?", mention_bot=True)
        answer = (await discord_api.channel_reply(discord_api.channel_id))[0]
        thread = await discord_api.start_thread(answer)
    finally:
        await stop_bot(client, task)
    client, task = await start_bot(discord_api, engine)  # nothing cached: the thread's start is fetched
    try:
        await discord_api.dispatch("THREAD_CREATE", thread)
        await discord_api.send_message(ada.message("and in China?", mention_bot=True, thread=thread))
        follow_up = (await discord_api.channel_reply(thread["id"]))[0]
    finally:
        await stop_bot(client, task)

    assert follow_up["embeds"][0]["footer"]["text"] == "❓ How many downloads did the app get? and in China?"
    assert "download" in follow_up["embeds"][0]["description"].lower()


async def test_a_reply_to_an_ask_answer_is_a_follow_up_too(bot, discord_api, ada):
    answer = await ada.ask("How many downloads did the app get?")  # an interaction response

    await ada.reply(answer, "and in China?")
    follow_up = (await discord_api.channel_reply(discord_api.channel_id))[0]

    assert follow_up["embeds"][0]["footer"]["text"] == "❓ How many downloads did the app get? and in China?"
