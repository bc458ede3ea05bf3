"""Answers as Telegram HTML: quotes in blockquotes, matched terms in bold, linked sources.

Telegram's limits are named here, next to the code that obeys them. Everything that comes from
users or articles is escaped; a message is split between hits, never inside a tag.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode

from bot.feedback.vote_data import Vote
from bot.runtime.messages import article_label, not_in_articles, not_sure_intro, question_truncated, small_talk_reply
from bot.runtime.quote_source import article_facts, article_file, code_lines, hit_link, place_without_link, section_headings
from bot.telegram_bot import texts
from bot.telegram_bot.more_button import more_callback_data
from bot.telegram_bot.vote_buttons import vote_buttons
from retrieval import Answer, ArticleInfo, Hit
from retrieval.engine import MAX_QUESTION_CHARS, PAGED_HITS
from retrieval.text.spans import merge_spans

# Telegram counts a message's visible text; we hold the raw HTML to the limit, in UTF-16 code
# units as Telegram counts, so no reply is ever refused for its length.
MAX_MESSAGE_LENGTH = 4096
# Inline mode: at most 50 results per answer; their titles and descriptions are shown on one
# or two lines, so keep them short.
MAX_INLINE_RESULTS = 50
INLINE_TITLE_CHARS = 64
INLINE_DESCRIPTION_CHARS = 160
# A quote longer than this (about three lines on a phone) is collapsed behind "show more", so a
# few long quotes do not flood a group.
EXPANDABLE_QUOTE_CHARS = 240
# An inline result's title: the article, then the quote's first words.
INLINE_TITLE_QUOTE_WORDS = 6
# Longer links or titles would crowd out the quote; such links are dropped, titles shortened.
MAX_LINK_LENGTH = 2048
MAX_TITLE_CHARS = 256
# Quoted code (in <pre>) that would not fit a message loses whole lines from its end, never part of one.
CODE_CUT_MARK = "…"
ELLIPSIS = "…"
BLOCK_SEPARATOR = "\n\n"
NO_LINK_PREVIEW = LinkPreviewOptions(is_disabled=True)


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def escape_text(text: str) -> str:
    """Text for Telegram HTML: only &, < and > need escaping outside tags."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    """A double-quoted attribute value for Telegram HTML."""
    return escape_text(value).replace('"', "&quot;")


def render_telegram_reply(answer: Answer, footer: str | None = None) -> list[str]:
    """The answer as HTML messages, each within MAX_MESSAGE_LENGTH, split between hits, with
    `footer` (HTML, e.g. the page position) last.

    A declined answer is one short message in the question's language pointing to /sources; an
    answer the engine is not sure of opens with a line saying its quotes are only the closest.
    """
    blocks: list[str] = []
    if answer.truncated:
        blocks.append(f"<i>{escape_text(question_truncated(answer.lang, MAX_QUESTION_CHARS))}</i>")
    if answer.small_talk:
        blocks.append(escape_text(small_talk_reply(answer.lang)))
    elif not answer.answered or not answer.hits:
        blocks.append(escape_text(not_in_articles(answer.lang)) + "\n" + escape_text(texts.see_sources(answer.lang)))
    else:
        if answer.uncertain:
            blocks.append(f"<i>{escape_text(not_sure_intro(answer.lang))}</i>")
        blocks.extend(render_hit(hit, number, lang=answer.lang)
                      for number, hit in enumerate(answer.hits, start=answer.offset + 1))
    if footer:
        blocks.append(footer)
    return pack_messages(blocks)


def render_hit(hit: Hit, number: int | None = None, limit: int = MAX_MESSAGE_LENGTH, lang: str = "en") -> str:
    """One hit: the excerpt in a blockquote (matched terms bold), then its linked source (or,
    without a link, where it stands). Code comes in <pre>, whole lines only; an article given
    as the answer comes as that article, with its details line in italics (no quote).

    The excerpt is shortened (at a word boundary, with "…") only if the hit would not fit `limit`.
    """
    if hit.about_article:
        return _article_hit(hit, number, limit, lang)
    if hit.code:
        return _code_hit(hit, number, limit)
    source = _source_line(hit, number)
    excerpt_chars = len(hit.excerpt)
    opening = "<blockquote expandable>" if len(hit.excerpt) > EXPANDABLE_QUOTE_CHARS else "<blockquote>"
    while True:
        block = f"{opening}{_excerpt_html(hit, excerpt_chars)}</blockquote>\n{source}"
        if telegram_length(block) <= limit or excerpt_chars == 0:
            return block
        excerpt_chars = max(0, min(excerpt_chars - 1, excerpt_chars * limit // telegram_length(block)))


def _code_hit(hit: Hit, number: int | None, limit: int) -> str:
    """Code in <pre> (Telegram allows nothing inside it, so no bold), dropping whole lines from
    its end while the block would not fit `limit`."""
    source = _source_line(hit, number)
    lines = code_lines(hit.excerpt)
    shown = len(lines)
    while True:
        code = "\n".join(lines[:shown] + ([CODE_CUT_MARK] if shown < len(lines) else []))
        block = f"<pre>{escape_text(code)}</pre>\n{source}"
        if telegram_length(block) <= limit or shown == 0:
            return block
        shown -= 1


def _article_hit(hit: Hit, number: int | None, limit: int, lang: str) -> str:
    """`1. Article: <title> — publisher, author, date`, then the details line the text states."""
    prefix = f"{number}. " if number is not None else ""
    label = article_label(lang)
    gap = label[len(label.rstrip()):]  # the space after "Article:"; none after "文章："
    heading = f"{prefix}<b>{escape_text(label.rstrip())}</b>{gap}{render_article(hit.article, hit_link(hit), with_author=True)}"
    place = _place_html(hit)
    excerpt_chars = len(hit.excerpt)
    while True:
        details = f"\n<i>{_excerpt_html(hit, excerpt_chars)}</i>" if excerpt_chars and hit.excerpt.strip() else ""
        block = heading + place + details
        if telegram_length(block) <= limit or excerpt_chars == 0:
            return block
        excerpt_chars = max(0, min(excerpt_chars - 1, excerpt_chars * limit // telegram_length(block)))


def _excerpt_html(hit: Hit, chars: int) -> str:
    text = hit.excerpt
    if chars < len(text):
        cut = text.rfind(" ", 0, chars)
        chars = cut if cut > chars // 2 else chars
    out: list[str] = []
    cursor = 0
    for start, end in merge_spans(hit.highlights, chars):
        out.append(escape_text(text[cursor:start]))
        out.append(f"<b>{escape_text(text[start:end])}</b>")
        cursor = end
    out.append(escape_text(text[cursor:chars]))
    if chars < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


def _source_line(hit: Hit, number: int | None) -> str:
    """"1. <title> › section — publisher, date", then, without a link, where the quote stands."""
    prefix = f"{number}. " if number is not None else "— "
    return prefix + render_article(hit.article, hit_link(hit), section_headings(hit)) + _place_html(hit)


def _place_html(hit: Hit) -> str:
    """ · <code>src/ch16.md:42</code> for a quote without a link (tap to copy); "" with one."""
    place = place_without_link(hit)
    return f" · <code>{escape_text(_shorten(place, MAX_TITLE_CHARS))}</code>" if place else ""


def render_article(article: ArticleInfo, link: str | None, headings: Sequence[str] = (),
                   with_author: bool = False) -> str:
    """The article's title (linked when there is a link), the `headings` of the section a quote
    stands in ("› Shared-State Concurrency"), then "— publisher, date" (and author when asked)."""
    title = escape_text(_shorten(article.display_title, MAX_TITLE_CHARS))
    href = escape_attribute(link or "")
    if href and len(href) <= MAX_LINK_LENGTH:
        title = f'<a href="{href}">{title}</a>'
    title += "".join(f" › {escape_text(_shorten(heading, MAX_TITLE_CHARS))}" for heading in headings)
    details = [escape_text(_shorten(part, MAX_TITLE_CHARS)) for part in article_facts(article, with_author)]
    return f"{title} — {', '.join(details)}" if details else title


def render_sources(articles: Sequence[ArticleInfo], lang: str) -> list[str]:
    """/sources: every article with its title (linked; without a link, its file named), publisher
    and date, split as needed."""
    blocks = [f"<b>{escape_text(texts.sources_header(lang, len(articles)))}</b>"]
    blocks.extend(f"{number}. {render_article(article, article.url)}{_file_html(article)}"
                  for number, article in enumerate(articles, 1))
    return pack_messages(blocks, separator="\n")


def _file_html(article: ArticleInfo) -> str:
    """ · <code>docs/guide.md</code> for an article without a link; "" with one."""
    path = article_file(article)
    return f" · <code>{escape_text(_shorten(path, MAX_TITLE_CHARS))}</code>" if path else ""


def render_plain(text: str) -> str:
    """Our own words as HTML (escaped, shortened if ever too long)."""
    html = escape_text(text)
    while telegram_length(html) > MAX_MESSAGE_LENGTH:
        text = text[: len(text) * 9 // 10]
        html = escape_text(text) + ELLIPSIS
    return html


def pack_messages(blocks: Iterable[str], separator: str = BLOCK_SEPARATOR, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Blocks of complete HTML joined into as few messages as fit `limit`; never split a block.

    A block longer than `limit` on its own must have been shortened by its renderer.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        if telegram_length(block) > limit:
            raise ValueError(f"a block of {telegram_length(block)} units exceeds the {limit} limit")
        candidate = f"{current}{separator}{block}" if current else block
        if telegram_length(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def answer_keyboard(answer: Answer, question: str, answer_id: str | None = None,
                    chosen: Vote | None = None) -> InlineKeyboardMarkup | None:
    """The buttons under an answer, in one row: 👍 / 👎 (when it has an `answer_id`, the
    `chosen` one marked), "◂ Prev" when it is not the first page and "More ▸" when further hits
    follow; their data holds all a restart needs. None for a declined answer or small talk, and
    when there is nothing to vote on or page to."""
    if not answer.answered or not answer.hits:
        return None
    buttons = vote_buttons(answer_id, chosen) if answer_id else []
    if answer.offset > 0:
        previous = max(0, answer.offset - max(1, len(answer.hits)))
        buttons.append(InlineKeyboardButton(texts.prev_label(answer.lang), callback_data=more_callback_data(previous, question)))
    if answer.has_more:
        following = answer.offset + len(answer.hits)
        buttons.append(InlineKeyboardButton(texts.more_label(answer.lang), callback_data=more_callback_data(following, question)))
    return InlineKeyboardMarkup([buttons]) if buttons else None


def render_page_position(answer: Answer) -> str:
    """Where this page (of `Engine.answer_page`) is among all the hits ("4–6 of 9"; "of 30+" when
    the count reached the most the engine pages through), and on the last page that it is the last."""
    first, last = answer.offset + 1, answer.offset + len(answer.hits)
    total = answer.total_hits if answer.total_hits is not None else last
    total_is_exact = total < PAGED_HITS
    shown_total = str(total) if total_is_exact else f"{total}+"
    is_last = not answer.has_more  # "30+" too: More shows no further page
    return f"<i>{escape_text(texts.page_position(answer.lang, first, last, shown_total, is_last))}</i>"


def render_inline_results(answer: Answer) -> list[InlineQueryResultArticle]:
    """Inline mode: one result per hit, each sending its quote with its source (and a button to
    it); or one result that says the articles hold no answer. When the engine is not sure, each
    result says so in its description, and the quote sent carries the not-sure line with it."""
    if not answer.answered or not answer.hits:
        text = small_talk_reply(answer.lang) if answer.small_talk else not_in_articles(answer.lang)
        return [
            InlineQueryResultArticle(
                id="none",
                title=texts.no_answer_title(answer.lang),
                description=_shorten(text, INLINE_DESCRIPTION_CHARS),
                input_message_content=InputTextMessageContent(
                    render_plain(text), parse_mode=ParseMode.HTML, link_preview_options=NO_LINK_PREVIEW
                ),
            )
        ]
    return [
        InlineQueryResultArticle(
            id=str(answer.offset + number),
            title=inline_title(hit),
            description=inline_description(hit, answer),
            input_message_content=InputTextMessageContent(
                _inline_message(hit, answer), parse_mode=ParseMode.HTML, link_preview_options=NO_LINK_PREVIEW
            ),
            reply_markup=inline_quote_keyboard(hit, answer.lang),
        )
        for number, hit in enumerate(answer.hits[:MAX_INLINE_RESULTS])
    ]


def inline_quote_keyboard(hit: Hit, lang: str, answer_id: str | None = None) -> InlineKeyboardMarkup | None:
    """Under a quote sent from inline mode: "Source ↗", then 👍 / 👎 once the quote has an
    `answer_id`. Having a keyboard is also what makes Telegram give the sent message an id the
    bot can add the votes to."""
    link = hit.quote_url or hit.article.url or ""
    buttons = []
    if urlsplit(link).scheme in ("http", "https") and len(link) <= MAX_LINK_LENGTH:
        buttons.append(InlineKeyboardButton(texts.source_button(lang), url=link))
    if answer_id:
        buttons.extend(vote_buttons(answer_id))
    return InlineKeyboardMarkup([buttons]) if buttons else None


def inline_title(hit: Hit) -> str:
    """The article's title and the quote's first words, so that results from one article differ."""
    words = hit.excerpt.lstrip(ELLIPSIS + " ").split()
    opening = " ".join(words[:INLINE_TITLE_QUOTE_WORDS])
    if len(words) > INLINE_TITLE_QUOTE_WORDS or len(opening) > INLINE_TITLE_CHARS // 2:
        opening = _shorten(opening, INLINE_TITLE_CHARS // 2).rstrip(ELLIPSIS) + ELLIPSIS
    article = _shorten(hit.article.display_title, INLINE_TITLE_CHARS - len(opening) - 5)
    return f"{article} — “{opening}”"


def inline_description(hit: Hit, answer: Answer | None = None) -> str:
    """The line under an inline result's title: that the engine is not sure (for such an
    `answer`), publisher and date, then the quote."""
    details = ", ".join(part for part in (hit.article.publisher, hit.article.published) if part)
    parts = [texts.not_sure_brief(answer.lang)] if answer is not None and answer.uncertain else []
    parts += [details] if details else []
    return _shorten(" · ".join([*parts, hit.excerpt]), INLINE_DESCRIPTION_CHARS)


def _inline_message(hit: Hit, answer: Answer) -> str:
    """What a chosen inline result sends: the hit, after the not-sure line when the engine is not
    sure, so the quote never travels to another chat without its hedge."""
    if not answer.uncertain:
        return render_hit(hit, lang=answer.lang)
    intro = f"<i>{escape_text(not_sure_intro(answer.lang))}</i>"
    body = render_hit(hit, limit=MAX_MESSAGE_LENGTH - telegram_length(intro) - len(BLOCK_SEPARATOR), lang=answer.lang)
    return intro + BLOCK_SEPARATOR + body


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
