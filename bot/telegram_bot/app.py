"""Wiring: the Application built from settings, its handlers, and polling or a webhook."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, Defaults

from bot.feedback.store import FeedbackRecorder, open_feedback
from bot.health import Readiness, start_health_server
from bot.rate_limit import RateLimiter
from bot.settings import Settings, SettingsError, TelegramMode, require_token
from bot.telegram_bot import texts
from bot.telegram_bot.handlers import Handlers, register_handlers
from bot.telegram_bot.library_logs import skip_repeated_tracebacks
from bot.log_redaction import redact_secrets_in_logs
from bot.telegram_bot.render import NO_LINK_PREVIEW
from bot.telegram_bot.retries import RetryingRateLimiter
from bot.telegram_bot.shutdown import InFlight, stop_on_signals
from bot.telegram_bot.startup_errors import describe_startup_failure
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
# Command menus: the default one, and a Chinese one for users whose app is in Chinese.
COMMAND_MENUS = (("en", None), ("zh-Hans", "zh"))


def build_application(
    settings: Settings,
    engine: Engine,
    *,
    readiness: Readiness | None = None,
    rate_limiter: BaseRateLimiter | None = None,
    in_flight: InFlight | None = None,
    feedback: FeedbackRecorder | None = None,
) -> Application:
    """The bot, ready to run: token and API address from `settings`, handlers bound to `engine`,
    commands registered and the health server started once connected (SettingsError without a
    token). Questions and votes go to `feedback`, by default the recorder the settings ask for
    (FeedbackSchemaError when its database is newer than this code); the application closes it
    when it shuts down."""
    token = require_token(settings, "telegram_bot_token")
    feedback = feedback if feedback is not None else open_feedback(settings)
    skip_repeated_tracebacks()
    readiness = readiness or Readiness()
    readiness.index_loaded = True
    readiness.embedding = engine.embedding_progress
    executor = ThreadPoolExecutor(RETRIEVAL_THREADS, thread_name_prefix="retrieval")
    health: dict[str, object] = {}

    async def post_init(application: Application) -> None:
        if isinstance(application.bot.rate_limiter, RetryingRateLimiter):
            application.bot.rate_limiter.online = True  # from now on, ride out network trouble
        await _register_commands(application)
        health["runner"] = await start_health_server(readiness, settings.health_port)
        readiness.connected = True
        log.info("connected to Telegram as @%s", application.bot.username)

    async def post_shutdown(application: Application) -> None:
        readiness.connected = False
        if health.get("runner"):
            await health["runner"].cleanup()
        executor.shutdown(wait=False, cancel_futures=True)
        await asyncio.to_thread(feedback.close)  # the queued writes finish first

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_file_url)
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=NO_LINK_PREVIEW, allow_sending_without_reply=True)
        )
        .rate_limiter(rate_limiter or RetryingRateLimiter())
        .concurrent_updates(CONCURRENT_UPDATES)
        .update_queue(BoundedUpdateQueue())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    limiter = RateLimiter(settings.rate_limit_questions, settings.rate_limit_seconds)
    inline_limiter = RateLimiter(settings.rate_limit_questions * INLINE_QUERIES_PER_QUESTION, settings.rate_limit_seconds)
    handlers = Handlers(
        engine, top_k=settings.top_k, limiter=limiter, inline_limiter=inline_limiter, executor=executor,
        feedback=feedback,
    )
    register_handlers(application, handlers, in_flight if in_flight is not None else InFlight())
    return application


def run(settings: Settings, engine: Engine) -> None:
    """Run the bot until stopped (Ctrl-C or SIGTERM): long polling, or a webhook when
    TELEGRAM_MODE=webhook. SettingsError when the token or the webhook URL is missing;
    ConnectionError (one line) when Telegram cannot be reached or refuses the token at start-up:
    only once the bot has been online are network errors ridden out."""
    token = require_token(settings, "telegram_bot_token")
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    redact_secrets_in_logs([token, secret])
    if settings.telegram_mode == TelegramMode.webhook and not settings.telegram_webhook_url:
        raise SettingsError("TELEGRAM_WEBHOOK_URL is required when TELEGRAM_MODE=webhook")
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
        raise ConnectionError(describe_startup_failure(error, settings.telegram_api_base_url, token)) from None


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
    """setMyCommands: the command menu in English, and in Chinese for Chinese-language users."""
    for lang, language_code in COMMAND_MENUS:
        commands = [BotCommand(name, text) for name, text in texts.command_descriptions(lang).items()]
        try:
            await application.bot.set_my_commands(commands, language_code=language_code)
        except TelegramError as error:  # the menu is a convenience: answer questions anyway
            log.warning("could not register the %s command menu: %s", lang, error)
