"""Hostile or odd questions get a clear reply: nobody is pinged, no markdown leaks, no crash."""

from __future__ import annotations

from tests.discord.conftest import DiscordUser, embed_text, is_private


def assert_no_message_can_ping(discord_api):
    bodies = discord_api.message_bodies()
    assert bodies
    for call, body in bodies:
        allowed = body.get("allowed_mentions")
        assert allowed is not None and allowed.get("parse") == [], (call.path, allowed)
        assert not allowed.get("users") and not allowed.get("roles") and not allowed.get("replied_user")
    assert all(call.status < 400 for call, _ in bodies), [(c.path, c.status) for c, _ in bodies]


async def test_everyone_role_and_user_mentions_in_a_question_ping_nobody(bot, discord_api, ada):
    await ada.ask("@everyone @here <@&1500000000000000001> <@1300000000000000002> what is the Cameo feature?")
    await ada.write("@everyone <@&1500000000000000001> what is Sora 2?", mention_bot=True)
    await discord_api.channel_reply(discord_api.channel_id)
    assert_no_message_can_ping(discord_api)


async def test_every_reply_of_a_whole_conversation_allows_no_mentions(bot, discord_api, ada):
    await ada.ask("What is Sora 2?")
    await ada.ask("How do I bake bread?")
    await discord_api.reply_to(await ada.use("sources"))
    await discord_api.reply_to(await ada.use("help"))
    first = await ada.ask("What is Sora 2?", private=True)
    await ada.press(first, "More")
    await ada.ask_about(DiscordUser(discord_api, "bob", "1300000000000000002").message("Cameo?"))
    await ada.write("What is Cameo?", dm=True)
    await discord_api.channel_reply(discord_api.dm_channel_id(ada.profile))
    assert_no_message_can_ping(discord_api)


async def test_markdown_in_a_question_is_shown_as_typed_not_rendered(bot, ada):
    question = "**Cameo** ||spoiler|| `code` [click](https://evil.example) what is the Cameo feature?"
    reply = await ada.ask(question)
    description = reply["embeds"][0]["description"]
    assert "evil.example" not in description
    assert reply["embeds"][0]["footer"]["text"] == "❓ " + question  # footers are plain text: shown as typed


async def test_markdown_in_a_declined_question_never_reaches_the_reply(bot, ada):
    reply = await ada.ask("[free nitro](https://evil.example) ||@everyone||")
    assert "evil.example" not in reply["embeds"][0]["description"]


async def test_ask_takes_no_longer_question_than_the_engine_reads(bot, discord_api, ada):
    from retrieval.engine import MAX_QUESTION_CHARS

    ask = discord_api.registered("ask", kind=1)[0]
    assert ask["options"][0]["max_length"] == MAX_QUESTION_CHARS
    reply = await ada.ask(("What is the Cameo feature of Sora 2? " * 30)[:MAX_QUESTION_CHARS])
    assert "**Cameo**" in embed_text(reply) and "first" not in embed_text(reply)


async def test_a_2000_character_message_is_answered_on_its_beginning_and_says_so(bot, discord_api, ada):
    question = ("What is the Cameo feature of Sora 2? " * 60)[:2000]
    asked = await ada.write(question, dm=True)
    reply = (await discord_api.channel_reply(asked["channel_id"]))[0]
    text = embed_text(reply)
    assert "I read 1000 characters of it" in text
    assert "**Cameo**" in text
    assert len(reply["embeds"][0]["footer"]["text"]) <= 2048
    assert_no_message_can_ping(discord_api)


async def test_a_question_of_emoji_only_gets_a_clear_reply(bot, ada):
    reply = await ada.ask("🎬🤖✨")
    assert "don't answer that" in embed_text(reply)


async def test_a_blank_question_asks_for_a_question(bot, ada):
    reply = await ada.ask("   ")
    assert "Please ask a question" in embed_text(reply)


async def test_a_mention_with_nothing_else_asks_for_a_question(bot, discord_api, ada):
    await ada.write("", mention_bot=True)
    reply = (await discord_api.channel_reply(discord_api.channel_id))[0]
    assert "Please ask a question" in embed_text(reply)


async def test_asking_too_fast_gets_a_friendly_private_note(discord_api, engine):
    from tests.discord.conftest import start_bot, stop_bot

    client, task = await start_bot(discord_api, engine, rate_limit_questions=1, rate_limit_seconds=60)
    try:
        ada = DiscordUser(discord_api)
        await ada.ask("What is Sora 2?")
        note = await ada.ask("What is Cameo?")
        bob_reply = await DiscordUser(discord_api, "bob", "1300000000000000002").ask("What is Cameo?")
    finally:
        await stop_bot(client, task)
    assert is_private(note) and "try again in" in note["content"]
    assert "**Cameo**" in bob_reply["embeds"][0]["description"]  # one user's limit never slows another


async def test_a_question_made_only_of_mentions_gets_the_usage_hint(bot, discord_api, ada):
    zoe = discord_api.user("1300000000000000007", "zoe")

    record = await ada.use("ask", question=f"<@{zoe['id']}>")
    hint = (await discord_api.reply_to(record))[0]
    await ada.write(f"<@{zoe['id']}> <#{discord_api.channel_id}>", mention_bot=True, mentions=[zoe])
    mention_hint = (await discord_api.channel_reply(discord_api.channel_id))[0]

    for reply in (hint, mention_hint):
        assert "Please ask a question" in embed_text(reply)
    assert is_private(hint)
