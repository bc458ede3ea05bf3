"""👍 / 👎 in the row of "More", and every question the bot answers or declines, kept for the
operator's report: the real client against the stand-in Discord, a real SQLite file read back
with `python -m bot feedback --json`."""

from __future__ import annotations

import sqlite3

from tests.discord.conftest import DiscordUser, buttons, embed_text, is_private, start_bot, stop_bot
from bot.feedback.report import NOT_SURE
from tests.feedback_report import feedback_report
from tests.standins.discord_server import EMBED_LINKS

UP, DOWN = "👍", "👎"
PRIMARY, SECONDARY = 1, 2


def rows(message) -> list[list[str]]:
    return [[b.get("label") for b in row["components"]] for row in message.get("components") or []]


def vote_looks(message) -> dict[str, int]:
    return {b["label"]: b["style"] for b in buttons(message) if b["label"].startswith((UP, DOWN))}


async def test_votes_are_shown_to_the_asker_in_place_and_others_hear_back_privately(discord_api, engine, feedback_db, ada):
    bob = DiscordUser(discord_api, "bob", "1300000000000000002", locale="zh-TW")
    client, task = await start_bot(discord_api, engine, feedback_db_path=feedback_db)
    try:
        answer = await ada.ask("What is Sora 2?")
        assert rows(answer)[-1] == ["More", UP, DOWN]
        assert all(len(row) <= 5 for row in rows(answer)) and len(rows(answer)) <= 5
        assert all(len(b["custom_id"]) <= 100 for b in buttons(answer) if "custom_id" in b)
        channel_messages = len(discord_api.channel_messages.get(discord_api.channel_id, []))

        shown = await ada.press(answer, UP)
        assert shown["id"] == answer["id"] and vote_looks(shown) == {"👍 ✓": PRIMARY, DOWN: SECONDARY}
        shown = await ada.press(discord_api.current(answer["id"]), DOWN)  # she changed her mind
        assert vote_looks(shown) == {UP: SECONDARY, "👎 ✓": PRIMARY}
        assert embed_text(shown) == embed_text(answer)  # the quotes stay as they were

        thanks = await bob.press(discord_api.current(answer["id"]), UP)
        assert is_private(thanks) and "謝謝，已記下你的 👍" in embed_text(thanks)
        assert vote_looks(discord_api.current(answer["id"])) == {UP: SECONDARY, "👎 ✓": PRIMARY}
        assert len(discord_api.channel_messages.get(discord_api.channel_id, [])) == channel_messages
    finally:
        await stop_bot(client, task)

    report = feedback_report(feedback_db)
    [day] = report["days"]
    assert (day["platform"], day["asked"], day["answered"], day["up"], day["down"]) == ("discord", 1, 1, 1, 1)
    [downvoted] = report["downvoted_answers"]
    assert downvoted["question"] == "What is Sora 2?" and (downvoted["down"], downvoted["up"]) == (1, 1)


async def test_mentions_dms_follow_ups_and_the_message_menu_are_recorded_and_declines_come_back_unanswered(
    discord_api, engine, feedback_db, ada
):
    client, task = await start_bot(discord_api, engine, feedback_db_path=feedback_db)
    try:
        await ada.write("How do I bake sourdough bread?", mention_bot=True)
        declined = (await discord_api.channel_reply(discord_api.channel_id))[0]
        assert not buttons(declined)
        asked = await ada.write("What is the Cameo feature?", dm=True)
        in_dm = (await discord_api.channel_reply(asked["channel_id"]))[0]
        assert [UP, DOWN] == [label for label in rows(in_dm)[-1] if label in (UP, DOWN)]
        await ada.reply(in_dm, "who can use it?")
        await discord_api.channel_reply(asked["channel_id"], count=2)
        target = discord_api.user_message("How tall is Mount Everest?", discord_api.user("1300000000000000009", "cy"))
        await discord_api.send_message(target)
        about = await ada.ask_about(target)
        assert not buttons(about)
        private = await ada.ask("What is Sora 2?", private=True)
        assert is_private(private) and UP in rows(private)[-1]
        shown = await ada.press(private, UP)
        assert is_private(shown) and "👍 ✓" in rows(shown)[-1]
    finally:
        await stop_bot(client, task)

    report = feedback_report(feedback_db)
    [day] = report["days"]
    # The follow-up may be answered "not sure" (uncertain): it is answered all the same.
    assert (day["asked"], day["declined"], day["answered"] + day["uncertain"], day["up"]) == (5, 2, 3, 1)
    assert {row["question"] for row in report["unanswered"] if row["why"] != NOT_SURE} == {
        "How do I bake sourdough bread?", "How tall is Mount Everest?"}


async def test_the_pages_of_more_keep_the_first_answers_votes(discord_api, engine, feedback_db, ada):
    client, task = await start_bot(discord_api, engine, feedback_db_path=feedback_db)
    try:
        first = await ada.ask("What is Sora 2?")
        await ada.press(first, UP)
        second = await ada.press(discord_api.current(first["id"]), "More")
        votes = {b["label"]: b["custom_id"] for b in buttons(second) if b["label"].startswith((UP, DOWN))}
        first_votes = {b["label"]: b["custom_id"] for b in buttons(first) if b["label"].startswith((UP, DOWN))}
        assert votes == {"👍 ✓": first_votes[UP], DOWN: first_votes[DOWN]}
    finally:
        await stop_bot(client, task)
    [day] = feedback_report(feedback_db)["days"]
    assert (day["asked"], day["up"]) == (1, 1)  # the second page is no new question


async def test_a_plain_text_answer_still_has_its_votes(discord_api, engine, feedback_db, ada):
    client, task = await start_bot(discord_api, engine, feedback_db_path=feedback_db)
    try:
        await discord_api.set_channel_overwrites([(discord_api.guild_id, 0, EMBED_LINKS)])
        await ada.write("What is the Cameo feature?", mention_bot=True)
        reply = (await discord_api.channel_reply(discord_api.channel_id))[0]
        assert not reply["embeds"] and rows(reply) == [[UP, DOWN]]
    finally:
        await stop_bot(client, task)


async def test_feedback_off_shows_no_votes_and_records_nothing(discord_api, engine, tmp_path, feedback_db, ada):
    client, task = await start_bot(discord_api, engine, feedback=False, feedback_db_path=feedback_db)
    try:
        answer = await ada.ask("What is Sora 2?")
        assert rows(answer)[-1] == ["More"]
    finally:
        await stop_bot(client, task)
    assert not list(tmp_path.rglob("*.sqlite3"))


async def test_a_bare_mention_gets_the_hint_and_is_not_recorded_as_a_question(discord_api, engine, feedback_db, ada):
    client, task = await start_bot(discord_api, engine, feedback_db_path=feedback_db)
    try:
        await ada.write("", mention_bot=True)  # "@Quotes", to see whether it is there
        hint = (await discord_api.channel_reply(discord_api.channel_id))[0]
        await ada.write("How do I bake sourdough bread?", mention_bot=True)
        await discord_api.channel_reply(discord_api.channel_id, count=2)
    finally:
        await stop_bot(client, task)

    assert "question" in embed_text(hint).lower()
    report = feedback_report(feedback_db)
    assert [row["question"] for row in report["unanswered"]] == ["How do I bake sourdough bread?"]
    assert report["days"][0]["asked"] == 1


async def test_names_in_a_question_are_stored_as_placeholders_never_as_names(discord_api, engine, feedback_db, ada):
    zoe = discord_api.user("1300000000000000007", "Zoe Smith")
    client, task = await start_bot(discord_api, engine, feedback_db_path=feedback_db)
    try:
        await ada.write(f"<@{zoe['id']}> says what about the Cameo feature?", mention_bot=True, mentions=[zoe])
        reply = (await discord_api.channel_reply(discord_api.channel_id))[0]
        await ada.ask(f"is <@{zoe['id']}> right about the Cameo feature?")
    finally:
        await stop_bot(client, task)

    assert "@Zoe Smith" in embed_text(reply)  # the asker still sees the name
    stored = [question for (question,) in sqlite3.connect(feedback_db).execute("SELECT question FROM questions")]
    assert sorted(stored) == ["@user says what about the Cameo feature?", "is @user right about the Cameo feature?"]
    assert not any("Zoe" in question for question in stored)
