"""A stand-in Telegram Bot API server for tests, on 127.0.0.1.

It speaks the Bot API over HTTP (`/bot<token>/<method>`, form or JSON parameters, the
`{"ok": ..., "result": ...}` envelope), hands out queued real-shaped updates by long polling,
records every call, and refuses what Telegram refuses (bad HTML, over-long messages, unknown
callback queries). It can be told to fail the next call of a method (429 with retry_after,
502 Bad Gateway).

Run it alone for end-to-end tests:

    python -m tests.standins.telegram_server --host 127.0.0.1 --port 8081

with control endpoints `POST /_test/message` ({"chat_id", "user_id", "text", "language_code"})
to enqueue a private-chat message, and `GET /_test/calls` for the calls recorded so far.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable

from aiohttp import web

BOT_ID = 7000000001
BOT_USERNAME = "SoraQuotesBot"
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
LONG_POLL_CAP_SECONDS = 30

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

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "params": self.params, "status": self.status}


class TelegramStandIn:
    """The Bot API as one bot sees it, with the users' side to drive it from tests."""

    def __init__(self, bot_username: str = BOT_USERNAME, bot_id: int = BOT_ID) -> None:
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
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._query_ids = itertools.count(1)
        self._confirmed = 0
        self._chats: dict[int, dict[str, Any]] = {}
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

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

    async def stop(self) -> None:
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

    def fail_next(self, method: str, status: int, retry_after: int = 1) -> None:
        """The next call of `method` fails: 429 (Too Many Requests, with retry_after) or 5xx."""
        self._failures.setdefault(method, deque()).append((status, retry_after))

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_parameters(request)
        failure = self._failures.get(method)
        if failure:
            status, retry_after = failure.popleft()
            self.calls.append(Call(method, params, status))
            await self._notify()
            return _failure_response(status, retry_after)
        handler = getattr(self, f"_api_{method}", None)
        try:
            if handler is None:
                raise APIError(404, "Not Found: method not found")
            result = await handler(params) if method == "getUpdates" else handler(params)
        except APIError as error:
            self.calls.append(Call(method, params, error.code))
            await self._notify()
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.code)
        if method != "getUpdates":
            self.calls.append(Call(method, params, 200, result))
            await self._notify()
        return web.json_response({"ok": True, "result": result})

    # --- the Bot API methods --------------------------------------------------------------

    def _api_getMe(self, params: dict) -> dict:
        return self.bot

    def _api_deleteWebhook(self, params: dict) -> bool:
        return True

    def _api_setWebhook(self, params: dict) -> bool:
        return True

    def _api_close(self, params: dict) -> bool:
        return True

    def _api_logOut(self, params: dict) -> bool:
        return True

    def _api_getWebhookInfo(self, params: dict) -> dict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.pending(self._confirmed))}

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), LONG_POLL_CAP_SECONDS)
        if offset:
            self._confirmed = max(self._confirmed, offset)
        if not self.pending(self._confirmed) and timeout > 0:
            async with self.condition:
                try:
                    await asyncio.wait_for(self.condition.wait_for(lambda: self.pending(self._confirmed)), timeout)
                except (TimeoutError, asyncio.TimeoutError):
                    pass
        return self.pending(self._confirmed)[:limit]

    def pending(self, offset: int) -> list[dict]:
        return [update for update in self.updates if update["update_id"] >= offset]

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

    def _api_sendChatAction(self, params: dict) -> bool:
        _chat_id(params)
        if params.get("action") not in {"typing", "upload_photo", "record_video", "upload_document", "choose_sticker"}:
            raise APIError(400, "Bad Request: wrong parameter action in request")
        return True

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.callback_queries:
            raise APIError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        if len(params.get("text") or "") > 200:
            raise APIError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_answerInlineQuery(self, params: dict) -> bool:
        results = params.get("results") or []
        if len(results) > 50:
            raise APIError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [result.get("id", "") for result in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise APIError(400, "Bad Request: RESULT_ID_INVALID")
        for result in results:
            content = result.get("input_message_content") or {}
            if content.get("parse_mode") == "HTML":
                self._check_html(content.get("message_text", ""))
        return True

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

    def inline_query(self, user: dict, query: str) -> str:
        """`user` types "@bot query" in some chat; the inline query's id."""
        payload = {"id": str(next(self._query_ids)), "from": user, "query": query, "offset": "", "chat_type": "sender"}
        self.enqueue("inline_query", payload)
        return payload["id"]

    async def wait_for(self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = 5.0) -> list[Call]:
        """The first `count` recorded calls matching `predicate`, waiting for them up to `timeout` s."""
        def found() -> list[Call]:
            return [call for call in self.calls if predicate(call)]

        async with self.condition:
            await asyncio.wait_for(self.condition.wait_for(lambda: len(found()) >= count), timeout)
        return found()[:count]

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


def _chat_id(params: dict) -> int:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        raise APIError(400, "Bad Request: chat not found") from None


def _without_reply(message: dict) -> dict:
    """A message as Telegram nests it in another: one level deep."""
    return {key: value for key, value in message.items() if key != "reply_to_message"}


def _failure_response(status: int, retry_after: int) -> web.Response:
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


async def serve(host: str, port: int) -> None:
    standin = TelegramStandIn()
    await standin.start(host, port)
    print(f"stand-in Telegram Bot API on {standin.base_url}<token>/<method>", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A stand-in Telegram Bot API server for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
