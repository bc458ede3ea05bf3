""""More ▸" and "◂ Prev" under an answer: another page of its hits, in place of the current one.

The button's data holds the offset and a digest of the question; the question itself is read
again from the message the answer replies to, so pages turn after a restart too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, Update, User
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.runtime import messages
from bot.runtime.rate_limit import RateLimiter
from bot.telegram_bot.askers import user_language
from bot.telegram_bot.more_button import parse_more_callback, question_digest
from bot.telegram_bot.questions import message_text, question_in
from bot.telegram_bot.render import answer_keyboard, render_page_position, render_telegram_reply
from bot.telegram_bot.vote_buttons import votes_in
from retrieval import Answer

# (question, offset) -> that page of hits, from `Engine.answer_page` off the event loop.
RetrievePage = Callable[[str, int], Awaitable[Answer]]


class Paging:
    """Turns an answer's pages: `retrieve_page` asks the engine for one, `limiter` counts a page
    as a question, `follow_up_behind` gives the follow-up (as searched) a bot's message answers."""

    def __init__(
        self, retrieve_page: RetrievePage, limiter: RateLimiter,
        follow_up_behind: Callable[[Message | None], Awaitable[str | None]] | None = None,
    ) -> None:
        self.retrieve_page = retrieve_page
        self.limiter = limiter
        self.follow_up_behind = follow_up_behind

    async def more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """"More ▸" and "◂ Prev": that page of hits, in place of the current one, with where it
        is ("4–6 of 9")."""
        query = update.callback_query
        lang = user_language(update)
        message = query.message if isinstance(query.message, Message) else None
        question = _question_behind(message, context.bot.bot)
        parsed = parse_more_callback(query.data)
        # A follow-up's pages: of the question searched.
        remembered = await self.follow_up_behind(message) if self.follow_up_behind else None
        if parsed and remembered and question_digest(remembered) == parsed[1]:
            question = remembered
        if not parsed or not question or question_digest(question) != parsed[1]:
            await query.answer(messages.button_expired(lang), show_alert=True)
            return
        wait = self.limiter.retry_after(("user", query.from_user.id))
        if wait:
            await query.answer(messages.too_fast(lang, wait), show_alert=True)
            return
        page = await self.retrieve_page(question, parsed[0])
        if not page.hits:
            await query.answer(messages.no_more_results(lang), show_alert=True)
            return
        pages = render_telegram_reply(page, footer=render_page_position(page))
        keyboard = answer_keyboard(page, question, *(votes_in(message.reply_markup) or ()))  # the first reply's votes
        try:
            await message.edit_text(pages[0], reply_markup=keyboard if len(pages) == 1 else None)
        except BadRequest as error:
            if "not modified" not in str(error).lower():  # a double press shows the same page
                raise
        for number, text in enumerate(pages[1:], start=2):
            await message.reply_to_message.reply_text(
                text, do_quote=True, reply_markup=keyboard if number == len(pages) else None
            )
        await query.answer()  # the button's spinner stops once the new page is there


def _question_behind(message: Message | None, bot: User) -> str | None:
    """The question a bot's reply answers, read again from the message it replies to."""
    original = message.reply_to_message if message else None
    return question_in(original, bot) if original and message_text(original) else None
