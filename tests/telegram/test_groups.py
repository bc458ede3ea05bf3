"""In a group (privacy mode on), the bot answers only when asked."""

from __future__ import annotations

import asyncio

from tests.telegram.conftest import running_bot


async def test_ask_command_in_a_group(bot, alice, group):
    reply = await alice.says("/ask What is the Cameo feature?", chat=group)

    assert reply.call.params["chat_id"] == group["id"]
    assert "<blockquote" in reply.html


async def test_ask_addressed_to_the_bot_by_name(bot, alice, group):
    reply = await alice.says("/ask@SoraQuotesBot cameo feature", chat=group)

    assert "<blockquote" in reply.html
    assert "cameo" in reply.html.lower()


async def test_ask_addressed_to_another_bot_is_left_alone(bot, telegram, alice, group):
    alice.sends("/ask@SomeOtherBot cameo feature", chat=group)
    reply = await alice.says("/ask@SoraQuotesBot cameo feature", chat=group)

    assert [c.method for c in telegram.calls].count("sendMessage") == 1
    assert reply.html


async def test_empty_ask_gets_a_one_line_usage_hint(bot, alice, group):
    reply = await alice.says("/ask@SoraQuotesBot", chat=group)

    assert reply.text == "Usage: /ask your question, e.g. /ask What is Sora 2?"


async def test_a_message_that_mentions_the_bot_is_a_question(bot, alice, group):
    reply = await alice.says("@SoraQuotesBot what is the cameo feature?", chat=group)

    assert "<blockquote" in reply.html


async def test_a_reply_to_the_bots_message_is_a_question(bot, alice, mei, group):
    first = await alice.says("/ask cameo feature", chat=group)

    follow_up = await mei.says("那版權問題呢？", chat=group, reply_to=first.message)

    assert "<blockquote" in follow_up.html
    assert "版權" in follow_up.text


async def test_group_chatter_not_addressed_to_the_bot_is_ignored(bot, telegram, alice, mei, group):
    alice.sends("did you see the Sora 2 launch?", chat=group)
    earlier = mei.sends("yes, the cameo feature is wild", chat=group)
    alice.sends("a sticker reply to a human", chat=group, reply_to=earlier)
    await alice.says("/ask cameo", chat=group)  # a marker: the bot has read everything before it
    await asyncio.sleep(0.1)

    assert [c.method for c in telegram.calls].count("sendMessage") == 1


async def test_a_reply_to_an_answer_is_a_follow_up_of_its_question_also_after_a_restart(
    telegram, settings, engine, alice, mei, group
):
    async with running_bot(settings, engine):
        first = await alice.says("/ask How many downloads did the app get?", chat=group)
        follow_up = await mei.says("and in China?", chat=group, reply_to=first.message)
    async with running_bot(settings, engine):  # a restart: the answer's question is found again
        again = await mei.says("and in China?", chat=group, reply_to=first.message)
    alone = await _asked_alone(settings, engine, alice, group)

    for reply in (follow_up, again):
        assert "<blockquote" in reply.html
        assert "download" in reply.text.lower()
    assert "download" not in alone.text.lower()


async def _asked_alone(settings, engine, user, group):
    async with running_bot(settings, engine):
        return await user.says("/ask and in China?", chat=group)
