"""Telegram slow to answer, answering 429 again and again, and its flood limits: every answer
arrives, once, and the bot sends no faster than Telegram allows."""

from __future__ import annotations

import logging

from bot.telegram_bot.app import build_application, polling
from bot.telegram_bot.flood_limits import FloodLimits
from bot.telegram_bot.retries import RetryingRateLimiter
from tests.telegram.conftest import POLL_TIMEOUT, TelegramUser, fast_rate_limiter

# Telegram's limits scaled down in time, so a test sees many windows go by.
SCALED_LIMITS = FloodLimits(private=((1, 0.5),), group=((1, 0.1), (3, 1.0)), overall=())
# Timestamps are taken as the stand-in receives each call, so a busy machine moves them: a request
# held up can arrive just before the next one. These tests check what load cannot fake, that the
# sends are spread over at least the time the limits demand (less a first request's delay in
# opening its connection); how many fit in each window is checked exactly on a fake clock in
# test_flood_limits.py.
SLACK = 0.5
# A retry leaves only after the stand-in has timed and answered the 429 before it: its gap to
# that attempt is at least the wait, whatever the load (less the clocks' rounding).
ROUNDING = 0.01


def replies_in(telegram, chat_id: int) -> list:
    return [c for c in telegram.calls if c.method == "sendMessage" and c.status == 200 and int(c.params["chat_id"]) == chat_id]


async def test_a_send_answered_too_late_is_not_sent_again_so_the_answer_is_not_doubled(
    telegram, settings, engine, alice, caplog
):
    application = build_application(settings, engine, rate_limiter=fast_rate_limiter(), send_timeout=0.3)
    async with polling(application, timeout=POLL_TIMEOUT):
        telegram.slow_next("sendMessage", 1.0)  # delivered, but answered after the bot gave up
        first = alice.sends("cameo feature")
        await alice.says("how many downloads did the app get")  # answered once the first is settled

    first_replies = [c for c in replies_in(telegram, alice.profile["id"])
                     if c.params["reply_parameters"]["message_id"] == first["message_id"]]
    assert len(first_replies) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("may have been delivered" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


async def test_four_429s_in_a_row_are_each_waited_out_and_the_answer_arrives_without_errors(
    bot, telegram, alice, caplog
):
    for _ in range(4):
        telegram.fail_next("sendMessage", 429, retry_after=0.2)

    reply = await alice.says("cameo feature")

    attempts = [c for c in telegram.calls if c.method == "sendMessage"]
    assert [c.status for c in attempts] == [429, 429, 429, 429, 200]
    assert all(later.at - earlier.at >= 0.2 - ROUNDING for earlier, later in zip(attempts, attempts[1:]))
    assert "<blockquote" in reply.html
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    flood_lines = [r for r in caplog.records if "flood limit" in r.getMessage()]
    assert len(flood_lines) == 4 and all(r.levelno == logging.WARNING and not r.exc_info for r in flood_lines)


async def test_a_burst_of_questions_in_a_private_chat_is_answered_no_faster_than_the_chats_limit(
    telegram, settings, engine, alice
):
    limiter = RetryingRateLimiter(limits=SCALED_LIMITS, retry_delays=(0.05,))
    async with polling(build_application(settings, engine, rate_limiter=limiter), timeout=POLL_TIMEOUT):
        questions = [alice.sends(f"cameo feature {n}") for n in range(6)]
        await alice.replies_to(questions[-1])

    times = [c.at for c in replies_in(telegram, alice.profile["id"])]
    assert len(times) == 6  # answers and "too fast" notes alike
    # One per 0.5 s: the burst is spread over 2.5 s.
    assert times[-1] - times[0] >= 2.5 - SLACK


async def test_mentions_from_many_people_in_a_group_are_answered_within_the_groups_limit(
    telegram, settings, engine, group
):
    limiter = RetryingRateLimiter(limits=SCALED_LIMITS, retry_delays=(0.05,))
    people = [TelegramUser(telegram, f"Member {n}") for n in range(7)]
    async with polling(build_application(settings, engine, rate_limiter=limiter), timeout=POLL_TIMEOUT):
        asked = [person.sends("@SoraQuotesBot cameo feature", chat=group) for person in people]
        for person, message in zip(people, asked):
            await person.replies_to(message)

    times = [c.at for c in replies_in(telegram, group["id"])]
    assert len(times) == 7
    # Three per second at most: the seventh goes two windows after the first.
    assert times[-1] - times[0] >= 2.0 - SLACK


async def test_a_private_question_is_answered_while_a_busy_groups_next_answer_waits_for_the_groups_limit(
    telegram, settings, engine, group, alice
):
    # Three answers a group per 8 s: the group's fourth waits 8 s (as the 21st of a minute does on
    # Telegram); the overall limit, one send per 50 ms, holds every send in turn.
    limits = FloodLimits(private=((1, 0.5),), group=((1, 0.1), (3, 8.0)), overall=((1, 0.05),))
    limiter = RetryingRateLimiter(limits=limits, retry_delays=(0.05,))
    people = [TelegramUser(telegram, f"Member {n}") for n in range(5)]
    async with polling(build_application(settings, engine, rate_limiter=limiter), timeout=POLL_TIMEOUT):
        asked = [person.sends("@SoraQuotesBot cameo feature", chat=group) for person in people]
        await people[2].replies_to(asked[2])  # the group's window is full: its fourth answer is booked 8 s on

        her_answer = await alice.says("cameo feature")
        for person, message in zip(people, asked):
            await person.replies_to(message)

    group_replies = replies_in(telegram, group["id"])
    assert [c.params["reply_parameters"]["message_id"] for c in group_replies] == [m["message_id"] for m in asked]
    # She was answered before the group's fourth answer went out, not queued behind it.
    assert telegram.calls.index(her_answer.call) < telegram.calls.index(group_replies[3])
