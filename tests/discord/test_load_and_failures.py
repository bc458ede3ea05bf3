"""Under load and when Discord or the engine fails, every user still hears back in time."""

from __future__ import annotations

import logging
import threading

import pytest

from bot.runtime.health import Readiness
from tests.discord.conftest import TOKEN, DiscordUser, embed_text, is_private, start_bot, stop_bot

QUESTIONS = ["What is Sora 2?", "What is the Cameo feature?", "Sora 2 是什麼？", "How do I bake bread?", "🎬"]


async def test_fifty_people_asking_at_once_all_get_a_first_response_within_three_seconds(bot, discord_api):
    people = [DiscordUser(discord_api, f"user{n}", str(1300000000000001000 + n)) for n in range(50)]
    payloads = [discord_api.slash_command("ask", person.profile, question=QUESTIONS[n % len(QUESTIONS)])
                for n, person in enumerate(people)]

    records = await discord_api.send_interactions(payloads)
    await discord_api.wait_until(lambda: all(record.messages for record in records))

    # The stand-in answers 404 "Unknown interaction" to a first response later than 3 s, as Discord does.
    assert all(record.callback_at - record.dispatched_at < 3.0 for record in records)
    assert all(record.messages[0]["embeds"] for record in records)


async def test_a_429_on_the_first_response_is_waited_out_and_the_answer_still_arrives(bot, discord_api, ada):
    discord_api.fail_next(r"/callback$", 429, retry_after=0.2)
    reply = await ada.ask("What is Sora 2?")
    assert "> " in reply["embeds"][0]["description"]
    assert [c.status for c in discord_api.calls if c.path.endswith("/callback")] == [429, 200]


async def test_a_500_on_the_follow_up_is_retried_and_the_answer_still_arrives(bot, discord_api, ada):
    discord_api.fail_next(r"^/webhooks/", 500)
    reply = await ada.ask("What is Sora 2?")
    assert "> " in reply["embeds"][0]["description"]
    assert [c.status for c in discord_api.calls if "/webhooks/" in c.path] == [500, 200]


class BrokenEngine:
    """An engine whose index is unreadable."""

    articles = ()

    def answer(self, question, top_k=3, offset=0, earlier=None):
        raise RuntimeError("the index is unreadable")


async def test_when_answering_fails_the_user_gets_a_private_apology_and_the_error_is_logged(discord_api, caplog):
    client, task = await start_bot(discord_api, BrokenEngine())
    try:
        ada = DiscordUser(discord_api)
        record = await ada.use("ask", question="What is Sora 2?")
        reply = (await discord_api.reply_to(record))[0]
        await ada.write("What is Sora 2?", mention_bot=True)
        in_channel = (await discord_api.channel_reply(discord_api.channel_id))[0]
    finally:
        await stop_bot(client, task)

    assert is_private(reply) and "Sorry" in reply["content"]
    assert record.messages == [reply]  # the public "thinking…" was removed, not left hanging
    assert "Sorry" in in_channel["content"]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert len(failures) == 2 and "the index is unreadable" in str(failures[0].exc_info[1])


async def test_the_token_never_appears_in_the_logs_even_at_debug_level(discord_api, engine, caplog):
    caplog.set_level(logging.DEBUG)
    client, task = await start_bot(discord_api, engine)
    try:
        await DiscordUser(discord_api).ask("What is Sora 2?")
    finally:
        await stop_bot(client, task)
    assert caplog.records
    assert TOKEN not in caplog.text
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


async def test_after_a_dropped_gateway_connection_the_bot_resumes_and_answers(discord_api, engine):
    readiness = Readiness()
    client, task = await start_bot(discord_api, engine, readiness=readiness)
    try:
        assert readiness.connected
        await discord_api.drop_connections()
        await discord_api.wait_until(lambda: discord_api.resumes == 1 and readiness.connected)
        reply = await DiscordUser(discord_api).ask("What is the Cameo feature?")
    finally:
        await stop_bot(client, task)
    assert "**Cameo**" in embed_text(reply)
    assert not readiness.connected  # closed: no longer healthy


async def _recovers_at_the_stand_in(discord_api, engine, upset) -> dict:
    """Start the bot, `upset` its gateway session, and ask once it has identified anew."""
    readiness = Readiness()
    client, task = await start_bot(discord_api, engine, readiness=readiness)
    try:
        await upset()
        # Identified again at the stand-in's own gateway (not Discord's), and healthy again.
        await discord_api.wait_until(lambda: discord_api.identifies == 2 and readiness.connected)
        return await DiscordUser(discord_api).ask("What is the Cameo feature?")
    finally:
        await stop_bot(client, task)


async def test_after_an_invalid_session_the_bot_identifies_again_at_the_configured_gateway(discord_api, engine):
    reply = await _recovers_at_the_stand_in(discord_api, engine, discord_api.invalidate_sessions)

    assert "**Cameo**" in embed_text(reply)


async def test_after_a_close_4009_the_failed_resume_is_followed_by_a_new_session_at_the_configured_gateway(
    discord_api, engine
):
    reply = await _recovers_at_the_stand_in(discord_api, engine, lambda: discord_api.drop_connections(4009))

    assert discord_api.failed_resumes == 1
    assert "**Cameo**" in embed_text(reply)


async def test_after_a_refused_resume_the_bot_identifies_again_at_the_configured_gateway(discord_api, engine):
    async def drop_and_refuse_the_resume() -> None:
        discord_api.refuse_next_resume()
        await discord_api.drop_connections()

    reply = await _recovers_at_the_stand_in(discord_api, engine, drop_and_refuse_the_resume)

    assert discord_api.failed_resumes == 1 and discord_api.resumes == 0
    assert "**Cameo**" in embed_text(reply)


async def test_an_answer_that_outlasts_the_shutdown_grace_is_cancelled_before_the_session_closes(
    discord_api, engine, caplog
):
    client, task = await start_bot(discord_api, engine)
    try:
        discord_api.hold(r"^/webhooks/")  # the answer cannot go out
        await DiscordUser(discord_api).use("ask", question="What is the Cameo feature?")
        await discord_api.wait_until(lambda: discord_api.held)
        client.stop_taking_work()
        left = await client.finish_in_flight(0.1)
        still_running = client.in_flight_count  # before the HTTP session closes
    finally:
        discord_api.release()
        await stop_bot(client, task)

    assert left == 1 and still_running == 0
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage() or "Session is closed" in r.getMessage()]


class HeldEngine:
    """The real engine, except that answering waits until `go` is set (in the engine's thread)."""

    def __init__(self, engine) -> None:
        self.engine, self.articles = engine, engine.articles
        self.asked, self.go = threading.Event(), threading.Event()

    def answer(self, question, top_k=3, offset=0, earlier=None):
        self.asked.set()
        self.go.wait()
        return self.engine.answer(question, top_k, earlier=earlier)


@pytest.mark.parametrize("locale, command, restarting", [
    ("en-US", "ask", "I'm restarting"),
    ("zh-TW", "ask", "我正在重新啟動"),
    ("en-US", "Ask the articles", "I'm restarting"),
])
async def test_a_question_cut_off_by_the_shutdown_is_told_the_bot_is_restarting_before_the_session_closes(
    discord_api, engine, caplog, locale, command, restarting
):
    held = HeldEngine(engine)
    client, task = await start_bot(discord_api, held)
    try:
        person = DiscordUser(discord_api, locale=locale)
        if command == "ask":
            record = await person.use("ask", question="What is the Cameo feature?")
        else:
            target = DiscordUser(discord_api, "bob", "1300000000000000002").message("What is the Cameo feature?")
            record = await discord_api.send_interaction(
                discord_api.context_menu(command, target, person.profile, locale))
        await discord_api.wait_until(lambda: record.callback is not None and held.asked.is_set())
        client.stop_taking_work()
        left = await client.finish_in_flight(0.0)  # the engine is still thinking: the grace is over
        seen_before_closing = list(record.messages)
    finally:
        held.go.set()
        await stop_bot(client, task)

    assert left == 1 and record.callback["type"] == 5  # "thinking…"
    assert len(seen_before_closing) == 1 and restarting in seen_before_closing[0]["content"]
    assert record.original_id == seen_before_closing[0]["id"]  # it took the place of "thinking…"
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage() or "Session is closed" in r.getMessage()]
