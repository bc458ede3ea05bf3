"""The "More" button: the next results, even after the bot restarted; a plain note once it expired."""

from __future__ import annotations

import copy
import re

from tests.discord.conftest import buttons, embed_text, is_private, start_bot, stop_bot


def quoted_sources(message):
    return [line for line in message["embeds"][0]["description"].splitlines() if line.startswith("**")]


async def test_more_shows_the_next_results_numbered_on(bot, ada):
    first = await ada.ask("What is Sora 2?")
    more = next(b for b in buttons(first) if b.get("label") == "More")
    assert len(more["custom_id"]) <= 100

    second = await ada.press(first, "More")

    assert [line[:6] for line in quoted_sources(first)] == ["**1.**", "**2.**", "**3.**"]
    assert quoted_sources(second)[0].startswith("**4.**")
    assert quoted_sources(second) != quoted_sources(first)
    assert second["embeds"][0]["footer"]["text"] == "❓ What is Sora 2?"


async def test_more_on_a_private_reply_stays_private(bot, ada):
    first = await ada.ask("What is Sora 2?", private=True)
    second = await ada.press(first, "More")
    assert is_private(second)


async def test_more_still_works_after_the_bot_restarts(discord_api, engine, ada):
    client, task = await start_bot(discord_api, engine)
    first = await ada.ask("What is Sora 2?")
    await stop_bot(client, task)

    client, task = await start_bot(discord_api, engine)
    try:
        second = await ada.press(first, "More")
    finally:
        await stop_bot(client, task)
    assert quoted_sources(second)[0].startswith("**4.**")


async def test_a_more_button_whose_question_is_gone_says_plainly_that_it_expired(bot, ada):
    first = await ada.ask("What is Sora 2?")
    edited = copy.deepcopy(first)
    edited["embeds"][0]["footer"]["text"] = "❓ something else"

    reply = await ada.press(edited, "More")

    assert is_private(reply)
    assert "expired" in embed_text(reply) and "ask your question again" in embed_text(reply)


async def test_pressing_more_until_the_end_says_that_is_all(bot, ada):
    reply = await ada.ask("Cameo consent")
    for _ in range(30):
        if not any(b.get("label") == "More" for b in buttons(reply)):
            break
        reply = await ada.press(reply, "More")
    assert not any(b.get("label") == "More" for b in buttons(reply))


async def test_the_askers_more_turns_the_page_in_place_showing_where_it_is(bot, discord_api, ada):
    first = await ada.ask("What is the Cameo feature?")
    posted = len(discord_api.message_bodies())

    second = await ada.press(first, "More")

    assert second["id"] == first["id"]  # the same message, edited: no new public post
    position = discord_api.current(first["id"])["embeds"][0]["author"]["name"]
    assert re.fullmatch(r"Results 4–6 of ([6-9]|[1-9][0-9])", position), position
    assert quoted_sources(second)[0].startswith("**4.**")
    assert not [body for call, body in discord_api.message_bodies()[posted:] if call.method == "POST"
                and "/webhooks/" in call.path]


async def test_someone_elses_more_shows_them_the_next_page_privately(bot, discord_api, ada):
    from tests.discord.conftest import DiscordUser

    first = await ada.ask("What is the Cameo feature?")
    bob = DiscordUser(discord_api, "bob", "1300000000000000002")

    theirs = await bob.press(first, "More")

    assert is_private(theirs) and theirs["id"] != first["id"]
    assert quoted_sources(theirs)[0].startswith("**4.**")
    assert discord_api.current(first["id"])["embeds"] == first["embeds"]  # the asker's page unchanged


async def test_the_last_page_says_how_many_results_there_were(bot, discord_api, ada):
    reply = await ada.ask("Cameo consent")
    while any(b.get("label") == "More" for b in buttons(reply)):
        reply = await ada.press(reply, "More")
    assert " of " in reply["embeds"][0]["author"]["name"]


async def test_more_on_an_answer_older_than_its_interaction_token_still_turns_the_page(bot, discord_api, ada):
    record = await ada.use("ask", question="What is the Cameo feature?")
    first = (await discord_api.reply_to(record))[0]
    discord_api.age_interaction(record, 20 * 60)  # the /ask token expired 5 minutes ago

    second = await ada.press(first, "More")

    assert second["id"] == first["id"] and quoted_sources(second)[0].startswith("**4.**")


async def test_a_page_that_fails_to_turn_keeps_the_answer_and_apologises_privately(bot, ada, discord_api, monkeypatch):
    first = await ada.ask("What is Sora 2?")

    async def engine_fails(question, offset=0):
        raise RuntimeError("the index is unreadable")

    monkeypatch.setattr(bot, "answer", engine_fails)
    reply = await ada.press(first, "More")

    assert is_private(reply) and "something went wrong" in reply["content"]
    assert first["id"] in discord_api.messages_by_id  # the answer is still there


async def test_a_more_button_past_the_last_result_keeps_the_answer_and_says_so_privately(bot, discord_api, ada):
    first = await ada.ask("What is the Cameo feature?")
    stale = copy.deepcopy(first)  # as a More button reads after the articles shrank
    more = next(b for b in buttons(stale) if b.get("label") == "More")
    more["custom_id"] = "more:900:" + more["custom_id"].split(":", 2)[2]

    reply = await ada.press(stale, "More")

    assert is_private(reply) and "That was everything the articles hold." in reply["content"]
    assert discord_api.current(first["id"])["embeds"] == first["embeds"]
    assert discord_api.current(first["id"])["components"] == first["components"]  # 👍 / 👎 still there
