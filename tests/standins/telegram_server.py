"""A stand-in Telegram Bot API server for tests, on 127.0.0.1.

It speaks the Bot API over HTTP (`/bot<token>/<method>`, form or JSON parameters, the
`{"ok": ..., "result": ...}` envelope), hands out queued real-shaped updates by long polling,
records every call, and refuses what Telegram refuses (bad HTML, over-long messages, unknown
callback queries). It can be told to fail the next call of a method (429 with retry_after,
502 Bad Gateway), to carry out the next call of a method but answer it late, to fail a seeded random share of all calls, to hold a method's calls until
released, and it models what a live deployment meets: chats that blocked or removed the bot
(403), groups upgraded to supergroups (migrate_to_chat_id), anonymous admins and channels
posting in groups (sender_chat), captions, edited messages, and Telegram's cache of inline
answers (shared by everyone asking the same query unless the answer is personal).

After setWebhook it delivers updates as Telegram does: each POSTed as JSON to the webhook's
https:// URL (on the ports Telegram allows) with the X-Telegram-Bot-Api-Secret-Token header, up
to max_connections at once, and again after a pause until it gets a 2xx (a connection error, a
timeout or any other status is a failure); getUpdates is refused (409) while a webhook is set.
A test can deliver an update a second time (`deliver_again`), as Telegram does when a 2xx was
lost on the way. The API can be reached at more than one address (`listen_also`), and each call
records the port it came in on, so that a test can tell bot processes apart.

Run it alone for end-to-end tests:

    python -m tests.standins.telegram_server --host 127.0.0.1 --port 8081

(with `--webhook-ca proxy.crt` to trust a proxy's self-signed certificate when delivering to a
webhook) with control endpoints `POST /_test/message` ({"chat_id", "user_id", "text", "language_code"})
to enqueue a private-chat message, and `GET /_test/calls` for the calls recorded so far.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import re
import ssl
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable
from urllib.parse import urlparse

import aiohttp
from aiohttp import web

BOT_ID = 7000000001
BOT_USERNAME = "SoraQuotesBot"
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
LONG_POLL_CAP_SECONDS = 30
# Who Telegram says sent a message that an anonymous group admin posted.
GROUP_ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
# Methods that send something into a chat: the ones a blocked or migrated chat refuses.
SENDING_METHODS = {"sendMessage", "sendChatAction", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage"}
# Telegram's rules for webhooks (setWebhook): these ports only, 1-100 connections (40 by default),
# a secret token of these characters.
WEBHOOK_PORTS = (443, 80, 88, 8443)
WEBHOOK_MAX_CONNECTIONS = 40
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Delivery to a webhook: how long one POST may take, the pauses between attempts (doubling, at
# most the last), and how many attempts an update gets before it is dropped (a safety net).
WEBHOOK_TIMEOUT_SECONDS = 60.0
WEBHOOK_RETRY_PAUSES = (0.1, 2.0)
WEBHOOK_ATTEMPTS = 200

# Telegram's HTML parse mode: these tags (with these attributes) and these named entities only.
ALLOWED_TAGS: dict[str, set[str]] = {
    "b": set(), "strong": set(), "i": set(), "em": set(), "u": set(), "ins": set(),
    "s": set(), "strike": set(), "del": set(), "tg-spoiler": set(), "span": {"class"},
    "a": {"href"}, "code": {"class"}, "pre": set(), "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
ALLOWED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_RAW_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot);)")

# Parameters that are plain strings on the wire; every other value is JSON (as PTB sends it).
STRING_PARAMETERS = {
    "text", "parse_mode", "callback_query_id", "inline_query_id", "action", "language_code",
    "url", "secret_token", "next_offset", "inline_message_id", "caption", "emoji", "description",
}


class TelegramHTMLChecker(HTMLParser):
    """Parses text the way Telegram's HTML mode does, collecting every problem it would refuse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.open: list[str] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
        for name, value in attrs:
            if name not in ALLOWED_TAGS.get(tag, set()):
                self.problems.append(f"attribute {name!r} is not allowed on <{tag}>")
        if tag == "a" and not dict(attrs).get("href"):
            self.problems.append("<a> without href")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self.problems.append('<span> without class="tg-spoiler"')
        if _RAW_AMPERSAND.search(raw) or "<" in raw[1:] or raw.count(">") != 1:
            self.problems.append(f"unescaped character in {raw!r}")
        if tag in self.open and tag in ("a", "blockquote", "pre", "code"):
            self.problems.append(f"<{tag}> nested in <{tag}>")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/> is not allowed")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> does not close the open tag {self.open[-1:] or 'none'}")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for char in "&<>":
            if char in data:
                self.problems.append(f"unescaped {char!r} in text {data[:40]!r}")
        self.visible.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ALLOWED_ENTITIES:
            self.problems.append(f"entity &{name}; is not allowed")
        self.visible.append(ALLOWED_ENTITIES.get(name, ""))

    def handle_charref(self, name: str) -> None:
        self.problems.append(f"numeric entity &#{name}; (only &lt; &gt; &amp; &quot; are allowed)")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declarations are not allowed")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declarations are not allowed")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instructions are not allowed")


def check_telegram_html(text: str) -> list[str]:
    """Every reason Telegram's HTML parse mode would refuse `text` (none: it is fine)."""
    checker = TelegramHTMLChecker()
    checker.feed(text)
    checker.close()
    if checker.open:
        checker.problems.append(f"unclosed tags {checker.open}")
    return checker.problems


def visible_text(html_text: str) -> str:
    """What the user sees of an HTML message: the text without tags, entities resolved."""
    checker = TelegramHTMLChecker()
    checker.feed(html_text)
    checker.close()
    return "".join(checker.visible)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def text_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram finds in a user's plain text: a leading bot command, @mentions."""
    entities = []
    command = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_length(command[0])})
    for mention in re.finditer(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}", text):
        entities.append(
            {"type": "mention", "offset": utf16_length(text[: mention.start()]), "length": utf16_length(mention[0])}
        )
    return entities


class APIError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Call:
    """One request the bot made: the method, its decoded parameters, the HTTP status answered."""

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None
    at: float = field(default_factory=time.monotonic)
    port: int = 0  # the port of the stand-in's address the call came in on

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "params": self.params, "status": self.status}


@dataclass
class Delivery:
    """One attempt to deliver an update to the webhook: the HTTP status it got (0: no answer,
    the connection failed or timed out)."""

    update_id: int
    status: int
    at: float = field(default_factory=time.monotonic)

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300


class TelegramStandIn:
    """The Bot API as one bot sees it, with the users' side to drive it from tests."""

    def __init__(
        self, bot_username: str = BOT_USERNAME, bot_id: int = BOT_ID, webhook_ssl: ssl.SSLContext | None = None
    ) -> None:
        """`webhook_ssl`: whom to trust when delivering to an https:// webhook (by default the
        system's certificate authorities, as Telegram)."""
        self.bot = {
            "id": bot_id, "is_bot": True, "first_name": "Sora Quotes", "username": bot_username,
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True,
        }
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, deque[tuple[int, Any]]] = {}
        self._held: dict[str, asyncio.Event] = {}
        self._slow: dict[str, deque[float]] = {}
        self._random_faults: tuple[random.Random, float, frozenset[str]] | None = None
        self._queries_expire = False
        self._stopping = False
        self._blocked: dict[int, str] = {}
        self._migrated: dict[int, int] = {}
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.delivered: set[int] = set()  # update ids handed out by getUpdates
        self._inline_cache: dict[tuple, tuple[float, dict[str, Any]]] = {}
        self._inline_queries: dict[str, dict[str, Any]] = {}
        # @BotFather's /setinlinefeedback: off unless the bot's owner turns it on.
        self.inline_feedback = False
        # Messages sent from inline results with a keyboard: inline_message_id -> the message.
        self.inline_messages: dict[str, dict[str, Any]] = {}
        self._inline_message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._query_ids = itertools.count(1)
        self._confirmed = 0
        self._chats: dict[int, dict[str, Any]] = {}
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        # The webhook set (setWebhook's parameters), and its deliveries.
        self.webhook: dict[str, Any] | None = None
        self.deliveries: list[Delivery] = []
        self.acknowledged: set[int] = set()  # update ids a webhook answered with a 2xx
        self._webhook_ssl = webhook_ssl
        self._again: deque[dict[str, Any]] = deque()
        self._delivering: set[int] = set()
        self.given_up: set[int] = set()  # update ids dropped after WEBHOOK_ATTEMPTS failures
        self._delivery_tasks: set[asyncio.Task] = set()
        self._delivery_loop: asyncio.Task | None = None

    # --- serving -------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/bot{token}/{method}", self._api)
        app.router.add_post("/_test/message", self._test_message)
        app.router.add_get("/_test/calls", self._test_calls)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # the port chosen when port=0
        self.host = host

    async def listen_also(self) -> str:
        """The Bot API at one more address (another port on the same host), sharing everything
        with the first: what to give a second bot process as `base_url`."""
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        return f"http://{self.host}:{site._server.sockets[0].getsockname()[1]}/bot"

    async def stop(self) -> None:
        # Long polls still open (a bot that was killed leaves one) end now, not at their timeout:
        # the server's clean-up waits for every request in progress.
        self._stopping = True
        await self._notify()
        tasks = [task for task in (self._delivery_loop, *self._delivery_tasks) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What to give python-telegram-bot as `base_url` (it appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def _notify(self) -> None:
        async with self.condition:
            self.condition.notify_all()

    def fail_next(self, method: str, status: int, retry_after: float = 1) -> None:
        """The next call of `method` fails: 429 (Too Many Requests, with retry_after) or 5xx.
        Called again, the calls after it fail too, in turn."""
        self._failures.setdefault(method, deque()).append((status, retry_after))

    def slow_next(self, method: str, seconds: float) -> None:
        """The next call of `method` is carried out (a message is delivered) but answered only
        after `seconds`, as when Telegram is slow: a client that gave up may think it failed."""
        self._slow.setdefault(method, deque()).append(seconds)

    def fail_at_random(self, share: float, seed: int, methods: set[str] | None = None) -> None:
        """From now on a seeded random `share` of calls (of `methods`, default all but getUpdates)
        fails as Telegram does under load: half 429 with retry_after 1, half 502 Bad Gateway
        (long polling too: the bot must ride it out)."""
        chosen = frozenset(methods) if methods else frozenset()
        self._random_faults = (random.Random(seed), share, chosen)

    def answer_too_late(self) -> None:
        """From now on every button press and inline query is too old by the time the bot answers
        it, as when a bot answers after Telegram's few seconds: 400 "query is too old"."""
        self._queries_expire = True

    def hold(self, method: str) -> None:
        """Calls of `method` wait (the request stays open) until `release(method)`."""
        self._held[method] = asyncio.Event()

    def release(self, method: str) -> None:
        self._held.pop(method).set()

    def block(self, chat_id: int, description: str = "Forbidden: bot was blocked by the user") -> None:
        """The chat no longer takes the bot's messages (blocked by the user, bot kicked): 403."""
        self._blocked[chat_id] = description

    def migrate(self, chat_id: int, new_chat_id: int) -> dict:
        """The group was upgraded to a supergroup with a new id; sends to the old id get 400 with
        migrate_to_chat_id. The new supergroup."""
        self._migrated[chat_id] = new_chat_id
        old = self._chats.get(chat_id, {"title": f"Group {chat_id}"})
        return self.add_group(new_chat_id, old["title"])

    def _injected_failure(self, method: str, chat_id: Any) -> web.Response | None:
        failure = self._failures.get(method)
        if failure:
            return _failure_response(*failure.popleft())
        if method in SENDING_METHODS and chat_id is not None:
            try:
                chat = int(chat_id)
            except (TypeError, ValueError):
                chat = None
            if chat in self._blocked:
                return _error_response(APIError(403, self._blocked[chat]))
            if chat in self._migrated:
                error = APIError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                                 migrate_to_chat_id=self._migrated[chat])
                return _error_response(error)
        if self._random_faults:
            rng, share, methods = self._random_faults
            if (not methods or method in methods) and rng.random() < share:
                return _failure_response(429 if rng.random() < 0.5 else 502, 1)
        return None

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_parameters(request)
        port = _arrived_on(request)
        held = self._held.get(method)
        if held is not None:
            self.calls.append(Call(method, params, 0, port=port))  # status 0: still open
            await self._notify()
            await held.wait()
            self.calls.pop(next(i for i, c in enumerate(self.calls) if c.params is params and c.status == 0))
        failed = self._injected_failure(method, params.get("chat_id"))
        if failed is not None:
            self.calls.append(Call(method, params, failed.status, port=port))
            await self._notify()
            return failed
        handler = getattr(self, f"_api_{method}", None)
        try:
            if handler is None:
                raise APIError(404, "Not Found: method not found")
            result = await handler(params) if method == "getUpdates" else handler(params)
        except APIError as error:
            self.calls.append(Call(method, params, error.code, port=port))
            await self._notify()
            return _error_response(error)
        if method != "getUpdates":
            self.calls.append(Call(method, params, 200, result, port=port))
            await self._notify()
        slow = self._slow.get(method)
        if slow:
            await asyncio.sleep(slow.popleft())
        return web.json_response({"ok": True, "result": result})

    # --- the Bot API methods --------------------------------------------------------------

    def _api_getMe(self, params: dict) -> dict:
        return self.bot

    def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    def _api_setWebhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        if not url:  # an empty URL removes the webhook
            return self._api_deleteWebhook(params)
        parts = urlparse(url)
        if parts.scheme != "https" or not parts.hostname:
            raise APIError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in WEBHOOK_PORTS:
            raise APIError(400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not _WEBHOOK_SECRET.match(secret):
            raise APIError(400, "Bad Request: secret token contains unallowed characters")
        connections = int(params.get("max_connections") or WEBHOOK_MAX_CONNECTIONS)
        if not 1 <= connections <= 100:
            raise APIError(400, "Bad Request: bad webhook: max_connections must be between 1 and 100")
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook = {
            "url": url, "secret_token": secret, "max_connections": connections,
            "allowed_updates": params.get("allowed_updates") or None,
        }
        if self._delivery_loop is None or self._delivery_loop.done():
            self._delivery_loop = asyncio.get_running_loop().create_task(self._deliver_updates())
        return True

    def _drop_pending(self) -> None:
        self._confirmed = max(self._confirmed, max((u["update_id"] for u in self.updates), default=0) + 1)

    def _api_close(self, params: dict) -> bool:
        return True

    def _api_logOut(self, params: dict) -> bool:
        return True

    def _api_getWebhookInfo(self, params: dict) -> dict:
        info = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.pending(self._confirmed))}
        if self.webhook:
            info.update(url=self.webhook["url"], max_connections=self.webhook["max_connections"])
        return info

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        if self.webhook:
            raise APIError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), LONG_POLL_CAP_SECONDS)
        if offset:
            self._confirmed = max(self._confirmed, offset)
        if not self.pending(self._confirmed) and timeout > 0:
            async with self.condition:
                try:
                    await asyncio.wait_for(
                        self.condition.wait_for(lambda: self._stopping or self.pending(self._confirmed)), timeout
                    )
                except (TimeoutError, asyncio.TimeoutError):
                    pass
        handed_out = self.pending(self._confirmed)[:limit]
        self.delivered.update(update["update_id"] for update in handed_out)
        return handed_out

    @property
    def confirmed(self) -> int:
        """The offset the bot has confirmed: updates below it will never be handed out again."""
        return self._confirmed

    def pending(self, offset: int) -> list[dict]:
        """Updates from `offset` on that no webhook has taken yet."""
        return [u for u in self.updates if u["update_id"] >= offset and u["update_id"] not in self.acknowledged]

    # --- delivery to a webhook ------------------------------------------------------------------

    def deliver_again(self, update: dict) -> None:
        """Deliver `update` to the webhook once more (again until a 2xx), as Telegram does when
        the bot's 2xx for it was lost on the way."""
        self._again.append(update)
        asyncio.get_running_loop().create_task(self._notify())

    def _next_deliveries(self) -> list[tuple[dict, bool]]:
        """What to deliver now, within max_connections: (update, whether it is a second delivery)."""
        room = self.webhook["max_connections"] - len(self._delivery_tasks)
        chosen = [(update, True) for update in list(self._again)[:max(room, 0)]]
        room -= len(chosen)
        for update in self.pending(self._confirmed):
            if room <= 0:
                break
            if update["update_id"] not in self._delivering and update["update_id"] not in self.given_up:
                chosen.append((update, False))
                room -= 1
        return chosen

    async def _deliver_updates(self) -> None:
        """While a webhook is set: deliver every update not yet taken, as room allows."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_SECONDS)) as session:
            while self.webhook is not None and not self._stopping:
                async with self.condition:
                    await self.condition.wait_for(
                        lambda: self._stopping or self.webhook is None or bool(self._next_deliveries())
                    )
                if self._stopping or self.webhook is None:
                    break
                for update, again in self._next_deliveries():
                    if again:
                        self._again.popleft()
                    else:
                        self._delivering.add(update["update_id"])
                    task = asyncio.get_running_loop().create_task(self._deliver(session, update, again))
                    self._delivery_tasks.add(task)
                    task.add_done_callback(self._delivery_tasks.discard)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict, again: bool) -> None:
        """POST `update` to the webhook until it answers 2xx (with a pause after each failure)."""
        pause, longest = WEBHOOK_RETRY_PAUSES
        try:
            for _ in range(WEBHOOK_ATTEMPTS):
                hook = self.webhook
                if hook is None or self._stopping:
                    return
                allowed = hook["allowed_updates"]
                if allowed and not any(kind in update for kind in allowed):
                    self.acknowledged.add(update["update_id"])  # not of a kind the bot asked for: dropped
                    return
                delivery = Delivery(update["update_id"], await self._post(session, hook, update))
                self.deliveries.append(delivery)
                if delivery.succeeded:
                    self.acknowledged.add(update["update_id"])
                    return
                await self._notify()
                await asyncio.sleep(pause)
                pause = min(pause * 2, longest)
            self.given_up.add(update["update_id"])
        finally:
            if not again:
                self._delivering.discard(update["update_id"])
            if not self._stopping:
                await self._notify()

    async def _post(self, session: aiohttp.ClientSession, hook: dict, update: dict) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]} if hook["secret_token"] else {}
        try:
            async with session.post(hook["url"], json=update, headers=headers, ssl=self._webhook_ssl or True) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            return 0

    def _api_sendMessage(self, params: dict) -> dict:
        chat_id = _chat_id(params)
        text = self._checked_text(params)
        message = self._new_message(chat_id, self.bot, text)
        reply = params.get("reply_parameters") or (
            {"message_id": params["reply_to_message_id"]} if params.get("reply_to_message_id") else None
        )
        if reply:
            original = self.messages.get((chat_id, int(reply["message_id"])))
            if original is None and not reply.get("allow_sending_without_reply"):
                raise APIError(400, "Bad Request: message to be replied not found")
            if original is not None:
                message["reply_to_message"] = _without_reply(original)
        self._set_markup(message, params.get("reply_markup"))
        return message

    def _api_editMessageText(self, params: dict) -> dict:
        chat_id = _chat_id(params)
        message = self.messages.get((chat_id, int(params.get("message_id") or 0)))
        if message is None:
            raise APIError(400, "Bad Request: message to edit not found")
        text = self._checked_text(params)
        markup = params.get("reply_markup")
        if text == message["text"] and markup == message.get("reply_markup"):
            raise APIError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        message["text"], message["edit_date"] = text, int(time.time())
        message.pop("reply_markup", None)
        self._set_markup(message, markup)
        return message

    def _api_editMessageReplyMarkup(self, params: dict) -> dict | bool:
        if params.get("inline_message_id"):
            inline = self.inline_messages.get(str(params["inline_message_id"]))
            if inline is None:
                raise APIError(400, "Bad Request: MESSAGE_ID_INVALID")
            self._set_markup(inline, params.get("reply_markup"))
            return True  # as Telegram answers for inline messages
        chat_id = _chat_id(params)
        message = self.messages.get((chat_id, int(params.get("message_id") or 0)))
        if message is None:
            raise APIError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if markup == message.get("reply_markup"):
            raise APIError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        self._set_markup(message, markup)
        return message

    def _api_sendChatAction(self, params: dict) -> bool:
        _chat_id(params)
        if params.get("action") not in {"typing", "upload_photo", "record_video", "upload_document", "choose_sticker"}:
            raise APIError(400, "Bad Request: wrong parameter action in request")
        return True

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.callback_queries or self._queries_expire:
            raise APIError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        if len(params.get("text") or "") > 200:
            raise APIError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_answerInlineQuery(self, params: dict) -> bool:
        query_id = str(params.get("inline_query_id"))
        query = self._inline_queries.get(query_id)
        if query is None or self._queries_expire:
            raise APIError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        results = params.get("results") or []
        if len(results) > 50:
            raise APIError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [result.get("id", "") for result in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise APIError(400, "Bad Request: RESULT_ID_INVALID")
        if len((params.get("next_offset") or "").encode()) > 64:
            raise APIError(400, "Bad Request: NEXT_OFFSET_INVALID")
        for result in results:
            content = result.get("input_message_content") or {}
            if content.get("parse_mode") == "HTML":
                self._check_html(content.get("message_text", ""))
            self._set_markup({}, result.get("reply_markup"))
        self.inline_answers[query_id] = params
        cache_time = int(params.get("cache_time", 300))
        if cache_time > 0:
            self._inline_cache[self._inline_cache_key(query, bool(params.get("is_personal")))] = (
                time.monotonic() + cache_time, params,
            )
        return True

    @staticmethod
    def _inline_cache_key(query: dict, personal: bool) -> tuple:
        return (query["query"], query["offset"], query["from"]["id"] if personal else None)

    def _api_setMyCommands(self, params: dict) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise APIError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise APIError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[params.get("language_code") or None] = commands
        return True

    def _api_getMyCommands(self, params: dict) -> list:
        return self.commands.get(params.get("language_code") or None, [])

    # --- what Telegram checks ---------------------------------------------------------------

    def _checked_text(self, params: dict) -> str:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise APIError(400, "Bad Request: message text is empty")
        if params.get("parse_mode") == "HTML":
            self._check_html(text)
            text = visible_text(text)
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise APIError(400, "Bad Request: message is too long")
        return text

    @staticmethod
    def _check_html(text: str) -> None:
        problems = check_telegram_html(text)
        if problems:
            raise APIError(400, f"Bad Request: can't parse entities: {problems[0]}")

    def _set_markup(self, message: dict, markup: Any) -> None:
        if not markup:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise APIError(400, "Bad Request: BUTTON_DATA_INVALID")
        message["reply_markup"] = markup

    # --- the users' side ----------------------------------------------------------------------

    def _new_message(self, chat_id: int, sender: dict, text: str | None, **fields: Any) -> dict:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        message = {
            "message_id": next(counter),
            "from": sender,
            "chat": self._chat(chat_id, sender),
            "date": int(time.time()),
            **fields,
        }
        if text is not None:
            message["text"] = text
            entities = text_entities(text) if sender is not self.bot else []
            if entities:
                message["entities"] = entities
        if fields.get("caption") and sender is not self.bot:
            caption_entities = text_entities(fields["caption"])
            if caption_entities:
                message["caption_entities"] = caption_entities
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _chat(self, chat_id: int, sender: dict) -> dict:
        known = self._chats.get(chat_id)
        if known:
            return known
        if chat_id > 0:
            user = sender if sender is not self.bot else {"first_name": "User"}
            return {"id": chat_id, "type": "private", "first_name": user.get("first_name", "User")}
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def add_group(self, chat_id: int, title: str) -> dict:
        """A supergroup the bot is a member of."""
        self._chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": title}
        return self._chats[chat_id]

    def enqueue(self, kind: str, payload: dict) -> dict:
        """Queue an update of `kind` ("message", "callback_query", "inline_query", ...)."""
        update = {"update_id": next(self._update_ids), kind: payload}
        self.updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def user_message(
        self, user: dict, text: str | None = None, chat_id: int | None = None, reply_to: dict | None = None, **fields: Any
    ) -> dict:
        """`user` sends a message (text, or e.g. sticker=...) to a chat (their private chat by default)."""
        chat_id = chat_id if chat_id is not None else user["id"]
        if reply_to is not None:
            fields["reply_to_message"] = _without_reply(reply_to)
        message = self._new_message(chat_id, user, text, **fields)
        self.enqueue("message", message)
        return message

    def press_button(self, user: dict, message: dict, data: str) -> str:
        """`user` presses the inline button with `data` under the bot's `message`; the query's id."""
        query = {
            "id": str(next(self._query_ids)),
            "from": user,
            "message": self.messages.get((message["chat"]["id"], message["message_id"]), message),
            "chat_instance": f"ci{message['chat']['id']}",
            "data": data,
        }
        self.callback_queries[query["id"]] = query
        self.enqueue("callback_query", query)
        return query["id"]

    def inline_query(self, user: dict, query: str, offset: str = "") -> str:
        """`user` types "@bot query" in some chat (or scrolls to `offset`); the inline query's id.
        As Telegram does, an answer still cached for this query (for everyone, or for this user
        when it was personal) is shown without asking the bot."""
        payload = {"id": str(next(self._query_ids)), "from": user, "query": query, "offset": offset, "chat_type": "sender"}
        self._inline_queries[payload["id"]] = payload
        now = time.monotonic()
        for personal in (True, False):
            expires, cached = self._inline_cache.get(self._inline_cache_key(payload, personal), (0.0, None))
            if cached is not None and expires > now:
                self.inline_answers[payload["id"]] = cached
                asyncio.get_running_loop().create_task(self._notify())
                return payload["id"]
        self.enqueue("inline_query", payload)
        return payload["id"]

    def choose_inline_result(self, user: dict, query_id: str, result_id: str) -> str | None:
        """`user` sends the inline result `result_id` of the inline query `query_id` into a chat;
        its inline_message_id when it has a keyboard (None without: Telegram gives none). With
        inline feedback on, the bot hears of the choice (chosen_inline_result)."""
        query = self._inline_queries[query_id]
        result = next(r for r in self.inline_answers[query_id]["results"] if r["id"] == result_id)
        inline_message_id = None
        if result.get("reply_markup"):
            inline_message_id = f"im{next(self._inline_message_ids)}"
            self.inline_messages[inline_message_id] = {
                "text": (result.get("input_message_content") or {}).get("message_text"),
                "reply_markup": result["reply_markup"],
            }
        if self.inline_feedback:
            chosen = {"result_id": result_id, "from": user, "query": query["query"]}
            if inline_message_id:
                chosen["inline_message_id"] = inline_message_id
            self.enqueue("chosen_inline_result", chosen)
        return inline_message_id

    def press_inline_button(self, user: dict, inline_message_id: str, data: str) -> str:
        """`user` presses the button with `data` under a message sent from an inline result; the
        query's id (the update has no message, only the inline_message_id)."""
        query = {
            "id": str(next(self._query_ids)), "from": user, "inline_message_id": inline_message_id,
            "chat_instance": f"ci-{inline_message_id}", "data": data,
        }
        self.callback_queries[query["id"]] = query
        self.enqueue("callback_query", query)
        return query["id"]

    def anonymous_admin_message(self, group: dict, text: str) -> dict:
        """An anonymous admin of `group` asks: Telegram sends it from GroupAnonymousBot, with the
        group itself as `sender_chat`."""
        message = self._new_message(group["id"], GROUP_ANONYMOUS_BOT, text, sender_chat=group)
        self.enqueue("message", message)
        return message

    def edit_message(self, message: dict, text: str) -> dict:
        """The user edits their `message` (its text, or its caption when it has one)."""
        stored = self.messages[(message["chat"]["id"], message["message_id"])]
        key = "caption" if "caption" in stored else "text"
        stored[key] = text
        stored.pop(f"{'caption_' if key == 'caption' else ''}entities", None)
        entities = text_entities(text)
        if entities:
            stored["caption_entities" if key == "caption" else "entities"] = entities
        stored["edit_date"] = int(time.time())
        self.enqueue("edited_message", dict(stored))
        return stored

    async def wait_for(
        self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = 5.0, *, idle_timeout: float | None = None
    ) -> list[Call]:
        """The first `count` recorded calls matching `predicate`. With `idle_timeout`, wait as long
        as matching calls keep coming (TimeoutError only after `idle_timeout` s without a new one,
        or after `timeout` in all, a safety net); without, up to `timeout` s."""
        def found() -> list[Call]:
            return [call for call in self.calls if predicate(call)]

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            matching = len(found())
            if matching >= count:
                return found()[:count]
            wait = deadline - loop.time()
            if idle_timeout is not None:
                wait = min(wait, idle_timeout)
            if wait <= 0:
                raise TimeoutError(f"{matching} of {count} calls after waiting")
            async with self.condition:
                try:
                    await asyncio.wait_for(self.condition.wait_for(lambda: len(found()) > matching), wait)
                except (TimeoutError, asyncio.TimeoutError):
                    raise TimeoutError(f"{matching} of {count} calls, none new in {wait:.0f} s") from None

    async def inline_answer(self, query_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """What the user is shown for the inline query: the bot's answer, or Telegram's cached one."""
        async with self.condition:
            await asyncio.wait_for(self.condition.wait_for(lambda: query_id in self.inline_answers), timeout)
        return self.inline_answers[query_id]

    # --- control endpoints for end-to-end tests ------------------------------------------------

    async def _test_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = {
            "id": int(body["user_id"]), "is_bot": False, "first_name": body.get("first_name", "Tester"),
            "language_code": body.get("language_code", "en"),
        }
        message = self.user_message(user, str(body["text"]), chat_id=int(body.get("chat_id", user["id"])))
        return web.json_response({"ok": True, "update_id": self.updates[-1]["update_id"], "message_id": message["message_id"]})

    async def _test_calls(self, request: web.Request) -> web.Response:
        return web.json_response([call.to_json() for call in self.calls])


def _arrived_on(request: web.Request) -> int:
    """The port of the stand-in's address that `request` came in on."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if sockname else 0


def _chat_id(params: dict) -> int:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        raise APIError(400, "Bad Request: chat not found") from None


def _without_reply(message: dict) -> dict:
    """A message as Telegram nests it in another: one level deep."""
    return {key: value for key, value in message.items() if key != "reply_to_message"}


def _error_response(error: APIError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.code)


def _failure_response(status: int, retry_after: float = 1) -> web.Response:
    if status == 429:
        body = {
            "ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        }
        return web.json_response(body, status=429)
    # What a proxy in front of the Bot API answers: HTML, not the JSON envelope.
    return web.Response(status=status, text=f"<html><body><h1>{status} Bad Gateway</h1></body></html>", content_type="text/html")


async def _read_parameters(request: web.Request) -> dict[str, Any]:
    """The call's parameters: a JSON body, or form fields whose non-string values are JSON."""
    if request.content_type == "application/json":
        body = await request.read()
        return json.loads(body) if body else {}
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        params.update(await request.post())
    return {key: _decode(key, value) for key, value in params.items() if isinstance(value, str)}


def _decode(key: str, value: str) -> Any:
    if key in STRING_PARAMETERS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def serve(host: str, port: int, webhook_ca: str | None = None) -> None:
    standin = TelegramStandIn(webhook_ssl=ssl.create_default_context(cafile=webhook_ca) if webhook_ca else None)
    await standin.start(host, port)
    print(f"stand-in Telegram Bot API on {standin.base_url}<token>/<method>", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A stand-in Telegram Bot API server for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--webhook-ca", help="a PEM file of the certificate(s) to trust when delivering to a webhook")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.port, args.webhook_ca))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
