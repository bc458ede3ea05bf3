"""The bot's update handlers: each turns an update into one call of the engine and a reply.
Pages of an answer are turned in paging.py, inline mode is inline_mode.py, errors go to
error_report.py.

Retrieval runs on a dedicated thread, never on the event loop. Replies are HTML (the
Application's defaults set the parse mode, no link previews, and replies that survive a
deleted question).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
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

from bot.runtime import messages
from bot.feedback.store import FeedbackRecorder, NoFeedback
from bot.feedback.vote_data import VOTE_LABELS, parse_vote_data
from bot.runtime.messages import empty_question
from bot.runtime.rate_limit import RateLimiter
from bot.telegram_bot import texts
from bot.telegram_bot.answered_questions import AnsweredQuestions
from bot.telegram_bot.askers import PLATFORM, asker, person, user_language
from bot.telegram_bot.earlier_questions import EarlierQuestions
from bot.telegram_bot.error_report import report_error
from bot.telegram_bot.inline_mode import InlineMode
from bot.telegram_bot.paging import Paging
from bot.telegram_bot.questions import ASK_COMMAND, asks_bot_in_group, is_other_command, question_in, replies_to_bot
from bot.telegram_bot.render import answer_keyboard, render_plain, render_sources, render_telegram_reply
from bot.telegram_bot.reply_order import ChatLines
from bot.telegram_bot.sending import send_reply
from bot.telegram_bot.shutdown import InFlight
from bot.telegram_bot.vote_buttons import with_vote_shown
from retrieval import Answer, Engine

log = logging.getLogger(__name__)

NEW_MESSAGES = filters.UpdateType.MESSAGE


class Handlers:
    """The handlers, sharing the engine, the per-user limits, the retrieval executor, the
    feedback recorder (NoFeedback: no votes are offered) and what the working state remembers
    of earlier answers (`earlier`: the question behind an answer; `answered`: the answer to a
    question). That state is read and written on a thread: it may be a database elsewhere."""

    def __init__(
        self, engine: Engine, *, top_k: int, limiter: RateLimiter, inline_limiter: RateLimiter, executor: Executor,
        feedback: FeedbackRecorder | None = None, earlier: EarlierQuestions | None = None,
        answered: AnsweredQuestions | None = None,
    ) -> None:
        self.engine = engine
        self.earlier = earlier
        self.answered = answered
        self.feedback = feedback if feedback is not None else NoFeedback()
        self.top_k = top_k
        self.limiter = limiter
        self.executor = executor
        self.chat_lines = ChatLines()
        self.paging = Paging(self.retrieve_page, limiter, self.follow_up_answered_by)
        self.inline_mode = InlineMode(self.retrieve, inline_limiter, self.feedback)

    async def retrieve(
        self, question: str, offset: int = 0, top_k: int | None = None, earlier: str | None = None
    ) -> Answer:
        """The engine's answer (`top_k` hits from `offset`, default the configured top_k; a
        follow-up of the question `earlier`), computed off the event loop."""
        call = partial(self.engine.answer, question, top_k=top_k or self.top_k, offset=offset, earlier=earlier)
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def question_answered_by(self, message: Message | None) -> str | None:
        """The question (as searched) that the bot's `message` answers, if remembered."""
        if message is None or self.earlier is None:
            return None
        return await asyncio.to_thread(self.earlier.question_of, message.chat_id, message.message_id)

    async def follow_up_answered_by(self, message: Message | None) -> str | None:
        """The follow-up (as searched, with its earlier question) that the bot's `message`
        answers, if remembered: its pages are of that question, not of the reply's text."""
        if message is None or self.earlier is None:
            return None
        return await asyncio.to_thread(
            partial(self.earlier.question_of, message.chat_id, message.message_id, follow_ups_only=True)
        )

    async def _earlier_question(self, message: Message, bot_id: int) -> str | None:
        """For a reply to one of the bot's answers, the question that answer answers."""
        replied = message.reply_to_message
        if replied is None or not replied.from_user or replied.from_user.id != bot_id:
            return None
        return await self.question_answered_by(replied)

    async def _answer_to(self, message: Message) -> int | None:
        """The bot's answer to the question `message` (before its edit), if remembered."""
        if self.answered is None:
            return None
        return await asyncio.to_thread(self.answered.answer_to, message.chat_id, message.message_id)

    def _remember(self, question: Message, sent: Message, number: int, answer: Answer, follow_up: bool) -> None:
        """Which answer (page `number` is `sent`) belongs to which question, both ways."""
        if number == 1 and sent.chat_id == question.chat_id and self.answered is not None:  # (not when resent to a supergroup)
            self.answered.remember(question.chat_id, question.message_id, sent.message_id)
        if self.earlier is not None and not answer.small_talk:
            self.earlier.remember(sent.chat_id, sent.message_id, answer.question, follow_up=follow_up)

    async def retrieve_page(self, question: str, offset: int) -> Answer:
        """The page of hits after `offset` that "More" and "Prev" show, off the event loop."""
        call = partial(self.engine.answer_page, question, self.top_k, offset)
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start and /help: what the bot knows and how to ask, in the user's language."""
        text = texts.help_text(user_language(update), context.bot.username, len(self.engine.articles))
        await self._in_line(update.effective_message, [render_plain(text)])

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/sources: the articles, with titles, publishers, dates and links."""
        await self._in_line(update.effective_message, render_sources(self.engine.articles, user_language(update)))

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
        await self._answer(message, question, context, replacing=await self._answer_to(message))

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice…: say that the bot reads text (in groups, only when addressed)."""
        message = update.effective_message
        if message.chat.type != message.chat.PRIVATE and not replies_to_bot(message, context.bot.bot):
            return
        await self._in_line(message, [render_plain(texts.text_only(user_language(update)))])

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An unknown command in a private chat: the help text."""
        await self.start(update, context)

    async def vote(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """👍 / 👎: the presser's vote on that answer, recorded (a later press replaces it) and
        acknowledged in place: a toast only they see and, in a private chat, the pressed button
        marked. In a group the keyboard is shared, so it stays as it is for everyone."""
        query = update.callback_query
        lang = user_language(update)
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
        await query.answer(messages.vote_recorded(lang, VOTE_LABELS[vote]))

    async def stale_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button this version of the bot does not know: say it has expired."""
        await update.callback_query.answer(messages.button_expired(user_language(update)), show_alert=True)

    async def _answer_or_hint(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, hint: Callable[[str], str]
    ) -> None:
        """Answer the message's question, or say `hint` (in the user's language) when it holds none."""
        message = update.effective_message
        question = question_in(message, context.bot.bot)
        if not question:
            await self._in_line(message, [render_plain(hint(user_language(update)))])
            return
        await self._answer(message, question, context)

    async def _answer(
        self, message: Message, question: str, context: ContextTypes.DEFAULT_TYPE, replacing: int | None = None
    ) -> None:
        """Rate limit, then one call of the engine, then the rendered reply (with "More"): new, or
        in place of the bot's message `replacing` (the answer to the question before its edit)."""
        place = self.chat_lines.join(message.chat_id)  # before any await: the order asked
        try:
            wait = self.limiter.retry_after(asker(message))
            if wait:
                lang = texts.ui_language(message.from_user.language_code if message.from_user else None)
                await place.wait_turn()
                await send_reply(message, render_plain(messages.too_fast(lang, wait)))
                return
            # Fire and forget: the indicator is a nicety that must never delay or cost the answer.
            context.application.create_task(_show_typing(message), name="typing")
            earlier = await self._earlier_question(message, context.bot.id)
            answer = await self.retrieve(question, earlier=earlier)
            answer_id = self.feedback.record_question(PLATFORM, person(message), answer)
            pages = render_telegram_reply(answer)
            # A follow-up's pages are of the question searched, which the answer remembers.
            keyboard = answer_keyboard(answer, answer.question if earlier else question, answer_id)
            await place.wait_turn()
            edited = await self._edit_answer(message, replacing, pages[0], keyboard if len(pages) == 1 else None)
            for number, page in enumerate(pages, start=1):
                if number == 1 and edited:
                    continue
                sent = await send_reply(message, page, reply_markup=keyboard if number == len(pages) else None)
                await asyncio.to_thread(self._remember, message, sent, number, answer, earlier is not None)
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
            CallbackQueryHandler(track(handlers.paging.more), pattern=r"^more:"),
            CallbackQueryHandler(track(handlers.vote), pattern=r"^vote:"),
            CallbackQueryHandler(track(handlers.stale_button)),
            InlineQueryHandler(track(handlers.inline_mode.inline)),
            ChosenInlineResultHandler(track(handlers.inline_mode.chosen_inline_result)),
        ]
    )
    application.add_error_handler(report_error)


async def _show_typing(message: Message) -> None:
    """The "typing…" indicator; a failure here must not cost the answer."""
    try:
        await message.reply_chat_action(ChatAction.TYPING)
    except TelegramError as error:
        log.debug("typing indicator failed: %s", error)
