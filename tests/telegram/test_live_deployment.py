"""What a live deployment meets: anonymous admins, a failing "typing…", bursts in one chat,
dead and migrated chats, a flaky network while polling, privacy mode in groups."""

from __future__ import annotations

import logging

import aiohttp

from tests.telegram.conftest import REPLY_TIMEOUT, running_bot


async def test_anonymous_admins_of_six_groups_each_get_their_answer(bot, telegram):
    groups = [telegram.add_group(-1001000000000 - n, f"Group {n}") for n in range(6)]
    asked = [telegram.anonymous_admin_message(group, "/ask cameo feature") for group in groups]

    replies = await telegram.wait_for(lambda call: call.method == "sendMessage" and call.status == 200,
                                      count=6, timeout=REPLY_TIMEOUT * 3)

    assert {int(call.params["chat_id"]) for call in replies} == {message["chat"]["id"] for message in asked}
    assert all("<blockquote" in call.params["text"] for call in replies), [c.params["text"][:60] for c in replies]


async def test_an_anonymous_admin_asking_too_fast_is_limited_in_that_group_only(bot, telegram, alice):
    group = telegram.add_group(-1001999999999, "Busy group")
    for _ in range(6):
        telegram.anonymous_admin_message(group, "/ask cameo feature")
    replies = await telegram.wait_for(lambda call: call.method == "sendMessage" and call.status == 200,
                                      count=6, timeout=REPLY_TIMEOUT * 3)

    assert sum("asking faster" in call.result["text"] for call in replies) == 1
    assert "<blockquote" in (await alice.says("cameo feature")).html  # a person is not limited by it


async def test_a_typing_indicator_that_hangs_does_not_hold_back_the_answer(bot, telegram, alice):
    telegram.hold("sendChatAction")
    try:
        reply = await alice.says("cameo feature")
    finally:
        telegram.release("sendChatAction")

    assert "<blockquote" in reply.html


async def test_a_failing_typing_indicator_is_not_retried(telegram, settings, engine, alice):
    async with running_bot(settings, engine):
        telegram.fail_next("sendChatAction", 502)
        reply = await alice.says("cameo feature")
    # The bot has stopped: everything it was going to send has been sent.

    assert "<blockquote" in reply.html
    assert [call.status for call in telegram.calls if call.method == "sendChatAction"] == [502]


async def test_replies_in_a_burst_arrive_in_the_order_the_questions_were_asked(bot, telegram, alice):
    sent = [alice.sends(question) for question in ["cameo feature"] * 5 + ["what is sora 2", "who made it"]]

    await telegram.wait_for(lambda call: call.method == "sendMessage" and call.status == 200, count=7,
                            timeout=REPLY_TIMEOUT * 3)
    order = [call.params["reply_parameters"]["message_id"] for call in telegram.calls
             if call.method == "sendMessage" and call.status == 200]

    assert order == sorted(order) and set(order) == {message["message_id"] for message in sent}


async def test_a_user_who_blocked_the_bot_gets_no_apology_and_the_log_has_one_quiet_line(
    telegram, settings, engine, alice, caplog
):
    telegram.block(alice.profile["id"])
    with caplog.at_level(logging.INFO):
        async with running_bot(settings, engine):
            alice.sends("cameo feature")
            await telegram.wait_for(lambda call: call.method == "sendMessage", timeout=REPLY_TIMEOUT)

    assert [call.status for call in telegram.calls if call.method == "sendMessage"] == [403]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not [record for record in caplog.records if record.exc_info]
    gone = [record.getMessage() for record in caplog.records if "blocked" in record.getMessage()]
    assert len(gone) == 1 and str(alice.profile["id"]) in gone[0]


async def test_a_bot_kicked_from_a_group_sends_nothing_more_there(telegram, settings, engine, alice, group, caplog):
    telegram.block(group["id"], "Forbidden: bot was kicked from the supergroup chat")
    with caplog.at_level(logging.INFO):
        async with running_bot(settings, engine):
            alice.sends("/ask cameo feature", chat=group)
            await telegram.wait_for(lambda call: call.method == "sendMessage", timeout=REPLY_TIMEOUT)

    assert [call.status for call in telegram.calls if call.method == "sendMessage"] == [403]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_a_question_asked_as_the_group_became_a_supergroup_is_answered_in_the_supergroup(
    bot, telegram, alice, group
):
    question = alice.sends("/ask cameo feature", chat=group)
    supergroup = telegram.migrate(group["id"], -1009999999999)

    [answer] = await telegram.wait_for(
        lambda call: call.method == "sendMessage" and call.status == 200, timeout=REPLY_TIMEOUT
    )

    assert int(answer.params["chat_id"]) == supergroup["id"]
    assert "<blockquote" in answer.params["text"]
    assert question["chat"]["id"] == group["id"]


async def test_a_brief_network_failure_while_polling_is_one_warning_line(telegram, settings, engine, alice, caplog):
    with caplog.at_level(logging.INFO):
        async with running_bot(settings, engine):
            telegram.fail_next("getUpdates", 502)
            telegram.fail_next("getUpdates", 502)
            reply = await alice.says("cameo feature")

    assert "<blockquote" in reply.html
    polling = [record for record in caplog.records if record.name != "httpx" and "polling" in record.getMessage().lower()
               and record.levelno > logging.INFO]
    assert polling and all(record.levelno == logging.WARNING for record in polling), [r.getMessage() for r in polling]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not [record for record in caplog.records if record.exc_info]


async def test_help_in_a_group_says_to_address_the_bot_by_name(bot, alice, group):
    reply = await alice.says("/help@SoraQuotesBot", chat=group)

    assert "/ask@SoraQuotesBot" in reply.text


async def test_the_end_to_end_run_asks_through_the_stand_ins_control_endpoints(bot, telegram):
    """deploy/e2e_ask.py asks over HTTP (POST /_test/message) and reads the calls back (GET
    /_test/calls), as CI's end-to-end run does against the bots in containers."""
    base = f"http://127.0.0.1:{telegram.port}"
    async with aiohttp.ClientSession() as session:
        message = {"chat_id": 4242, "user_id": 4242, "text": "cameo feature", "language_code": "en"}
        async with session.post(f"{base}/_test/message", json=message) as response:
            assert response.status == 200
        await telegram.wait_for(lambda call: call.method == "sendMessage" and call.status == 200, timeout=REPLY_TIMEOUT)
        async with session.get(f"{base}/_test/calls") as response:
            calls = await response.json()

    replies = [call for call in calls if call["method"] == "sendMessage" and call["params"]["chat_id"] in (4242, "4242")]
    assert replies and "<blockquote" in replies[-1]["params"]["text"]
