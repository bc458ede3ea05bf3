"""Answers, the list of sources and the help, as Discord embeds and buttons within Discord's limits."""

from __future__ import annotations

import re

import discord

from bot.discord_bot.markdown import code_block, emphasize, escape_text, inline_code, link, quote_block, web_url
from bot.discord_bot.more_button import MoreButton, question_check, question_footer
from bot.discord_bot.vote_buttons import VoteButton, vote_buttons
from bot.feedback.vote_data import Vote
from bot.discord_bot.wording import (
    help_lines,
    help_title,
    more_label,
    page_position,
    no_sources,
    see_sources,
    sources_heading,
)
from bot.runtime.messages import (
    article_label,
    empty_question,
    no_more_results,
    not_in_articles,
    not_sure_intro,
    question_truncated,
    small_talk_reply,
)
from bot.runtime.quote_source import article_facts, article_file, code_lines, hit_link, place_without_link, section_headings
from retrieval import Answer, ArticleInfo, Hit
from retrieval.engine import MAX_QUESTION_CHARS

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FIELDS_LIMIT = 25
EMBED_FOOTER_LIMIT = 2048
EMBED_AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
BUTTONS_PER_ROW = 5
ROWS_PER_MESSAGE = 5
BUTTON_LABEL_LIMIT = 80
BUTTON_URL_LIMIT = 512
CUSTOM_ID_LIMIT = 100
# Our own choice: two rows of source links at most, then a row of "More", 👍 and 👎.
SOURCE_BUTTONS_LIMIT = 2 * BUTTONS_PER_ROW
# Our own choice: quoted code longer than this loses whole lines from its end (marked "…"), so a
# code quote with its source still fits a plain-text reply (CONTENT_LIMIT) beside the question.
CODE_BLOCK_CHARS = 1000
CODE_CUT_MARK = "…"

EMBED_COLOUR = discord.Colour.from_rgb(88, 101, 242)
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def render_discord_reply(answer: Answer, sources_command: str = "/sources", asker_id: int | None = None,
                         answer_id: str | None = None,
                         chosen: Vote | None = None) -> tuple[discord.Embed, discord.ui.View | None]:
    """The reply to `answer`: an embed of quoted excerpts, and buttons to the sources, then "More"
    and 👍 / 👎 (when it has an `answer_id`; the `chosen` one shown pressed) in one row (the view
    is None when there are no buttons). A declined answer gives a short embed saying so, without
    buttons; an answer the engine is not sure of opens with a line saying so. `asker_id`, kept in
    "More" and the votes, lets the asker page and vote in place while others do so privately."""
    notice = _notices(answer)
    if not answer.hits:
        return discord.Embed(description="\n\n".join(notice + [_short_text(answer, sources_command)]),
                             colour=EMBED_COLOUR), None

    blocks, length = [], len("\n\n".join(notice))
    for block in _hit_blocks(answer):
        if length + len(block) + 2 > EMBED_DESCRIPTION_LIMIT:
            break  # the rest comes with "More": the offset counts only what was shown
        blocks.append(block)
        length += len(block) + 2
    shown = answer.hits[: len(blocks)]
    embed = discord.Embed(description="\n\n".join(notice + blocks), colour=EMBED_COLOUR)
    embed.set_footer(text=shorten(question_footer(answer.question), EMBED_FOOTER_LIMIT))
    has_more = answer.has_more or len(shown) < len(answer.hits)
    if answer.offset or has_more:
        first, last = answer.offset + 1, answer.offset + len(shown)
        total = answer.total_hits if answer.total_hits is not None else (None if has_more else last)
        embed.set_author(name=page_position(answer.lang, first, last, total))
    votes = vote_buttons(answer_id, asker_id, chosen) if answer_id else []
    return embed, _buttons(shown, answer, answer.offset + len(shown) if has_more else None, asker_id, votes)


def render_plain_reply(answer: Answer, sources_command: str = "/sources") -> str:
    """The reply to `answer` as message text within CONTENT_LIMIT, for channels where the bot may
    not embed links: the notices and the quotes that fit, each with its source (links kept from
    unfurling), then the question."""
    question = "❓ " + escape_text(answer.question)
    blocks = _notices(answer) + (_hit_blocks(answer) if answer.hits else [_short_text(answer, sources_command)])
    text, budget = "", CONTENT_LIMIT - len(question) - 2
    for block in blocks:
        block = re.sub(r"\]\((https?://[^)\s]+)\)", r"](<\1>)", block)  # no link previews
        candidate = f"{text}\n\n{block}" if text else block
        if len(candidate) > budget:
            break
        text = candidate
    if not text:
        text = shorten(blocks[0], budget)
    return shorten(f"{text}\n\n{question}", CONTENT_LIMIT)


def _notices(answer: Answer) -> list[str]:
    """What stands before the quotes: that a long question was cut, that the engine is not sure."""
    notices = [question_truncated(answer.lang, MAX_QUESTION_CHARS)] if answer.truncated else []
    if answer.uncertain and answer.answered and answer.hits:
        notices.append(f"*{escape_text(not_sure_intro(answer.lang))}*")
    return notices


def _hit_blocks(answer: Answer) -> list[str]:
    return [hit_block(number, hit, answer.lang) for number, hit in enumerate(answer.hits, start=answer.offset + 1)]


def hit_block(number: int, hit: Hit, lang: str = "en") -> str:
    """One hit: the excerpt quoted with matched terms in bold (code in a code block instead),
    then the title linked to the quote with the section it stands in, the publisher and the date
    (without a link, where the quote stands). An article given as the answer (who wrote it…)
    is that article with its details line, no quote."""
    article = hit.article
    title = link(shorten(article.display_title, EMBED_TITLE_LIMIT), hit_link(hit))
    title += "".join(f" › {escape_text(shorten(heading, EMBED_TITLE_LIMIT))}" for heading in section_headings(hit))
    place = place_without_link(hit)
    facts = [escape_text(part) for part in article_facts(article, with_author=hit.about_article)]
    if place:
        facts.append(inline_code(shorten(place, EMBED_TITLE_LIMIT)))
    if hit.about_article:
        heading = " · ".join([f"**{number}.** {escape_text(article_label(lang))}{title}", *facts])
        return heading + ("\n" + emphasize(hit.excerpt, hit.highlights) if hit.excerpt.strip() else "")
    source = " · ".join([f"**{number}.** {title}", *facts])
    if hit.code:
        return code_block(_code_shown(hit.excerpt)) + "\n" + source
    return quote_block(emphasize(hit.excerpt, hit.highlights)) + "\n" + source


def _code_shown(excerpt: str) -> str:
    """The code's lines that fit CODE_BLOCK_CHARS, whole, with a "…" line when some are left out."""
    lines = code_lines(excerpt)
    shown, used = [], 0
    for line in lines:
        if used + len(line) + 1 > CODE_BLOCK_CHARS - len(CODE_CUT_MARK):
            break
        shown.append(line)
        used += len(line) + 1
    return "\n".join(shown + ([CODE_CUT_MARK] if len(shown) < len(lines) else []))


def _short_text(answer: Answer, sources_command: str) -> str:
    if answer.answered:
        return no_more_results(answer.lang)
    if not answer.question:
        return empty_question(answer.lang)
    if answer.small_talk:
        return small_talk_reply(answer.lang)
    return not_in_articles(answer.lang) + "\n" + see_sources(answer.lang, sources_command)


def _buttons(hits: tuple[Hit, ...], answer: Answer, more_offset: int | None, asker_id: int | None,
             votes: list[VoteButton]) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    seen: set[str] = set()
    for hit in hits:
        url = web_url(hit.article.url)
        if url is None or url in seen or len(url) > BUTTON_URL_LIMIT or len(seen) >= SOURCE_BUTTONS_LIMIT:
            continue
        seen.add(url)
        view.add_item(discord.ui.Button(label=shorten(hit.article.display_title, BUTTON_LABEL_LIMIT), url=url))
    actions: list[discord.ui.Item] = votes.copy()
    if more_offset is not None:
        actions.insert(0, MoreButton(more_offset, question_check(answer.question), more_label(answer.lang), asker_id))
    row = -(-len(view.children) // BUTTONS_PER_ROW)  # the row after the source links
    for item in actions:
        item.row = row
        view.add_item(item)
    return view if view.children else None


def vote_view(answer_id: str | None, asker_id: int | None) -> discord.ui.View | None:
    """Only 👍 / 👎, for a plain-text answer (a channel where the bot may not embed links)."""
    if not answer_id:
        return None
    view = discord.ui.View(timeout=None)
    for item in vote_buttons(answer_id, asker_id):
        view.add_item(item)
    return view


def render_sources(articles: tuple[ArticleInfo, ...], lang: str = "en") -> list[discord.Embed]:
    """The articles, one line each (title linked to the article, else its file named; publisher,
    date), in as many embeds as the description limit needs."""
    if not articles:
        return [discord.Embed(description=no_sources(lang), colour=EMBED_COLOUR)]
    lines = []
    for number, article in enumerate(articles, start=1):
        title = link(shorten(article.display_title, EMBED_TITLE_LIMIT), article.url)
        facts = [escape_text(part) for part in article_facts(article)]
        if article_file(article):
            facts.append(inline_code(shorten(article_file(article), EMBED_TITLE_LIMIT)))
        lines.append(" · ".join([f"**{number}.** {title}", *facts]))
    pages, current = [], ""
    for line in lines:
        if current and len(current) + 1 + len(line) > EMBED_DESCRIPTION_LIMIT:
            pages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else shorten(line, EMBED_DESCRIPTION_LIMIT)
    pages.append(current)
    embeds = [discord.Embed(description=page, colour=EMBED_COLOUR) for page in pages]
    embeds[0].title = sources_heading(lang)
    return embeds


def render_help(lang: str, ask: str = "/ask", sources: str = "/sources", context_menu: str = "Ask the articles") -> discord.Embed:
    """How to ask, as one embed."""
    return discord.Embed(
        title=help_title(lang), description="\n".join(help_lines(lang, ask, sources, context_menu)), colour=EMBED_COLOUR
    )
