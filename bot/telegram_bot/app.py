"""Wiring: the Application built from settings, its handlers, and polling or a webhook."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, Defaults, TypeHandler

from bot.feedback.store import FeedbackRecorder, default_database_path, open_feedback
from bot.runtime.health import Readiness, start_health_server
from bot.runtime.rate_limit import RateLimiter
from bot.runtime.settings import Settings, SettingsError, TelegramMode, database_passwords, require_token
from bot.telegram_bot import texts
from bot.telegram_bot.answered_questions import AnsweredQuestions
from bot.telegram_bot.earlier_questions import EarlierQuestions
from bot.telegram_bot.handlers import Handlers, register_handlers
from bot.telegram_bot.library_logs import skip_repeated_tracebacks
from bot.runtime.log_redaction import redact_secrets_in_logs
from bot.telegram_bot.render import NO_LINK_PREVIEW
from bot.telegram_bot.journal_upkeep import keep_journal
from bot.telegram_bot.question_journal import QuestionJournal
from bot.telegram_bot.retries import RetryingRateLimiter
from bot.telegram_bot.shutdown import InFlight, stop_on_signals
from bot.telegram_bot.startup_errors import describe_startup_failure
from bot.telegram_bot.state_database import FILE_NAME as STATE_FILE_NAME
from bot.telegram_bot.state_database import open_state_database
from bot.telegram_bot.update_backpressure import BoundedUpdateQueue
from retrieval import Engine

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY, Update.CHOSEN_INLINE_RESULT,
]
# Updates handled at once; retrieval itself queues on RETRIEVAL_THREADS.
CONCURRENT_UPDATES = 256
# One thread: retrieval is CPU-bound Python, so more threads only fight the event loop for the
# GIL (and make its stalls longer) without answering faster.
RETRIEVAL_THREADS = 1
# Inline queries arrive as the user types: allow more of them than questions.
INLINE_QUERIES_PER_QUESTION = 4
# Handler group run after every other one: an update there has been handled.
JOURNAL_GROUP = 1
# Command menus: the default one, a Simplified Chinese one for users whose app is in Chinese,
# and Traditional ones for the language codes Traditional Chinese apps send.
COMMAND_MENUS = (("en", None), ("zh-Hans", "zh"), ("zh-Hant", "zh-hant"), ("zh-Hant", "zh-TW"))
# The ports Telegram delivers webhook updates to (setWebhook refuses others).
WEBHOOK_PORTS = (443, 80, 88, 8443)
# How long a request waits for Telegram's answer (python-telegram-bot's default is 5 s): a send
# that times out is not sent again (it may have been delivered), so give a slow Telegram time.
SEND_TIMEOUT_SECONDS = 20.0


def build_application(
    settings: Settings,
    engine: Engine,
    *,
    readiness: Readiness | None = None,
    rate_limiter: BaseRateLimiter | None = None,
    in_flight: InFlight | None = None,
    feedback: FeedbackRecorder | None = None,
    send_timeout: float = SEND_TIMEOUT_SECONDS,
) -> Application:
    """The bot, ready to run: token and API address from `settings`, handlers bound to `engine`,
    commands registered and the health server started once connected (SettingsError without a
    token). Questions and votes go to `feedback`, by default the recorder the settings ask for
    (FeedbackSchemaError when its database is newer than this code); the application closes it
    when it shuts down. `send_timeout`: seconds a request waits for Telegram's answer. The
    working state is in TELEGRAM_STATE_DATABASE_URL's PostgreSQL (ConnectionError when it cannot
    be reached), else in the SQLite file beside the feedback database."""
    token = require_token(settings, "telegram_bot_token")
    feedback = feedback if feedback is not None else open_feedback(settings)
    state = open_state_database(settings.telegram_state_database_url, journal_path(settings))
    journal = QuestionJournal(state, worker_name(settings), settings.telegram_lease_seconds)
    earlier, answered = EarlierQuestions(state), AnsweredQuestions(state)
    skip_repeated_tracebacks()
    readiness = readiness or Readiness()
    readiness.index_loaded = True
    readiness.embedding = engine.embedding_progress
    executor = ThreadPoolExecutor(RETRIEVAL_THREADS, thread_name_prefix="retrieval")
    health: dict[str, object] = {}
    upkeep: list[asyncio.Task] = []

    async def post_init(application: Application) -> None:
        if isinstance(application.bot.rate_limiter, RetryingRateLimiter):
            application.bot.rate_limiter.online = True  # from now on, ride out network trouble
        await _register_commands(application)
        _take_up(application, journal.take_over(own_too=True), "left unanswered when the bot last stopped")
        trims = (earlier.forget_old, answered.forget_old)
        take_up = partial(_take_up, application)
        upkeep.append(asyncio.get_running_loop().create_task(keep_journal(journal, take_up, trims), name="journal upkeep"))
        health["runner"] = await start_health_server(readiness, settings.health_port)
        readiness.connected = True
        log.info("connected to Telegram as @%s", application.bot.username)

    async def post_shutdown(application: Application) -> None:
        readiness.connected = False
        if health.get("runner"):
            await health["runner"].cleanup()
        executor.shutdown(wait=False, cancel_futures=True)
        for task in upkeep:
            task.cancel()
        await asyncio.to_thread(_let_go, journal)
        await asyncio.to_thread(feedback.close)  # the queued writes finish first

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_file_url)
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=NO_LINK_PREVIEW, allow_sending_without_reply=True)
        )
        .read_timeout(send_timeout)
        .write_timeout(send_timeout)
        .rate_limiter(rate_limiter or RetryingRateLimiter())
        .concurrent_updates(CONCURRENT_UPDATES)
        .update_queue(BoundedUpdateQueue(journal=journal))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    limiter = RateLimiter(settings.rate_limit_questions, settings.rate_limit_seconds)
    inline_limiter = RateLimiter(settings.rate_limit_questions * INLINE_QUERIES_PER_QUESTION, settings.rate_limit_seconds)
    handlers = Handlers(
        engine, top_k=settings.top_k, limiter=limiter, inline_limiter=inline_limiter, executor=executor,
        feedback=feedback, earlier=earlier, answered=answered,
    )
    register_handlers(application, handlers, in_flight if in_flight is not None else InFlight())
    application.add_handler(TypeHandler(Update, _struck_off(journal)), group=JOURNAL_GROUP)
    return application


def journal_path(settings: Settings) -> Path:
    """The bot's working state when it has no TELEGRAM_STATE_DATABASE_URL (questions not yet
    answered, the ids of handled updates, which answer belongs to which question): beside the
    feedback database (the bot's data directory, $XDG_DATA_HOME/sora-quotes by default)."""
    return (settings.feedback_db_path or default_database_path()).parent / STATE_FILE_NAME


def worker_name(settings: Settings) -> str:
    """The name this process's questions in hand are leased under: the same when it starts again
    (so it takes up at once what it left), different for each worker sharing a database (one
    host: each webhook worker has its own port)."""
    if settings.telegram_mode == TelegramMode.webhook:
        return f"{socket.gethostname()}:{settings.telegram_webhook_port}"
    return socket.gethostname()


def _struck_off(journal: QuestionJournal) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    async def strike_off(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs after the handlers of the update have finished (not when cut off): it is answered."""
        await asyncio.to_thread(journal.done, update.update_id)

    return strike_off


def _take_up(application: Application, waiting: list[dict], why: str = "accepted by a worker that fell silent") -> None:
    """Queue questions taken over (Bot API JSON): ahead of any update fetched after them."""
    if not waiting:
        return
    log.info("answering %d question(s) %s", len(waiting), why)
    for body in waiting:
        # put_nowait: past the queue's bound on purpose; the poller waits until these are handled.
        application.update_queue.put_nowait(Update.de_json(body, application.bot))


def _let_go(journal: QuestionJournal) -> None:
    """At shutdown: the questions still in hand go to whichever worker looks next; the database closes."""
    try:
        journal.release()
    finally:
        journal.database.close()


def run(settings: Settings, engine: Engine) -> None:
    """Run the bot until stopped (Ctrl-C or SIGTERM): long polling, or a webhook when
    TELEGRAM_MODE=webhook. SettingsError when the token or the webhook URL is missing, or
    Telegram refuses the token; ConnectionError (one line) when Telegram cannot be reached at
    start-up: only once the bot has been online are network errors ridden out."""
    token = require_token(settings, "telegram_bot_token")
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    redact_secrets_in_logs([token, secret, *database_passwords(settings)])
    if settings.telegram_mode == TelegramMode.webhook:
        require_https_webhook(settings.telegram_webhook_url)
    readiness, in_flight = Readiness(), InFlight()
    application = build_application(settings, engine, readiness=readiness, in_flight=in_flight)
    # run_polling/run_webhook run on this loop; our signal handlers bound the wait for answers.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stop_on_signals(loop, application, in_flight)
    try:
        _run_until_stopped(application, settings, secret)
    except TelegramError as error:
        if readiness.connected:
            raise
        line = describe_startup_failure(error, settings.telegram_api_base_url, token)
        if isinstance(error, InvalidToken):  # a configuration error: restarting will not help
            raise SettingsError(line) from None
        raise ConnectionError(line) from None


def require_https_webhook(url: str | None) -> None:
    """SettingsError unless `url` is an https:// address on a port Telegram delivers to:
    Telegram sends updates only over HTTPS, to WEBHOOK_PORTS, and refuses other addresses only
    once the bot is running."""
    if not url:
        raise SettingsError("TELEGRAM_WEBHOOK_URL is required when TELEGRAM_MODE=webhook")
    parts = urlparse(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise SettingsError(f"TELEGRAM_WEBHOOK_URL must be an https:// address (Telegram sends updates only over HTTPS), not {url!r}")
    try:
        port = parts.port or 443
    except ValueError:
        port = None
    if port not in WEBHOOK_PORTS:
        raise SettingsError(f"TELEGRAM_WEBHOOK_URL must use port 443, 80, 88 or 8443 (the ones Telegram delivers to), not {url!r}")


def _run_until_stopped(application: Application, settings: Settings, secret: str | None) -> None:
    if settings.telegram_mode == TelegramMode.webhook:
        log.info("receiving updates by webhook on %s:%s", settings.telegram_webhook_listen, settings.telegram_webhook_port)
        application.run_webhook(
            stop_signals=None,
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=urlparse(settings.telegram_webhook_url).path.lstrip("/"),
            webhook_url=settings.telegram_webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        log.info("receiving updates by long polling")
        application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)


@asynccontextmanager
async def polling(application: Application, timeout: float = 10.0) -> AsyncIterator[Application]:
    """Long polling on the running event loop for the duration of the block: what `run` does
    with its own loop, for embedding the bot (tests, benchmarks)."""
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.updater.start_polling(
            poll_interval=0, timeout=timeout, allowed_updates=ALLOWED_UPDATES,
            # As run_polling does: failures to fetch updates go to the error handler.
            error_callback=lambda error: application.create_task(application.process_error(None, error)),
        )
        await application.start()
        yield application
    finally:
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


async def _register_commands(application: Application) -> None:
    """setMyCommands: the command menu in English, and in Chinese (Simplified, Traditional) for
    Chinese-language users."""
    for lang, language_code in COMMAND_MENUS:
        commands = [BotCommand(name, text) for name, text in texts.command_descriptions(lang).items()]
        try:
            await application.bot.set_my_commands(commands, language_code=language_code)
        except TelegramError as error:  # the menu is a convenience: answer questions anyway
            # The Bot API documents two-letter codes; a regional menu it refuses is no fault.
            level = logging.INFO if language_code and "-" in language_code else logging.WARNING
            log.log(level, "could not register the %s command menu (%s): %s", lang, language_code, error)
