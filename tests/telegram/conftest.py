"""The real python-telegram-bot Application, long polling a stand-in Bot API on 127.0.0.1, and
users who talk to it the way people do."""

from __future__ import annotations

import itertools
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from bot.runtime.settings import Settings
from bot.telegram_bot.app import build_application, polling
from bot.telegram_bot.flood_limits import FloodLimits
from bot.telegram_bot.retries import RetryingRateLimiter
from tests.standins.telegram_server import Call, TelegramStandIn, check_telegram_html, utf16_length

TOKEN = "123456789:AAE-stand-in-token-must-never-be-logged"
# Long polling in tests: short, so stopping the bot never waits long for an open request.
POLL_TIMEOUT = 0.2
REPLY_TIMEOUT = 10.0


@dataclass
class Reply:
    """A message from the bot, as the user sees it."""

    call: Call
    message: dict[str, Any]

    @property
    def html(self) -> str:
        return self.call.params["text"]

    @property
    def text(self) -> str:
        return self.message["text"]

    @property
    def buttons(self) -> dict[str, str]:
        """Inline buttons: label -> callback data."""
        rows = (self.call.params.get("reply_markup") or {}).get("inline_keyboard", [])
        return {button["text"]: button.get("callback_data") for row in rows for button in row}

    @property
    def replies_to(self) -> int | None:
        return (self.call.params.get("reply_parameters") or {}).get("message_id")


class TelegramUser:
    """Someone using Telegram: sends messages, presses buttons, types inline queries."""

    _ids = itertools.count(1001)

    def __init__(self, standin: TelegramStandIn, first_name: str, language_code: str = "en") -> None:
        self.standin = standin
        self.profile = {"id": next(self._ids), "is_bot": False, "first_name": first_name, "language_code": language_code}

    def sends(self, text: str | None = None, chat: dict | None = None, reply_to: dict | None = None, **fields: Any) -> dict:
        """Send a message without waiting: the message as Telegram delivers it."""
        chat_id = chat["id"] if chat else None
        return self.standin.user_message(self.profile, text, chat_id=chat_id, reply_to=reply_to, **fields)

    async def says(self, text: str | None = None, chat: dict | None = None, reply_to: dict | None = None, **fields: Any) -> Reply:
        """Send a message and wait for the bot's (first) reply to it."""
        message = self.sends(text, chat, reply_to, **fields)
        return (await self.replies_to(message))[0]

    async def replies_to(self, message: dict, count: int = 1) -> list[Reply]:
        """The bot's first `count` replies to `message`."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]

        def is_reply(call: Call) -> bool:
            return (
                call.method == "sendMessage"
                and call.status == 200
                and int(call.params["chat_id"]) == chat_id
                and (call.params.get("reply_parameters") or {}).get("message_id") == message_id
            )

        calls = await self.standin.wait_for(is_reply, count, REPLY_TIMEOUT)
        return [self._reply(call) for call in calls]

    async def presses(self, reply: Reply, label: str) -> Call:
        """Press a button under the bot's reply; the bot's answer to the press."""
        query_id = self.standin.press_button(self.profile, reply.message, reply.buttons[label])
        answered = await self.standin.wait_for(
            lambda call: call.method == "answerCallbackQuery" and call.params["callback_query_id"] == query_id,
            timeout=REPLY_TIMEOUT,
        )
        return answered[0]

    async def types_inline(self, query: str) -> list[dict[str, Any]]:
        """Type "@bot query" in a chat: the results offered."""
        return (await self.sees_inline(query))["results"]

    async def sees_inline(self, query: str, offset: str = "") -> dict[str, Any]:
        """Type "@bot query" in a chat (scrolled to `offset`): everything Telegram shows
        (results, the button above them, the offset of the next page), fresh or from its cache."""
        query_id = self.standin.inline_query(self.profile, query, offset)
        return await self.standin.inline_answer(query_id, timeout=REPLY_TIMEOUT)

    def _reply(self, call: Call) -> Reply:
        return Reply(call, call.result)


@pytest.fixture
async def telegram():
    """The stand-in Bot API; after each test, every message the bot sent is valid Telegram HTML."""
    standin = TelegramStandIn()
    await standin.start("127.0.0.1", 0)
    yield standin
    await standin.stop()
    for call in standin.calls:
        if call.method in ("sendMessage", "editMessageText") and call.status == 200:
            assert check_telegram_html(call.params["text"]) == [], call.params["text"]
            assert utf16_length(call.params["text"]) <= 4096


@pytest.fixture
def settings(telegram, feedback_db) -> Settings:
    return Settings(
        feedback_db_path=feedback_db,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=telegram.base_url,
        telegram_api_file_url=telegram.base_url.replace("/bot", "/file/bot"),
        health_port=0,
        rate_limit_questions=5,
        rate_limit_seconds=30,
    )


def fast_rate_limiter() -> RetryingRateLimiter:
    """Telegram's 429 and network errors handled as in production, without the flood limits
    (the stand-in has none) and with short pauses between network retries."""
    return RetryingRateLimiter(limits=FloodLimits.none(), retry_delays=(0.05, 0.1, 0.2))


@asynccontextmanager
async def running_bot(settings: Settings, engine):
    application = build_application(settings, engine, rate_limiter=fast_rate_limiter())
    async with polling(application, timeout=POLL_TIMEOUT):
        yield application


@pytest.fixture
async def bot(telegram, settings, engine):
    """The bot, long polling the stand-in."""
    async with running_bot(settings, engine) as application:
        yield application


@pytest.fixture
def alice(telegram) -> TelegramUser:
    return TelegramUser(telegram, "Alice", "en")


@pytest.fixture
def mei(telegram) -> TelegramUser:
    return TelegramUser(telegram, "美玲", "zh-hant")


@pytest.fixture
def group(telegram) -> dict:
    return telegram.add_group(-1001234567890, "Sora fans")
