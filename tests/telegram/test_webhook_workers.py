"""Two webhook workers behind one nginx, sharing one PostgreSQL database, fed by the stand-in as
Telegram feeds a webhook: each question is answered once, by whichever worker took it, also when
Telegram delivers it twice, when the other worker takes the edit, or when the worker that took
it is killed before it answered."""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.standins.telegram_server import Call, check_telegram_html
from tests.telegram.conftest import TOKEN, TelegramUser
from tests.telegram.webhook_workers import ProxyUnavailable, WebhookDeployment, start_deployment

# Generous: two bot processes, nginx and PostgreSQL share a busy CI machine.
REPLY_TIMEOUT = 60.0
# A short lease, so that a killed worker's questions are taken over within the test.
LEASE_SECONDS = 6.0
# The throwaway server trusts its socket and never asks for it: it is there to be kept out of logs.
DATABASE_PASSWORD = "state-db-password-never-logged"


@pytest.fixture
async def deployment(tmp_path, cache_dir, engine, postgres_database):
    """The stand-in Bot API, nginx and two workers, started; every message sent is valid HTML.
    (`engine` has built the index in `cache_dir`, which the workers load.)"""
    try:
        started = await start_deployment(
            tmp_path, token=TOKEN, database_url=f"{postgres_database}&password={DATABASE_PASSWORD}", cache_dir=cache_dir,
            lease_seconds=LEASE_SECONDS,
        )
    except ProxyUnavailable as missing:
        if os.environ.get("CI") == "true":  # .ci/run installs nginx
            pytest.fail(f"no reverse proxy for the webhook tests on CI: {missing}", pytrace=False)
        pytest.skip(f"no reverse proxy for the webhook tests: {missing}")
    try:
        yield started
    finally:
        await started.stop()
        print(started.logs())  # shown when the test failed
    for call in started.telegram.calls:
        if call.method in ("sendMessage", "editMessageText") and call.status == 200:
            assert check_telegram_html(call.params["text"]) == [], call.params["text"]


def replies(deployment: WebhookDeployment, message: dict) -> list[Call]:
    """Every reply the bot sent to `message`."""
    return [call for call in deployment.telegram.calls if _replies_to(call, message)]


def _replies_to(call: Call, message: dict) -> bool:
    return (call.method == "sendMessage" and call.status == 200
            and int(call.params["chat_id"]) == message["chat"]["id"]
            and (call.params.get("reply_parameters") or {}).get("message_id") == message["message_id"])


async def reply_to(deployment: WebhookDeployment, message: dict) -> Call:
    [call] = await deployment.telegram.wait_for(lambda call: _replies_to(call, message), timeout=REPLY_TIMEOUT)
    return call


async def until_delivered(deployment: WebhookDeployment, update: dict, times: int = 1) -> None:
    """Until the update's delivery got a 2xx `times` times (from the proxy, after a worker took it)."""
    telegram = deployment.telegram

    def delivered() -> bool:
        return sum(1 for d in telegram.deliveries if d.update_id == update["update_id"] and d.succeeded) >= times

    async with telegram.condition:
        await asyncio.wait_for(telegram.condition.wait_for(delivered), REPLY_TIMEOUT)


async def each_worker_answers_one_more(deployment: WebhookDeployment, user: TelegramUser) -> None:
    """`user` asks again until each worker has answered one of these questions. A worker answers
    a chat's questions in the order it took them: whatever it took before is answered by then."""
    answered_by: set[int] = set()
    for _ in range(8):
        answered_by.add((await reply_to(deployment, user.sends("cameo feature"))).port)
        if answered_by == {worker.api_port for worker in deployment.workers}:
            return
    raise AssertionError(f"the proxy sent every question to the same worker: {answered_by}")


def update_of(deployment: WebhookDeployment, message: dict) -> dict:
    return next(update for update in deployment.telegram.updates if update.get("message") is message)


async def test_questions_through_the_proxy_are_answered_once_each_by_both_workers(deployment):
    users = [TelegramUser(deployment.telegram, f"User{n}") for n in range(6)]
    asked = [user.sends("What is the Cameo feature?") for user in users]

    answers = [await reply_to(deployment, message) for message in asked]

    assert all("<blockquote" in answer.params["text"] for answer in answers)
    assert {answer.port for answer in answers} == {worker.api_port for worker in deployment.workers}
    for user in users:
        await each_worker_answers_one_more(deployment, user)
    assert [len(replies(deployment, message)) for message in asked] == [1] * len(asked)
    for worker in deployment.workers:
        assert "Telegram working state in PostgreSQL at postgresql:///" in worker.log()
        assert DATABASE_PASSWORD not in worker.log() and TOKEN not in worker.log()


async def test_a_question_telegram_delivers_twice_at_once_is_answered_once(deployment):
    alice = TelegramUser(deployment.telegram, "Alice")
    question = alice.sends("cameo feature")
    deployment.telegram.deliver_again(update_of(deployment, question))  # both deliveries race, one per worker

    await reply_to(deployment, question)
    await until_delivered(deployment, update_of(deployment, question), times=2)
    await each_worker_answers_one_more(deployment, alice)

    assert len(replies(deployment, question)) == 1


async def test_a_question_delivered_again_after_its_answer_is_not_answered_again(deployment):
    alice = TelegramUser(deployment.telegram, "Alice")
    question = alice.sends("cameo feature")
    await reply_to(deployment, question)

    deployment.telegram.deliver_again(update_of(deployment, question))
    await until_delivered(deployment, update_of(deployment, question), times=2)
    await each_worker_answers_one_more(deployment, alice)

    assert len(replies(deployment, question)) == 1


async def test_an_edit_the_other_worker_takes_edits_the_answer_in_place(deployment):
    alice = TelegramUser(deployment.telegram, "Alice")
    question = alice.sends("what is sora")
    first = await reply_to(deployment, question)
    answering = deployment.by_api_port(first.port)
    assert await answering.stop() == 0  # `docker stop`: every later update goes to the other

    deployment.telegram.edit_message(question, "cameo feature")
    [edit] = await deployment.telegram.wait_for(
        lambda call: call.method == "editMessageText" and call.status == 200, timeout=REPLY_TIMEOUT,
    )

    assert edit.port == deployment.other_than(answering).api_port
    assert edit.params["message_id"] == first.result["message_id"]
    assert "<blockquote" in edit.params["text"]
    assert len(replies(deployment, question)) == 1  # edited, not answered anew


async def test_a_question_a_worker_took_and_was_killed_before_answering_is_answered_by_the_other(deployment):
    alice = TelegramUser(deployment.telegram, "Alice")
    # The first answer sent is refused for ten minutes: its worker waits, holding the question.
    deployment.telegram.fail_next("sendMessage", 429, retry_after=600)
    question = alice.sends("cameo feature")
    [refused] = await deployment.telegram.wait_for(
        lambda call: call.method == "sendMessage" and call.status == 429, timeout=REPLY_TIMEOUT,
    )
    await until_delivered(deployment, update_of(deployment, question))  # Telegram heard 200: it is not sent again
    taking = deployment.by_api_port(refused.port)
    taking.kill()
    await taking.process.wait()

    answer = await reply_to(deployment, question)

    survivor = deployment.other_than(taking)
    assert answer.port == survivor.api_port
    assert "<blockquote" in answer.params["text"]
    assert "answering 1 question(s) accepted by a worker that fell silent" in survivor.log()
