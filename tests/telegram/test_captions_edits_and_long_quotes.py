"""What Telegram users expect: a caption is a question, an edited question gets its answer
edited, long quotes fold away."""

from __future__ import annotations

from tests.standins.telegram_server import visible_text
from tests.telegram.conftest import REPLY_TIMEOUT

PHOTO = [{"file_id": "AgACAgIAAxkBAAE", "file_unique_id": "AQADb", "width": 1280, "height": 720}]
DOCUMENT = {"file_id": "BQACAgIAAxkBAAE", "file_unique_id": "AgADc", "file_name": "notes.pdf"}


async def test_a_photo_whose_caption_is_a_question_is_answered(bot, alice):
    reply = await alice.says(photo=PHOTO, caption="What is the cameo feature?")

    assert "<blockquote" in reply.html and "cameo" in reply.html.lower()


async def test_a_photo_without_a_caption_still_gets_the_text_hint(bot, alice):
    reply = await alice.says(photo=PHOTO)

    assert reply.text == "I can only read text: please type your question."


async def test_a_document_in_a_group_with_the_bot_mentioned_in_its_caption_is_answered(bot, alice, group):
    reply = await alice.says(document=DOCUMENT, caption="@SoraQuotesBot cameo feature", chat=group)

    assert "<blockquote" in reply.html


async def test_a_caption_starting_with_ask_for_another_bot_is_left_alone(bot, telegram, alice, group):
    alice.sends(photo=PHOTO, caption="/ask@SomeOtherBot cameo feature", chat=group)
    reply = await alice.says("/ask@SoraQuotesBot cameo feature", chat=group)

    assert [call.method for call in telegram.calls].count("sendMessage") == 1
    assert reply.html


async def test_an_edited_question_gets_its_answer_edited_in_place(bot, telegram, alice):
    question = alice.sends("how to bake bread")
    [first] = await alice.replies_to(question)
    assert "<blockquote" not in first.html

    telegram.edit_message(question, "cameo feature")
    [edit] = await telegram.wait_for(lambda call: call.method == "editMessageText", timeout=REPLY_TIMEOUT)

    assert edit.params["message_id"] == first.message["message_id"]
    assert "<blockquote" in edit.params["text"]
    assert [call.method for call in telegram.calls].count("sendMessage") == 1


async def test_an_edited_question_whose_answer_was_deleted_gets_a_new_answer(bot, telegram, alice):
    question = alice.sends("how to bake bread")
    [first] = await alice.replies_to(question)
    del telegram.messages[(alice.profile["id"], first.message["message_id"])]  # the user deleted it

    telegram.edit_message(question, "cameo feature")
    [_, second] = await alice.replies_to(question, count=2)

    assert "<blockquote" in second.html


async def test_an_edit_in_a_group_that_does_not_address_the_bot_is_left_alone(bot, telegram, alice, group):
    chatter = alice.sends("see you at the cinema", chat=group)
    telegram.edit_message(chatter, "see you at the cinema at eight")
    reply = await alice.says("/ask@SoraQuotesBot cameo feature", chat=group)

    assert [call.method for call in telegram.calls].count("sendMessage") == 1
    assert reply.html


async def test_long_quotes_fold_away_and_short_ones_stay_open(bot, alice):
    reply = await alice.says("What is Sora 2?")

    assert "<blockquote expandable>" in reply.html
    for quote in reply.html.split("<blockquote")[1:]:
        shown = visible_text(quote.split(">", 1)[1].split("</blockquote>")[0])
        assert quote.startswith(" expandable>") == (len(shown) > 240), shown
