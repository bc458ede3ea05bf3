"""Answers, the list of sources and the help, as Discord embeds and buttons within Discord's limits."""

from __future__ import annotations

import re

import discord

from bot.discord_bot.markdown import emphasize, escape_text, link, quote_block, web_url
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
from bot.messages import empty_question, no_more_results, not_in_articles, question_truncated, small_talk_reply
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
    buttons. `asker_id`, kept in "More" and the votes, lets the asker page and vote in place while
    others do so privately."""
    notice = [question_truncated(answer.lang, MAX_QUESTION_CHARS)] if answer.truncated else []
    if not answer.hits:
        return _short_embed(answer, notice, sources_command), None

    blocks, length = [], len("\n\n".join(notice))
    for number, hit in enumerate(answer.hits, start=answer.offset + 1):
        block = hit_block(number, hit)
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
    not embed links: the quotes that fit, each with its source (links kept from unfurling)."""
    embed, _ = render_discord_reply(answer, sources_command)
    question = "❓ " + escape_text(answer.question)
    text, budget = "", CONTENT_LIMIT - len(question) - 2
    for block in (embed.description or "").split("\n\n"):
        block = re.sub(r"\]\((https?://[^)\s]+)\)", r"](<\1>)", block)  # no link previews
        candidate = f"{text}\n\n{block}" if text else block
        if len(candidate) > budget:
            break
        text = candidate
    if not text:
        text = shorten(embed.description or "", budget)
    return shorten(f"{text}\n\n{question}", CONTENT_LIMIT)


def hit_block(number: int, hit: Hit) -> str:
    """One hit: the excerpt quoted with matched terms in bold, then the title linked to the quote,
    the publisher and the date."""
    article = hit.article
    title = link(shorten(article.display_title, EMBED_TITLE_LIMIT), hit.quote_url or article.url)
    source = " · ".join([f"**{number}.** {title}", *(escape_text(part) for part in _source_details(article))])
    return quote_block(emphasize(hit.excerpt, hit.highlights)) + "\n" + source


def _source_details(article: ArticleInfo) -> list[str]:
    details = []
    if article.publisher and article.publisher != article.display_title:
        details.append(article.publisher)
    if article.published:
        details.append(article.published)
    return details


def _short_embed(answer: Answer, notice: list[str], sources_command: str) -> discord.Embed:
    if answer.answered:
        text = no_more_results(answer.lang)
    elif not answer.question:
        text = empty_question(answer.lang)
    elif answer.small_talk:
        text = small_talk_reply(answer.lang)
    else:
        text = not_in_articles(answer.lang) + "\n" + see_sources(answer.lang, sources_command)
    return discord.Embed(description="\n\n".join(notice + [text]), colour=EMBED_COLOUR)


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
    """The articles, one line each (title linked to the article, publisher, date), in as many
    embeds as the description limit needs."""
    if not articles:
        return [discord.Embed(description=no_sources(lang), colour=EMBED_COLOUR)]
    lines = []
    for number, article in enumerate(articles, start=1):
        title = link(shorten(article.display_title, EMBED_TITLE_LIMIT), article.url)
        lines.append(" · ".join([f"**{number}.** {title}", *(escape_text(p) for p in _source_details(article))]))
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


def embed_length(embeds: list[discord.Embed]) -> int:
    """The characters Discord counts against EMBED_TOTAL_LIMIT for one message."""
    return sum(len(embed) for embed in embeds)
