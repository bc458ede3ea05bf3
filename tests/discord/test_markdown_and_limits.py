"""Text from users and articles is shown literally, and every reply fits Discord's limits."""

from __future__ import annotations

import re

from hypothesis import assume, given, settings, strategies as st

from bot.discord_bot.markdown import emphasize, escape_text, link
from bot.discord_bot.render import render_discord_reply, render_sources
from retrieval import Answer, ArticleInfo, Hit
from tests.standins.discord_server import problems_with_message

SPECIAL = set("\\*_~|`[]<>#")


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL).replace("@\u200b", "@")


def unescaped_specials(text: str) -> list[str]:
    found, index = [], 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] in SPECIAL:
            found.append(text[index])
        index += 1
    return found


def test_markdown_and_masked_links_are_escaped():
    escaped = escape_text("**bold** ||spoiler|| `code` [click](https://evil.example) <@123> # title")
    assert escaped == r"\*\*bold\*\* \|\|spoiler\|\| \`code\` \[click\](https://evil.example) \<@123\> \# title"


def test_lists_and_mass_mentions_are_made_inert():
    assert escape_text("- one\n1. two\n@everyone @here") == "\\- one\n1\\. two\n@\u200beveryone @\u200bhere"


@given(st.text(max_size=300))
def test_any_text_escapes_to_itself_with_no_live_markdown(text):
    # The escape makes "@everyone" inert with a zero-width space; text already holding "@" and a
    # zero-width space cannot be told apart from that once escaped, and needs no escaping.
    assume("@\u200b" not in text)
    escaped = escape_text(text)
    assert unescaped_specials(escaped) == []
    assert unescape(escaped) == text


@given(st.text(min_size=1, max_size=200), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=6))
def test_bold_terms_never_break_the_excerpt(text, spans):
    spans = tuple((min(a, b), max(a, b)) for a, b in spans)
    shown = emphasize(text, spans)
    assert unescape(shown.replace("**", "")) == text
    assert shown.count("**") % 2 == 0


def test_a_title_becomes_a_link_only_to_a_web_address():
    assert link("A [b]", "https://x.example/a b(c)") == r"[A \[b\]](https://x.example/a%20b%28c%29)"
    assert link("A", "javascript:alert(1)") == "A"
    assert link("A", None) == "A"


articles = st.builds(
    ArticleInfo,
    id=st.text(min_size=1, max_size=5),
    title=st.text(max_size=400),
    publisher=st.text(max_size=300),
    author=st.text(max_size=50),
    published=st.text(max_size=20),
    lang=st.sampled_from(["en", "zh-Hant", "zh-Hans"]),
    url=st.one_of(st.none(), st.text(max_size=700).map(lambda path: "https://example.org/" + path)),
)
hits = st.builds(
    Hit,
    article=articles,
    excerpt=st.text(min_size=1, max_size=300),
    highlights=st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)).map(sorted).map(tuple), max_size=20).map(tuple),
    score=st.floats(0, 100),
    quote_url=st.one_of(st.none(), st.text(max_size=900).map(lambda text: "https://example.org/#:~:text=" + text)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(hits, max_size=10), st.text(max_size=1000), st.booleans(), st.booleans(), st.integers(0, 50))
def test_every_answer_renders_within_discords_limits(hit_list, question, has_more, truncated, offset):
    answer = Answer(question, bool(hit_list), "en", tuple(hit_list), offset, has_more, truncated)
    embed, view = render_discord_reply(answer)
    body = {"embeds": [embed.to_dict()], "components": view.to_components() if view else []}
    assert problems_with_message(body) == []
    if hit_list:
        assert embed.description.count("\n> ") + embed.description.startswith("> ") >= 1


@settings(max_examples=30, deadline=None)
@given(st.lists(articles, max_size=60))
def test_any_list_of_sources_fits_in_embeds_within_the_limits(article_list):
    for embed in render_sources(tuple(article_list)):
        assert problems_with_message({"embeds": [embed.to_dict()]}) == []
