"""Odd input, floods and a flaky Telegram: always a clear reply, never a crash or a lost message."""

from __future__ import annotations

import asyncio
import logging

from tests.telegram.conftest import TOKEN, TelegramUser


async def test_markup_and_mentions_in_a_question_are_never_echoed_or_interpreted(bot, alice, group):
    reply = await alice.says("/ask <script>alert('x')</script> & @everyone cameo feature", chat=group)

    assert "<script>" not in reply.html and "@everyone" not in reply.text
    assert "<blockquote" in reply.html


async def test_a_5000_character_question_is_answered_on_its_beginning_and_says_so(bot, alice):
    reply = await alice.says("What is the Cameo feature of Sora 2? " + "x" * 5000)

    assert reply.text.startswith("(Your question was long: I read 1000 characters of it.)")
    assert "<blockquote" in reply.html


async def test_emoji_only_gets_a_polite_answer(bot, alice):
    reply = await alice.says("🎬🤖🔥")

    assert reply.text.startswith("Sorry")


async def test_a_sticker_gets_a_hint_that_the_bot_reads_text(bot, alice):
    sticker = {"file_id": "CAACAgIAAxkBAAE", "file_unique_id": "AgAD", "type": "regular", "width": 512,
               "height": 512, "is_animated": False, "is_video": False, "emoji": "😀"}
    reply = await alice.says(sticker=sticker)

    assert reply.text == "I can only read text: please type your question."


async def test_a_voice_message_gets_the_hint_in_chinese(bot, mei):
    voice = {"file_id": "AwACAgIAAxkBAAE", "file_unique_id": "AgAE", "duration": 3}
    reply = await mei.says(voice=voice)

    assert reply.text == "我只看得懂文字，請用文字輸入你的問題。"


async def test_asking_too_fast_gets_a_friendly_message_without_slowing_others(bot, telegram, alice, mei):
    sent = [alice.sends("cameo feature") for _ in range(6)]
    replies = [(await alice.replies_to(message))[0] for message in sent]
    others = await mei.says("cameo feature")

    limited = [r for r in replies if "asking faster" in r.text]
    assert len(limited) == 1 and "try again in" in limited[0].text
    assert "<blockquote" in others.html


async def test_a_flood_of_100_messages_from_10_users_is_answered_or_rate_limited_none_dropped(bot, telegram):
    users = [TelegramUser(telegram, f"User{n}") for n in range(10)]
    sent = [user.sends(f"cameo feature {n}") for n in range(10) for user in users]
    by_id = {user.profile["id"]: user for user in users}

    # Wait while replies keep coming (a loaded machine is slow, not stuck); the deadlines are safety nets.
    await telegram.wait_for(lambda call: call.method == "sendMessage", count=100, timeout=900, idle_timeout=120)
    replies = [await by_id[message["from"]["id"]].replies_to(message) for message in sent]  # all there by now

    assert len(replies) == 100  # one reply to every message
    assert sum("asking faster" in reply.text for [reply] in replies) == 50  # 5 of each user's 10
    assert sum("<blockquote" in reply.html for [reply] in replies) == 50, {reply.text[:80] for [reply] in replies}


async def test_telegram_answering_429_is_waited_out_and_the_answer_arrives(bot, telegram, alice):
    telegram.fail_next("sendMessage", 429, retry_after=1)

    reply = await alice.says("cameo feature")

    attempts = [call.status for call in telegram.calls if call.method == "sendMessage"]
    assert attempts == [429, 200]
    assert "<blockquote" in reply.html


async def test_telegram_answering_502_is_retried_and_the_answer_arrives(bot, telegram, alice):
    telegram.fail_next("sendMessage", 502)

    reply = await alice.says("cameo feature")

    attempts = [call.status for call in telegram.calls if call.method == "sendMessage"]
    assert attempts == [502, 200]
    assert "<blockquote" in reply.html


async def test_when_sending_keeps_failing_the_error_is_logged_and_the_user_gets_an_apology(bot, telegram, alice, caplog):
    for _ in range(4):  # more than the retries
        telegram.fail_next("sendMessage", 502)

    with caplog.at_level(logging.DEBUG):
        reply = await alice.says("cameo feature")

    assert reply.text == "Sorry, something went wrong on my side. Please try again in a moment."
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert errors and errors[0].exc_info is not None


async def test_the_token_never_appears_in_the_logs(telegram, settings, engine, alice, caplog):
    from bot.runtime.log_redaction import redact_secrets_in_logs
    from tests.telegram.conftest import running_bot

    undo = redact_secrets_in_logs([TOKEN])
    try:
        with caplog.at_level(logging.DEBUG):
            async with running_bot(settings, engine):
                telegram.fail_next("sendMessage", 502)
                await alice.says("cameo feature")
            logging.getLogger("test").info("the url was %s", f"{settings.telegram_api_base_url}{TOKEN}/getMe")
    finally:
        undo()

    assert caplog.records
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


async def test_an_inline_query_answered_too_late_is_one_quiet_line_not_an_error(bot, telegram, alice, caplog):
    telegram.answer_too_late()

    with caplog.at_level(logging.INFO):
        telegram.inline_query(alice.profile, "cameo feature")
        await telegram.wait_for(lambda call: call.method == "answerInlineQuery" and call.status == 400, timeout=120)
        # The error handler runs once the failed call is back: wait for its line, whichever it is.
        for _ in range(12_000):
            logged = [r for r in caplog.records if r.levelno >= logging.ERROR or "too late" in r.getMessage()]
            if logged:
                break
            await asyncio.sleep(0.01)

    assert [record.levelname for record in logged] == ["INFO"]
    assert not [call for call in telegram.calls if call.method == "sendMessage"]  # no apology anywhere
