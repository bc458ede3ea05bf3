"""More results in place, even after a restart; inline mode in any chat."""

from __future__ import annotations

import re

from tests.telegram.conftest import Reply, running_bot

MORE = "More ▸"
PREV = "◂ Prev"


async def test_more_shows_the_next_results_in_the_same_message(bot, telegram, alice):
    first = await alice.says("cameo feature")
    assert list(first.buttons) == ["👍", "👎", MORE]
    assert len(first.buttons[MORE].encode()) <= 64

    pressed = await alice.presses(first, MORE)

    assert pressed.params.get("text") is None  # no alert: the spinner just stops
    edit = next(call for call in telegram.calls if call.method == "editMessageText")
    assert edit.params["message_id"] == first.message["message_id"]
    assert edit.params["text"] != first.html and "4. " in edit.result["text"]
    assert "<blockquote" in edit.params["text"]
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
    reply.call.params["reply_markup"]["inline_keyboard"][0][-1]["callback_data"] = "page:2"  # More, from another version

    pressed = await alice.presses(reply, MORE)

    assert "expired" in pressed.params["text"]


async def test_inline_mode_offers_a_page_of_excerpts_with_their_links(bot, alice):
    results = await alice.types_inline("cameo feature")

    assert 3 < len(results) <= 10
    for result in results:
        assert result["type"] == "article"
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert re.match(r"(<i>[^<]+</i>\n\n)?<blockquote", content["message_text"])  # (after the not-sure line)
        assert '<a href="http' in content["message_text"]
        assert content["link_preview_options"] == {"is_disabled": True}
        assert result["title"] and result["description"]


async def test_inline_mode_says_when_the_articles_hold_no_answer(bot, alice):
    results = await alice.types_inline("sourdough bread recipe")

    assert [r["title"] for r in results] == ["Not in the articles"]
    assert "<blockquote" not in results[0]["input_message_content"]["message_text"]


async def test_an_empty_inline_query_offers_help(bot, alice):
    assert await alice.types_inline("   ") == []


async def test_the_empty_inline_query_button_is_in_each_users_own_language(bot, alice, mei):
    english = await alice.sees_inline("")
    chinese = await mei.sees_inline("")  # Telegram caches answers that are not personal

    assert english["button"]["text"] == "How to ask"
    assert chinese["button"]["text"] == "如何提問"


async def test_inline_results_have_distinct_titles_and_scroll_to_the_next_page(bot, alice):
    first = await alice.sees_inline("sora")
    titles = [result["title"] for result in first["results"]]

    assert len(set(titles)) == len(titles)
    assert all(" — “" in title for title in titles)
    assert first["next_offset"] == str(len(titles))
    following = await alice.sees_inline("sora", offset=first["next_offset"])
    assert following["results"]
    assert not {r["id"] for r in following["results"]} & {r["id"] for r in first["results"]}


async def test_more_says_where_you_are_and_prev_goes_back(bot, telegram, alice):
    first = await alice.says("cameo feature")

    await alice.presses(first, MORE)
    second = _last_edit(telegram)
    assert re.search(r"4–6 of \d+", second.text)
    assert list(second.buttons) == ["👍", "👎", PREV, MORE]

    await alice.presses(second, PREV)
    back = _last_edit(telegram)
    assert re.search(r"1–3 of \d+", back.text) and "1. " in back.text
    assert list(back.buttons) == ["👍", "👎", MORE]


async def test_the_last_page_says_it_is_the_last(bot, telegram, alice):
    reply = await alice.says("cameo feature")
    while MORE in reply.buttons:
        await alice.presses(reply, MORE)
        reply = _last_edit(telegram)

    assert reply.text.endswith("· that's all")
    assert list(reply.buttons) == ["👍", "👎", PREV]


async def test_the_last_page_of_more_than_thirty_hits_says_it_is_the_last(bot, telegram, alice):
    reply = await alice.says("sora")
    while MORE in reply.buttons:
        await alice.presses(reply, MORE)
        reply = _last_edit(telegram)

    assert "of 30+" in reply.text
    assert reply.text.endswith("· that's all")


def _last_edit(telegram) -> Reply:
    edit = [call for call in telegram.calls if call.method == "editMessageText"][-1]
    return Reply(edit, edit.result)


async def test_scrolling_inline_results_ends_after_the_last_page_instead_of_starting_over(bot, alice):
    # As clients do: ask again with whatever next_offset Telegram passed on, until there is none.
    for question in ("cameo feature", "🤔"):
        seen, offset = [], ""
        for _ in range(20):
            shown = await alice.sees_inline(question, offset=offset)
            seen += [result["id"] for result in shown["results"]]
            offset = shown.get("next_offset") or ""
            if not offset:
                break
        assert not offset, f"{question!r} still offers a next page after twenty"
        assert len(seen) == len(set(seen)), f"{question!r} served a page twice"


async def test_more_under_a_follow_up_turns_the_pages_of_the_follow_up(bot, telegram, engine, alice):
    first = await alice.says("How many downloads did the app get?")
    follow_up = await alice.says("and in China?", reply_to=first.message)

    await alice.presses(follow_up, MORE)

    page = _last_edit(telegram)
    expected = engine.answer_page("and in China?", 3, 3, earlier="How many downloads did the app get?")
    alone = engine.answer_page("and in China?", 3, 3)
    assert re.search(r"4–6 of \d+", page.text)
    assert expected.hits[0].excerpt[:40] in page.text
    assert alone.hits[0].excerpt[:40] not in page.text
