"""Inline mode (@BotName question, typed in any chat): pages of quotes ready to send, and the
question recorded once a quote is sent, with 👍 / 👎 added under it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineQueryResultsButton, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.feedback.store import FeedbackRecorder, NoFeedback
from bot.runtime.rate_limit import RateLimiter
from bot.telegram_bot import texts
from bot.telegram_bot.askers import PLATFORM, user_language
from bot.telegram_bot.render import inline_quote_keyboard, render_inline_results
from retrieval import Answer

log = logging.getLogger(__name__)

# Inline results may be cached by Telegram for everyone asking the same thing.
INLINE_CACHE_SECONDS = 300
# Inline results per page; Telegram asks for the next page (next_offset) as the user scrolls.
INLINE_PAGE_SIZE = 10

Retrieve = Callable[..., Awaitable[Answer]]


class InlineMode:
    """Answers inline queries: `retrieve(question, offset=…, top_k=…)` asks the engine off the
    event loop, `limiter` counts queries per user, `feedback` records sent quotes."""

    def __init__(self, retrieve: Retrieve, limiter: RateLimiter, feedback: FeedbackRecorder) -> None:
        self.retrieve = retrieve
        self.limiter = limiter
        self.feedback = feedback

    async def inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Inline mode (@BotName question in any chat): the top excerpts, ready to send."""
        query = update.inline_query
        lang = user_language(update)
        question = query.query.strip()
        if not question:
            button = InlineQueryResultsButton(text=texts.inline_help_button(lang), start_parameter="help")
            # Personal: the button speaks the asker's language, so one cached copy cannot serve all.
            await query.answer([], button=button, cache_time=INLINE_CACHE_SECONDS, is_personal=True)
            return
        if self.limiter.retry_after(query.from_user.id):
            await query.answer([], cache_time=0, is_personal=True)
            return
        if query.offset and not query.offset.isdigit():
            # Not an offset this bot gave (an older version's "[]"): the end, never page 1 again.
            await query.answer([], cache_time=INLINE_CACHE_SECONDS)
            return
        offset = int(query.offset or 0)
        answer = await self.retrieve(question, offset=offset, top_k=INLINE_PAGE_SIZE)
        if offset and not answer.hits:
            await query.answer([], cache_time=INLINE_CACHE_SECONDS)  # scrolled past the last page
            return
        # No next page: no next_offset at all. An empty one would be sent as "[]" (the
        # library's defaults turn "" into an empty list), which clients send back as an offset.
        next_offset = str(offset + len(answer.hits)) if answer.answered and answer.has_more else None
        await query.answer(render_inline_results(answer), cache_time=INLINE_CACHE_SECONDS, next_offset=next_offset)

    async def chosen_inline_result(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A result of inline mode sent into a chat (Telegram says so only when inline feedback
        is on in @BotFather): its question recorded, once, and 👍 / 👎 added under the quote.
        The queries typed on the way there ("wh", "what i"…) are never recorded."""
        chosen = update.chosen_inline_result
        if isinstance(self.feedback, NoFeedback):
            return
        rank = int(chosen.result_id) if chosen.result_id.isdigit() else None
        answer = await self.retrieve(chosen.query, offset=rank or 0, top_k=1)
        answer_id = self.feedback.record_question(PLATFORM, chosen.from_user.id, answer)
        if rank is None or not answer.hits or not answer_id or not chosen.inline_message_id:
            return  # the no-answer note (recorded as declined), or nothing to put votes under
        keyboard = inline_quote_keyboard(answer.hits[0], answer.lang, answer_id)
        try:
            await context.bot.edit_message_reply_markup(inline_message_id=chosen.inline_message_id, reply_markup=keyboard)
        except BadRequest as error:  # the message is gone already: its question is recorded all the same
            log.info("no votes added under inline message %s: %s", chosen.inline_message_id, error)
