"""👍 / 👎 under answers, and every question the bot answers or declines, kept for the operator's
report: the real bot long polling the stand-in, a real SQLite file read back with
`python -m bot feedback --json`."""

from __future__ import annotations

import sqlite3

from bot.telegram_bot.question_journal import QuestionJournal
from bot.telegram_bot.state_database import FILE_NAME as STATE_FILE_NAME
from bot.telegram_bot.state_database import SQLiteState
from tests.feedback_report import feedback_report
from tests.telegram.conftest import REPLY_TIMEOUT, running_bot

UP, DOWN, MORE = "👍", "👎", "More ▸"


def keyboard_now(telegram, chat_id: int, message_id: int) -> list[str]:
    """The labels under the bot's message as users see it now, after any edits."""
    markup = telegram.messages[(chat_id, message_id)].get("reply_markup") or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


async def test_a_vote_is_recorded_shown_and_can_be_changed(telegram, settings, engine, feedback_db, alice):
    async with running_bot(settings, engine):
        answer = await alice.says("What is Sora 2?")
        assert list(answer.buttons)[:2] == [UP, DOWN]
        assert all(len(data.encode()) <= 64 for data in answer.buttons.values())
        chat, message_id = alice.profile["id"], answer.message["message_id"]

        toast = await alice.presses(answer, UP)
        assert toast.params["text"] == "Thanks — your 👍 is recorded"
        assert toast.params.get("show_alert") in (None, False)
        assert keyboard_now(telegram, chat, message_id)[:2] == ["👍 ✓", DOWN]

        toast = await alice.presses(answer, DOWN)  # changed her mind
        assert toast.params["text"] == "Thanks — your 👎 is recorded"
        assert keyboard_now(telegram, chat, message_id)[:2] == [UP, "👎 ✓"]
        assert not [call for call in telegram.calls if call.method == "sendMessage" and call.params["text"].startswith("Thanks")]

    report = feedback_report(feedback_db)
    [day] = report["days"]
    assert (day["platform"], day["asked"], day["answered"], day["up"], day["down"]) == ("telegram", 1, 1, 0, 1)
    [downvoted] = report["downvoted_answers"]
    assert downvoted["question"] == "What is Sora 2?" and downvoted["down"] == 1 and downvoted["up"] == 0


async def test_a_declined_question_shows_up_as_unanswered_without_buttons(telegram, settings, engine, feedback_db, alice, group):
    async with running_bot(settings, engine):
        declined = await alice.says("How do I bake sourdough bread?")
        assert declined.buttons == {}
        greeting = await alice.says("hi")
        assert greeting.buttons == {}
        in_group = await alice.says("/ask How tall is Mount Everest?", chat=group)
        assert in_group.buttons == {}

    report = feedback_report(feedback_db)
    [day] = report["days"]
    assert (day["asked"], day["declined"], day["small_talk"], day["answered"]) == (3, 2, 1, 0)
    unanswered = {row["question"]: row for row in report["unanswered"]}
    assert set(unanswered) == {"How do I bake sourdough bread?", "How tall is Mount Everest?"}
    assert all(row["why"] and not row["downvoted"] for row in unanswered.values())


async def test_in_a_group_each_voter_hears_back_privately_and_the_keyboard_stays_neutral(
    telegram, settings, engine, feedback_db, alice, mei, group
):
    async with running_bot(settings, engine):
        answer = await alice.says("/ask What is the Cameo feature?", chat=group)
        before = keyboard_now(telegram, group["id"], answer.message["message_id"])

        assert (await alice.presses(answer, UP)).params["text"] == "Thanks — your 👍 is recorded"
        assert (await mei.presses(answer, DOWN)).params["text"] == "謝謝，已記下你的 👎"

        assert keyboard_now(telegram, group["id"], answer.message["message_id"]) == before
        assert not [call for call in telegram.calls if call.method == "editMessageReplyMarkup"]

    [day] = feedback_report(feedback_db)["days"]
    assert (day["asked"], day["up"], day["down"]) == (1, 1, 1)


async def test_the_pages_of_more_keep_the_first_answers_votes(telegram, settings, engine, feedback_db, alice):
    async with running_bot(settings, engine):
        first = await alice.says("cameo feature")
        assert list(first.buttons) == [UP, DOWN, MORE]
        await alice.presses(first, UP)
        await alice.presses(first, MORE)
        page = telegram.messages[(alice.profile["id"], first.message["message_id"])]
        buttons = {b["text"]: b["callback_data"] for row in page["reply_markup"]["inline_keyboard"] for b in row}
        assert buttons["👍 ✓"] == first.buttons[UP] and buttons[DOWN] == first.buttons[DOWN]

    [day] = feedback_report(feedback_db)["days"]
    assert (day["asked"], day["up"]) == (1, 1)  # the second page is no new question


async def test_feedback_off_shows_no_buttons_and_records_nothing(telegram, settings, engine, tmp_path, alice):
    off = settings.model_copy(update={"feedback": False})
    async with running_bot(off, engine):
        answer = await alice.says("cameo feature")
        assert list(answer.buttons) == [MORE]
    assert not settings.feedback_db_path.exists()
    # Only the bot's working state (questions not yet answered: none left) is on disk.
    assert [path.name for path in tmp_path.rglob("*.sqlite3")] == [STATE_FILE_NAME]
    assert QuestionJournal(SQLiteState(tmp_path / STATE_FILE_NAME), "reader").waiting() == []


async def test_a_locked_database_never_holds_up_an_answer(telegram, settings, engine, feedback_db, alice):
    async with running_bot(settings, engine):
        await alice.says("hi")  # the database exists
        holder = sqlite3.connect(feedback_db, timeout=REPLY_TIMEOUT)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the file
        try:
            answer = await alice.says("What is Sora 2?")
            assert "Sora" in answer.text and UP in answer.buttons
            toast = await alice.presses(answer, UP)
            assert toast.params["text"] == "Thanks — your 👍 is recorded"
        finally:
            holder.rollback()
            holder.close()
    report = feedback_report(feedback_db)
    assert report["days"][0]["asked"] >= 1  # what was queued while locked is written once the lock goes


async def test_a_quote_sent_from_inline_mode_gets_votes_and_only_its_question_is_recorded(
    telegram, settings, engine, feedback_db, alice, mei
):
    telegram.inline_feedback = True  # /setinlinefeedback in @BotFather
    async with running_bot(settings, engine):
        for typed in ("Wh", "What is", "What is Sora 2?"):  # typed letter by letter
            await alice.types_inline(typed)
        query_id = telegram.inline_query(alice.profile, "What is Sora 2?")
        results = (await telegram.inline_answer(query_id, timeout=REPLY_TIMEOUT))["results"]

        sent = telegram.choose_inline_result(alice.profile, query_id, results[1]["id"])
        await telegram.wait_for(
            lambda call: call.method == "editMessageReplyMarkup" and call.params.get("inline_message_id") == sent,
            timeout=REPLY_TIMEOUT,
        )
        buttons = {b["text"]: b.get("callback_data") for row in telegram.inline_messages[sent]["reply_markup"]["inline_keyboard"] for b in row}
        assert list(buttons) == ["Source ↗", UP, DOWN]

        query = telegram.press_inline_button(mei.profile, sent, buttons[DOWN])  # someone in that chat
        [toast] = await telegram.wait_for(
            lambda call: call.method == "answerCallbackQuery" and call.params["callback_query_id"] == query,
            timeout=REPLY_TIMEOUT,
        )
        assert toast.params["text"] == "謝謝，已記下你的 👎"

    report = feedback_report(feedback_db)
    [day] = report["days"]
    assert (day["asked"], day["answered"], day["down"]) == (1, 1, 1)  # not the letters typed on the way
    [downvoted] = report["downvoted_answers"]
    assert downvoted["question"] == "What is Sora 2?"
    assert results[1]["title"].startswith(downvoted["article_title"][:20])  # the quote sent, not the first one


async def test_without_inline_feedback_inline_mode_records_nothing(telegram, settings, engine, feedback_db, alice):
    async with running_bot(settings, engine):
        query_id = telegram.inline_query(alice.profile, "What is Sora 2?")
        results = (await telegram.inline_answer(query_id, timeout=REPLY_TIMEOUT))["results"]
        sent = telegram.choose_inline_result(alice.profile, query_id, results[0]["id"])
        labels = [b["text"] for row in telegram.inline_messages[sent]["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["Source ↗"]  # a link to the source, and no votes without a recorded question
        await alice.says("hi")
    assert feedback_report(feedback_db)["days"][0]["asked"] == 1  # "hi", and nothing from inline mode
