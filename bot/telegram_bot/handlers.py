"""The bot's update handlers: each turns an update into one call of the engine and a reply.

Retrieval runs on a dedicated thread, never on the event loop. Replies are HTML (the
Application's defaults set the parse mode, no link previews, and replies that survive a
deleted question).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial

from telegram import InlineKeyboardMarkup, InlineQueryResultsButton, Message, Update, User
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import messages
from bot.feedback.store import FeedbackRecorder, NoFeedback
from bot.feedback.vote_data import parse_vote_data
from bot.messages import empty_question
from bot.rate_limit import RateLimiter
from bot.telegram_bot import texts
from bot.telegram_bot.more_button import parse_more_callback, question_digest
from bot.telegram_bot.answered_questions import AnsweredQuestions
from bot.telegram_bot.questions import (
    ASK_COMMAND,
    asks_bot_in_group,
    is_other_command,
    message_text,
    question_in,
    replies_to_bot,
)
from bot.telegram_bot.reply_order import ChatLines
from bot.telegram_bot.sending import send_reply
from bot.telegram_bot.shutdown import InFlight
from bot.telegram_bot.vote_buttons import VOTE_LABELS, votes_in, with_vote_shown
from bot.telegram_bot.render import (
    answer_keyboard,
    inline_quote_keyboard,
    render_inline_results,
    render_page_position,
    render_plain,
    render_sources,
    render_telegram_reply,
)
from retrieval import Answer, Engine

log = logging.getLogger(__name__)

# Inline results may be cached by Telegram for everyone asking the same thing.
INLINE_CACHE_SECONDS = 300
# Inline results per page; Telegram asks for the next page (next_offset) as the user scrolls.
INLINE_PAGE_SIZE = 10
# "More" pages through at most this many hits, so it can say "4–6 of 9".
MAX_PAGED_HITS = 30
NEW_MESSAGES = filters.UpdateType.MESSAGE
# How questions and votes from this bot are told apart from Discord's in the feedback store.
PLATFORM = "telegram"


class Handlers:
    """The handlers, sharing the engine, the per-user limits, the retrieval executor and the
    feedback recorder (NoFeedback: no votes are offered)."""

    def __init__(
        self, engine: Engine, *, top_k: int, limiter: RateLimiter, inline_limiter: RateLimiter, executor: Executor,
        feedback: FeedbackRecorder | None = None,
    ) -> None:
        self.engine = engine
        self.feedback = feedback if feedback is not None else NoFeedback()
        self.top_k = top_k
        self.limiter = limiter
        self.inline_limiter = inline_limiter
        self.executor = executor
        self.chat_lines = ChatLines()
        self.answered = AnsweredQuestions()

    async def retrieve(self, question: str, offset: int = 0, top_k: int | None = None) -> Answer:
        """The engine's answer (`top_k` hits from `offset`, default the configured top_k),
        computed off the event loop."""
        call = partial(self.engine.answer, question, top_k=top_k or self.top_k, offset=offset)
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start and /help: what the bot knows and how to ask, in the user's language."""
        text = texts.help_text(_user_language(update), context.bot.username, len(self.engine.articles))
        await self._in_line(update.effective_message, [render_plain(text)])

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/sources: the articles, with titles, publishers, dates and links."""
        await self._in_line(update.effective_message, render_sources(self.engine.articles, _user_language(update)))

    async def ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ask question (or /ask@BotName question): answer it; a usage hint when it is empty."""
        await self._answer_or_hint(update, context, texts.usage_hint)

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a private chat, any text is a question."""
        message = update.effective_message
        if message.via_bot and message.via_bot.id == context.bot.id:
            return  # one of our own inline results, sent into this chat
        await self._answer_or_hint(update, context, empty_question)

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a group, a message (or caption) that mentions the bot or replies to it is a question."""
        if not asks_bot_in_group(update.effective_message, context.bot.bot):
            return
        await self._answer_or_hint(update, context, texts.usage_hint)

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited question: its answer edited in place (a new answer when the bot no longer
        has the old one). Edits that ask nothing of the bot are left alone."""
        message = update.edited_message
        if message.via_bot and message.via_bot.id == context.bot.id:
            return  # one of our own inline results
        if message.chat.type != message.chat.PRIVATE and not asks_bot_in_group(message, context.bot.bot):
            return
        question = question_in(message, context.bot.bot)
        if not question or is_other_command(message):
            return
        await self._answer(message, question, context, replacing=self.answered.answer_to(message.chat_id, message.message_id))

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice…: say that the bot reads text (in groups, only when addressed)."""
        message = update.effective_message
        if message.chat.type != message.chat.PRIVATE and not replies_to_bot(message, context.bot.bot):
            return
        await self._in_line(message, [render_plain(texts.text_only(_user_language(update)))])

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An unknown command in a private chat: the help text."""
        await self.start(update, context)

    async def more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """"More ▸" and "◂ Prev": that page of hits, in place of the current one, with where it
        is ("4–6 of 9")."""
        query = update.callback_query
        lang = _user_language(update)
        message = query.message if isinstance(query.message, Message) else None
        question = _question_behind(message, context.bot.bot)
        parsed = parse_more_callback(query.data)
        if not parsed or not question or question_digest(question) != parsed[1]:
            await query.answer(messages.button_expired(lang), show_alert=True)
            return
        wait = self.limiter.retry_after(("user", query.from_user.id))
        if wait:
            await query.answer(messages.too_fast(lang, wait), show_alert=True)
            return
        offset = parsed[0]
        every = await self.retrieve(question, top_k=MAX_PAGED_HITS)
        if not every.answered or offset >= len(every.hits):
            await query.answer(messages.no_more_results(lang), show_alert=True)
            return
        page = dataclasses.replace(
            every, hits=every.hits[offset : offset + self.top_k], offset=offset,
            has_more=offset + self.top_k < len(every.hits),
        )
        pages = render_telegram_reply(page, footer=render_page_position(page, len(every.hits), not every.has_more))
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

    async def vote(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """👍 / 👎: the presser's vote on that answer, recorded (a later press replaces it) and
        acknowledged in place: a toast only they see and, in a private chat, the pressed button
        marked. In a group the keyboard is shared, so it stays as it is for everyone."""
        query = update.callback_query
        lang = _user_language(update)
        parsed = parse_vote_data(query.data)
        if parsed is None or isinstance(self.feedback, NoFeedback):  # FEEDBACK=off since the answer was sent
            await query.answer(messages.button_expired(lang), show_alert=True)
            return
        answer_id, vote = parsed
        self.feedback.record_vote(PLATFORM, query.from_user.id, answer_id, vote)
        message = query.message if isinstance(query.message, Message) else None
        if message is not None and message.chat.type == message.chat.PRIVATE and message.reply_markup:
            try:
                await message.edit_reply_markup(with_vote_shown(message.reply_markup, answer_id, vote))
            except TelegramError as error:  # the vote is recorded; the mark is a courtesy
                if "not modified" not in str(error).lower():
                    log.info("vote recorded but not shown on message %s: %s", message.message_id, error)
        await query.answer(texts.vote_recorded(lang, VOTE_LABELS[vote]))

    async def stale_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button this version of the bot does not know: say it has expired."""
        await update.callback_query.answer(messages.button_expired(_user_language(update)), show_alert=True)

    async def inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Inline mode (@BotName question in any chat): the top excerpts, ready to send."""
        query = update.inline_query
        lang = _user_language(update)
        question = query.query.strip()
        if not question:
            button = InlineQueryResultsButton(text=texts.inline_help_button(lang), start_parameter="help")
            # Personal: the button speaks the asker's language, so one cached copy cannot serve all.
            await query.answer([], button=button, cache_time=INLINE_CACHE_SECONDS, is_personal=True)
            return
        if self.inline_limiter.retry_after(query.from_user.id):
            await query.answer([], cache_time=0, is_personal=True)
            return
        offset = int(query.offset) if query.offset.isdigit() else 0
        answer = await self.retrieve(question, offset=offset, top_k=INLINE_PAGE_SIZE)
        if offset and not answer.hits:
            await query.answer([], cache_time=INLINE_CACHE_SECONDS)  # scrolled past the last page
            return
        next_offset = str(offset + len(answer.hits)) if answer.answered and answer.has_more else ""
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

    async def _answer_or_hint(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, hint: Callable[[str], str]
    ) -> None:
        """Answer the message's question, or say `hint` (in the user's language) when it holds none."""
        message = update.effective_message
        question = question_in(message, context.bot.bot)
        if not question:
            await self._in_line(message, [render_plain(hint(_user_language(update)))])
            return
        await self._answer(message, question, context)

    async def _answer(
        self, message: Message, question: str, context: ContextTypes.DEFAULT_TYPE, replacing: int | None = None
    ) -> None:
        """Rate limit, then one call of the engine, then the rendered reply (with "More"): new, or
        in place of the bot's message `replacing` (the answer to the question before its edit)."""
        place = self.chat_lines.join(message.chat_id)  # before any await: the order asked
        try:
            wait = self.limiter.retry_after(_asker(message))
            if wait:
                lang = texts.ui_language(message.from_user.language_code if message.from_user else None)
                await place.wait_turn()
                await send_reply(message, render_plain(messages.too_fast(lang, wait)))
                return
            # Fire and forget: the indicator is a nicety that must never delay or cost the answer.
            context.application.create_task(_show_typing(message), name="typing")
            answer = await self.retrieve(question)
            answer_id = self.feedback.record_question(PLATFORM, _person(message), answer)
            pages = render_telegram_reply(answer)
            keyboard = answer_keyboard(answer, question, answer_id)
            await place.wait_turn()
            edited = await self._edit_answer(message, replacing, pages[0], keyboard if len(pages) == 1 else None)
            for number, page in enumerate(pages, start=1):
                if number == 1 and edited:
                    continue
                sent = await send_reply(message, page, reply_markup=keyboard if number == len(pages) else None)
                if number == 1 and sent.chat_id == message.chat_id:  # (not when resent to a supergroup)
                    self.answered.remember(message.chat_id, message.message_id, sent.message_id)
        finally:
            place.leave()

    async def _edit_answer(
        self, question: Message, answer_id: int | None, text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Put `text` in place of the bot's earlier answer `answer_id`; False when there is none
        any more (deleted, or unknown) and a new answer must be sent."""
        if answer_id is None:
            return False
        try:
            await question.get_bot().edit_message_text(text, chat_id=question.chat_id, message_id=answer_id, reply_markup=markup)
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True  # the edit did not change the answer
            if "not found" not in str(error).lower():
                raise
            return False
        return True

    async def _in_line(self, message: Message, pages: list[str]) -> None:
        """Send `pages` as replies to `message`, after the replies to the chat's earlier questions."""
        place = self.chat_lines.join(message.chat_id)
        try:
            await place.wait_turn()
            for page in pages:
                await send_reply(message, page)
        finally:
            place.leave()


async def report_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and tell the user, briefly, that it failed; a chat that is gone (bot
    blocked or removed) and a network hiccup while polling are one quiet line each."""
    error = context.error
    if update is None and isinstance(error, NetworkError):
        log.warning("polling Telegram for updates failed (%s); retrying", error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
        log.info("no reply to chat %s: %s", chat, error.message)
        return
    log.error("error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    lang = _user_language(update)
    try:
        if update.callback_query:
            await update.callback_query.answer(messages.apology(lang), show_alert=True)
        elif update.effective_message:
            await send_reply(update.effective_message, render_plain(messages.apology(lang)))
    except TelegramError as failure:
        log.warning("could not send the apology for update %s: %s", update_id, failure)


def register_handlers(application: Application, handlers: Handlers, in_flight: InFlight) -> None:
    """Route every kind of update the bot answers to its handler (tracked in `in_flight`, for a
    graceful shutdown), and errors to the logger."""
    track = in_flight.tracked
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    not_text = NEW_MESSAGES & ~filters.TEXT & ~filters.CAPTION & ~filters.StatusUpdate.ALL & (private | filters.REPLY)
    application.add_handlers(
        [
            CommandHandler(["start", "help"], track(handlers.start), filters=NEW_MESSAGES),
            CommandHandler("sources", track(handlers.sources), filters=NEW_MESSAGES),
            CommandHandler(ASK_COMMAND, track(handlers.ask), filters=NEW_MESSAGES),
            MessageHandler(NEW_MESSAGES & private & filters.COMMAND, track(handlers.unknown_command)),
            MessageHandler(NEW_MESSAGES & private & filters.TEXT & ~filters.COMMAND, track(handlers.private_text)),
            MessageHandler(NEW_MESSAGES & groups & filters.TEXT & ~filters.COMMAND, track(handlers.group_text)),
            MessageHandler(NEW_MESSAGES & private & filters.CAPTION, track(handlers.private_text)),
            MessageHandler(NEW_MESSAGES & groups & filters.CAPTION, track(handlers.group_text)),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & (filters.TEXT | filters.CAPTION), track(handlers.edited)),
            MessageHandler(not_text, track(handlers.not_text)),
            CallbackQueryHandler(track(handlers.more), pattern=r"^more:"),
            CallbackQueryHandler(track(handlers.vote), pattern=r"^vote:"),
            CallbackQueryHandler(track(handlers.stale_button)),
            InlineQueryHandler(track(handlers.inline)),
            ChosenInlineResultHandler(track(handlers.chosen_inline_result)),
        ]
    )
    application.add_error_handler(report_error)


def _question_behind(message: Message | None, bot: User) -> str | None:
    """The question a bot's reply answers, read again from the message it replies to."""
    original = message.reply_to_message if message else None
    return question_in(original, bot) if original and message_text(original) else None


async def _show_typing(message: Message) -> None:
    """The "typing…" indicator; a failure here must not cost the answer."""
    try:
        await message.reply_chat_action(ChatAction.TYPING)
    except TelegramError as error:
        log.debug("typing indicator failed: %s", error)


def _asker(message: Message) -> tuple[str, int]:
    """Whose question it is, for the rate limit: the chat it was sent as (anonymous admins, channels
    and linked-channel forwards share one fixed user id across all groups), else the user."""
    if message.sender_chat:
        return ("chat", message.sender_chat.id)
    return ("user", message.from_user.id if message.from_user else message.chat.id)


def _person(message: Message) -> int | str:
    """Who asked, for the feedback store: the user's id (as their votes give it), or the chat
    the question was sent as (anonymous admins, channels)."""
    kind, number = _asker(message)
    return number if kind == "user" else f"{kind}:{number}"


def _user_language(update: Update) -> str:
    user = update.effective_user
    return texts.ui_language(user.language_code if user else None)
