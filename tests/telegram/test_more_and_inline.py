"""More results in place, even after a restart; inline mode in any chat."""

from __future__ import annotations

from tests.telegram.conftest import running_bot

MORE = "More ▸"


async def test_more_shows_the_next_results_in_the_same_message(bot, telegram, alice):
    first = await alice.says("cameo feature")
    assert list(first.buttons) == [MORE]
    assert len(first.buttons[MORE].encode()) <= 64

    pressed = await alice.presses(first, MORE)

    assert pressed.params.get("text") is None  # no alert: the spinner just stops
    edit = next(call for call in telegram.calls if call.method == "editMessageText")
    assert edit.params["message_id"] == first.message["message_id"]
    assert edit.params["text"] != first.html and "4. " in edit.result["text"]
    assert "<blockquote>" in edit.params["text"]
    assert edit.result["text"] == telegram.messages[(alice.profile["id"], first.message["message_id"])]["text"]


async def test_more_until_the_articles_run_out(bot, telegram, alice):
    reply = await alice.says("cameo feature")
    for _ in range(10):
        if MORE not in reply.buttons:
            break
        await alice.presses(reply, MORE)
        edit = [call for call in telegram.calls if call.method == "editMessageText"][-1]
        reply = type(reply)(edit, edit.result)
    assert MORE not in reply.buttons


async def test_more_keeps_working_after_a_restart(telegram, settings, engine, alice):
    async with running_bot(settings, engine):
        first = await alice.says("cameo feature")

    async with running_bot(settings, engine):
        await alice.presses(first, MORE)

    edit = next(call for call in telegram.calls if call.method == "editMessageText")
    assert "4. " in edit.result["text"]


async def test_a_more_button_whose_question_is_gone_says_plainly_it_has_expired(bot, telegram, alice):
    first = await alice.says("cameo feature")
    first.message.pop("reply_to_message")  # the question was deleted

    pressed = await alice.presses(first, MORE)

    assert pressed.params["text"] == "This button has expired: please ask your question again."
    assert pressed.params["show_alert"] is True
    assert not any(call.method == "editMessageText" for call in telegram.calls)


async def test_a_more_button_from_an_edited_question_has_expired(bot, telegram, alice):
    first = await alice.says("cameo feature")
    first.message["reply_to_message"]["text"] = "something else entirely"

    pressed = await alice.presses(first, MORE)

    assert "expired" in pressed.params["text"]


async def test_an_unknown_button_has_expired(bot, telegram, alice):
    reply = await alice.says("cameo feature")
    reply.call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = "page:2"

    pressed = await alice.presses(reply, MORE)

    assert "expired" in pressed.params["text"]


async def test_inline_mode_offers_the_top_excerpts_with_their_links(bot, alice):
    results = await alice.types_inline("cameo feature")

    assert 1 <= len(results) <= 3
    for result in results:
        assert result["type"] == "article"
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert content["message_text"].startswith("<blockquote>")
        assert '<a href="http' in content["message_text"]
        assert content["link_preview_options"] == {"is_disabled": True}
        assert result["title"] and result["description"]


async def test_inline_mode_says_when_the_articles_hold_no_answer(bot, alice):
    results = await alice.types_inline("sourdough bread recipe")

    assert [r["title"] for r in results] == ["Not in the articles"]
    assert "<blockquote>" not in results[0]["input_message_content"]["message_text"]


async def test_an_empty_inline_query_offers_help(bot, alice):
    assert await alice.types_inline("   ") == []


async def test_the_empty_inline_query_button_is_in_each_users_own_language(bot, alice, mei):
    english = await alice.sees_inline("")
    chinese = await mei.sees_inline("")  # Telegram caches answers that are not personal

    assert english["button"]["text"] == "How to ask"
    assert chinese["button"]["text"] == "如何提問"
