"""The journal of questions handed over by Telegram and not answered yet."""

from __future__ import annotations

from bot.telegram_bot.question_journal import QuestionJournal, carries_question


def test_a_question_waits_until_it_is_handled_and_survives_reopening(tmp_path):
    journal = QuestionJournal(tmp_path / "data" / "journal.sqlite3")
    assert journal.add(7, {"update_id": 7, "message": {"text": "cameo?"}})
    assert journal.add(8, {"update_id": 8, "message": {"text": "downloads?"}})
    journal.done(7)
    journal.close()

    reopened = QuestionJournal(tmp_path / "data" / "journal.sqlite3")
    assert reopened.waiting() == [{"update_id": 8, "message": {"text": "downloads?"}}]


def test_an_update_handed_out_again_is_not_taken_twice(tmp_path):
    journal = QuestionJournal(tmp_path / "journal.sqlite3")
    journal.add(7, {"update_id": 7, "message": {}})

    assert not journal.add(7, {"update_id": 7, "message": {}})  # still in hand
    journal.done(7)
    assert not journal.add(7, {"update_id": 7, "message": {}})  # answered already
    assert journal.waiting() == []


def test_only_messages_and_edits_are_kept():
    assert carries_question({"update_id": 1, "message": {}})
    assert carries_question({"update_id": 2, "edited_message": {}})
    assert not carries_question({"update_id": 3, "callback_query": {}})
    assert not carries_question({"update_id": 4, "inline_query": {}})
