"""Follow-up questions in the core: which questions lean on the earlier one, and the answer."""

from __future__ import annotations

import pytest

from retrieval.answering.follow_up import is_follow_up, question_to_search

EARLIER = "How many downloads did the app get?"


@pytest.mark.parametrize("question", [
    "and in China?", "And in China", "what about Europe?", "How about the price?", "in China?", "China?",
    "Who made it?", "How much does it cost?", "那中国呢？", "中國呢", "还有价格？", "它是谁开发的？",
])
def test_questions_that_lean_on_the_earlier_one_are_follow_ups(question):
    assert is_follow_up(question)


@pytest.mark.parametrize("question", [
    "What is the Cameo feature?", "Who made Sora?", "How many downloads did the app get?",
    "Sora app invitation codes on eBay", "Cameo 功能是什么？", "", "   ", "👍",
])
def test_questions_that_stand_on_their_own_are_not(question):
    assert not is_follow_up(question)


def test_a_follow_up_is_searched_with_the_earlier_question_and_a_new_question_alone():
    assert question_to_search("and in China?", EARLIER) == f"{EARLIER} and in China?"
    assert question_to_search("What is the Cameo feature?", EARLIER) == "What is the Cameo feature?"
    assert question_to_search("and in China?", None) == "and in China?"
    assert question_to_search("and in China?", "  ") == "and in China?"


def test_and_in_china_after_the_downloads_question_is_answered_about_downloads(engine):
    alone = engine.answer("and in China?")
    follow_up = engine.answer("and in China?", earlier=EARLIER)

    assert follow_up.answered
    assert follow_up.question == f"{EARLIER} and in China?"
    assert all("download" in hit.excerpt.lower() for hit in follow_up.hits)
    assert not any("download" in hit.excerpt.lower() for hit in alone.hits)


def test_a_new_question_in_reply_to_an_answer_is_answered_as_if_asked_alone(engine):
    assert engine.answer("What is the Cameo feature?", earlier=EARLIER) == engine.answer("What is the Cameo feature?")
