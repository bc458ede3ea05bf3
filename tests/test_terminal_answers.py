"""What `python -m bot ask` prints for each kind of answer: confident, not sure, declined, in
English and both Chinese scripts; an article given as the answer; code; a quote without a link."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.cli.terminal import render_answer, render_sources
from bot.cli.terminal_layout import TerminalStyle
from retrieval import Answer
from tests.crafted_answers import (
    CONFIDENT,
    NOT_SURE,
    BOOK_CHAPTER,
    MUTEX_CODE,
    NEWS_ARTICLE,
    code_hit,
    confident,
    declined,
    details_hit,
    located_hit,
    not_sure,
    quote_for,
    quote_hit,
)
from tests.test_cli import run_bot

SORRY = {"en": "the articles I know don't answer that", "zh-Hant": "文章沒有回答這個問題", "zh-Hans": "文章没有回答这个问题"}


@pytest.mark.parametrize("lang", NOT_SURE)
def test_a_confident_answer_is_just_the_quotes(lang):
    screen = render_answer(confident(CONFIDENT[lang], lang, quote_for(lang)))

    assert screen.startswith("1. “")
    assert NOT_SURE[lang] not in screen
    assert quote_for(lang).excerpt in screen


@pytest.mark.parametrize("lang", NOT_SURE)
def test_an_answer_the_engine_is_not_sure_of_says_so_before_the_closest_quotes(lang):
    screen = render_answer(not_sure(CONFIDENT[lang], lang, quote_for(lang)))

    intro, blank, quote = screen.splitlines()[:3]
    assert (intro, blank) == (NOT_SURE[lang], "")
    assert quote.startswith("1. “") and quote_for(lang).excerpt in quote


def test_the_not_sure_line_wraps_with_the_window_like_the_quotes():
    screen = render_answer(not_sure("q", "en", quote_for("en")), TerminalStyle(width=30))

    intro = screen.split("\n\n")[0].splitlines()
    assert len(intro) > 1 and all(len(line) <= 30 for line in intro)
    assert " ".join(intro) == NOT_SURE["en"]


@pytest.mark.parametrize("lang", NOT_SURE)
def test_a_declined_question_says_so_in_its_language(lang):
    screen = render_answer(declined(CONFIDENT[lang], lang))

    assert SORRY[lang] in screen and NOT_SURE[lang] not in screen
    assert screen.endswith("(python -m bot sources)")


def test_a_quote_from_a_local_file_says_its_section_and_where_it_stands():
    screen = render_answer(confident("What is a mutex?", "en", located_hit(line=42)))

    quote, source, place = screen.splitlines()
    assert quote.startswith("1. “Mutex is an abbreviation")
    # The chapter's title is its first heading: said once, then the section the quote is in.
    assert source == "   — Fearless Concurrency › Shared-State Concurrency"
    assert place == "   src/ch16-03-shared-state.md:42"


def test_without_a_location_the_file_or_else_the_id_says_where():
    no_location = replace(located_hit(), location=None)
    assert render_answer(confident("q", "en", no_location)).splitlines()[-1] == f"   {BOOK_CHAPTER.path}"
    no_path = replace(no_location, article=replace(BOOK_CHAPTER, path=""))
    assert render_answer(confident("q", "en", no_path)).splitlines()[-1] == f"   {BOOK_CHAPTER.id}"


def test_a_quote_with_a_link_shows_the_link_not_the_location():
    screen = render_answer(confident("q", "en", quote_hit()))

    assert screen.splitlines()[-1] == "   https://example.org/sora-2-release#:~:text=Cameo"


@pytest.mark.parametrize("width", [None, 24])
def test_code_is_shown_line_by_line_never_rewrapped(width):
    screen = render_answer(confident("How do I make a Mutex?", "en", code_hit()), TerminalStyle(width=width))

    lines = screen.splitlines()
    assert lines[0] == "1."
    assert lines[1:7] == [("   " + line).rstrip() for line in MUTEX_CODE.split("\n")]  # wider than 24: kept whole
    assert lines[7].startswith("   — Fearless")
    assert "“" not in screen  # code is no prose quote


def test_a_question_about_the_article_shows_the_article_and_its_details_line():
    screen = render_answer(confident("Who wrote the Node Finance piece?", "en", details_hit()))

    heading, details, link = screen.splitlines()
    assert heading == "1. Article: Sora 2 Release: Tool, Toy, or Industry Disruptor? · Node Finance · Er Feng · 2025-10-09"
    assert details == "   10/09 2025 · By Er Feng · Source: Node Finance"
    assert link == "   https://example.org/sora-2-release"
    assert "“" not in screen


def test_a_long_question_says_it_was_cut():
    screen = render_answer(Answer("q" * 1000, True, "en", (quote_hit(),), truncated=True))

    assert screen.splitlines()[0] == "(Your question was long: I read 1000 characters of it.)"
    assert screen.splitlines()[1].startswith("1. “")


def test_a_local_collection_without_links_says_where_each_quote_is(tmp_path):
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "cameo.md").write_text("---\nid: cameo\ntitle: Notes on Cameo\n---\n"
                                     "Cameo lets people appear in videos after one recording.\n", encoding="utf-8")

    result = run_bot("ask", "What does Cameo let people do?", "--corpus", str(corpus), cache=tmp_path / "cache",
                     env={"SEMANTIC": "off"})

    lines = result.stdout.splitlines()
    assert lines[0].startswith("1. “Cameo lets people appear")
    assert lines[1] == "   — Notes on Cameo"
    assert lines[2].strip() in ("cameo.md", "cameo.md:5", "cameo")  # the file (and line) or, at least, its id


def test_sources_name_the_file_of_an_article_without_a_link():
    listing = render_sources((NEWS_ARTICLE, BOOK_CHAPTER)).splitlines()

    assert listing == ["1. Sora 2 Release: Tool, Toy, or Industry Disruptor? · Node Finance · 2025-10-09",
                       "   https://example.org/sora-2-release",
                       "2. Fearless Concurrency",
                       "   src/ch16-03-shared-state.md"]
