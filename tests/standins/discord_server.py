"""A stand-in for Discord on 127.0.0.1: the HTTP API (under /api/v10) and the gateway WebSocket.

The real discord.py client logs in against it (point `discord.http.Route.BASE` at `api_url`;
GET /gateway/bot names the gateway and the recommended shard count), gets HELLO, IDENTIFYs to
READY, has its heartbeats ACKed, syncs its commands and receives INTERACTION_CREATE and
MESSAGE_CREATE dispatches. Sharding is Discord's: each connection IDENTIFYs as one shard
("shard": [id, count]; 4010 for an invalid one, 4011 when the count is below `required_shards`),
and gets READY and GUILD_CREATE for the guilds on that shard only, and only the events of those
guilds ((guild id >> 22) % count == id) or, on shard 0, of DMs; two connections holding the same
shard both get its events, as on Discord. `add_guild(shard_id, shard_count)` adds a guild that
lands on a given shard. The replies it sends back (interaction callbacks, follow-ups, channel messages) are checked against
Discord's limits, answered as Discord would (400 for a bad body, 404 for an interaction answered
after 3 seconds) and recorded in `calls`. `fail_next` makes one request answer 429 or 500.

Run on its own (for end-to-end tests):
    python -m tests.standins.discord_server --host 127.0.0.1 --port 8900
with control endpoints: POST /_test/interaction {"command": "ask", "question": ..., "user_id": ...,
"guild_id": ... (optional: one of the guilds, else the first)},
POST /_test/message {"content": ..., "user_id": ..., "dm": bool, "mention": bool},
POST /_test/guild {"shard": id, "count": count} (a new guild on that shard: its "guild_id", and
the "connected_shards" as [id, count] pairs),
GET /_test/calls (the recorded requests: method, path, query, json, status) and GET /_test/ready
(200 once a client has IDENTIFIED).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import random
import re
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import unquote

from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
EPHEMERAL = 1 << 6
INTERACTION_DEADLINE = 3.0  # seconds Discord gives an interaction for its first response
# How long tests wait for something the client should do: generous, as shared machines are slow.
SAFETY_DEADLINE = 60.0
INTERACTION_TOKEN_LIFETIME = 15 * 60  # seconds an interaction's token can send follow-ups and edits
MESSAGE_CONTENT_INTENT = 1 << 15

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADD_REACTIONS = 1 << 6
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
SEND_MESSAGES_IN_THREADS = 1 << 38
# What "@everyone" and the bot's role may do by default: read, write (in threads too), embed links, react.
DEFAULT_PERMISSIONS = (VIEW_CHANNEL | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS | EMBED_LINKS | READ_MESSAGE_HISTORY
                       | ADD_REACTIONS)

# Discord's documented limits, kept here independently of the bot's own constants.
LIMITS = {
    "content": 2000, "embeds": 10, "title": 256, "description": 4096, "fields": 25, "field.name": 256,
    "field.value": 1024, "footer": 2048, "author": 256, "embed_total": 6000, "rows": 5, "per_row": 5,
    "custom_id": 100, "label": 80, "url": 512, "command_name": 32, "command_description": 100, "options": 25,
}
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
GATEWAY_OPS = {
    "DISPATCH": 0, "HEARTBEAT": 1, "IDENTIFY": 2, "RESUME": 6, "INVALID_SESSION": 9, "HELLO": 10, "HEARTBEAT_ACK": 11,
}
# The gateway's close codes for a shard it will not take.
INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011


@dataclass
class Call:
    """One HTTP request the client made, and how the stand-in answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 200
    at: float = field(default_factory=time.perf_counter)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "query": self.query, "json": self.json, "status": self.status}


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    retry_after: float


@dataclass
class InteractionRecord:
    """An interaction sent to the client and what the user saw of it."""

    payload: dict[str, Any]
    dispatched_at: float
    # The shards ([id, count]) of the gateway connections it was delivered on.
    delivered_to: list[tuple[int, int]] = field(default_factory=list)
    callback: dict[str, Any] | None = None
    callback_at: float | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    original_id: str | None = None


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def user_payload(user_id: int | str, username: str, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": username, "global_name": username, "discriminator": "0",
            "avatar": None, "bot": bot, "public_flags": 0}


EMBED_CONTENT_KEYS = ("title", "description", "fields", "image", "thumbnail", "author", "footer", "video", "url")


def problems_with_message(body: dict[str, Any], partial: bool = False) -> list[str]:
    """What Discord would refuse in a message body (empty when it would accept it). A `partial`
    body (an edit) only changes the fields it names, so it may leave out the rest."""
    problems = []
    for number, embed in enumerate(body.get("embeds") or []):
        if not any(embed.get(key) for key in EMBED_CONTENT_KEYS):
            problems.append(f"embeds.{number}: an embed must have a title, description, field, image or footer")
    for number, row in enumerate(body.get("components") or []):
        if row.get("type") == 1 and not row.get("components"):
            problems.append(f"components.{number}.components: an action row needs at least one component")
    if not partial and not (body.get("content") or "").strip() and not body.get("embeds") \
            and not body.get("attachments") and not body.get("sticker_ids") and not body.get("poll"):
        problems.append("Cannot send an empty message")
    if len(body.get("content") or "") > LIMITS["content"]:
        problems.append("content: longer than 2000")
    embeds = body.get("embeds") or []
    if len(embeds) > LIMITS["embeds"]:
        problems.append("embeds: more than 10")
    total = 0
    for number, embed in enumerate(embeds):
        sizes = {
            "title": len(embed.get("title") or ""),
            "description": len(embed.get("description") or ""),
            "footer": len((embed.get("footer") or {}).get("text") or ""),
            "author": len((embed.get("author") or {}).get("name") or ""),
        }
        for name, size in sizes.items():
            if size > LIMITS[name]:
                problems.append(f"embeds.{number}.{name}: longer than {LIMITS[name]}")
        fields = embed.get("fields") or []
        if len(fields) > LIMITS["fields"]:
            problems.append(f"embeds.{number}.fields: more than 25")
        for item in fields:
            if len(item.get("name") or "") > LIMITS["field.name"] or len(item.get("value") or "") > LIMITS["field.value"]:
                problems.append(f"embeds.{number}.fields: a field is too long")
            total += len(item.get("name") or "") + len(item.get("value") or "")
        total += sum(sizes.values())
    if total > LIMITS["embed_total"]:
        problems.append("embeds: more than 6000 characters in all")
    rows = body.get("components") or []
    if len(rows) > LIMITS["rows"]:
        problems.append("components: more than 5 rows")
    for row in rows:
        buttons = row.get("components") or []
        if len(buttons) > LIMITS["per_row"]:
            problems.append("components: more than 5 buttons in a row")
        for button in buttons:
            if len(button.get("label") or "") > LIMITS["label"]:
                problems.append("components: label longer than 80")
            if button.get("style") == 5:
                if not button.get("url") or len(button["url"]) > LIMITS["url"] or "custom_id" in button:
                    problems.append("components: a link button needs a url (at most 512) and no custom_id")
            elif not 1 <= len(button.get("custom_id") or "") <= LIMITS["custom_id"]:
                problems.append("components: custom_id must be 1 to 100 characters")
    return problems


def problems_with_commands(commands: list[dict[str, Any]]) -> list[str]:
    """What Discord would refuse in a bulk command overwrite."""
    problems = []
    for command in commands:
        name, kind = command.get("name") or "", command.get("type", 1)
        if kind == 1:
            if not COMMAND_NAME.match(name) or name != name.lower():
                problems.append(f"{name!r}: a slash command name is 1-32 lowercase letters, digits, - or _")
            if not 1 <= len(command.get("description") or "") <= LIMITS["command_description"]:
                problems.append(f"{name!r}: description must be 1-100 characters")
            options = command.get("options") or []
            if len(options) > LIMITS["options"]:
                problems.append(f"{name!r}: more than 25 options")
            for locale, localised in (command.get("name_localizations") or {}).items():
                if not COMMAND_NAME.match(localised) or localised != localised.lower():
                    problems.append(f"{name!r}: bad {locale} name {localised!r}")
            for locale, localised in (command.get("description_localizations") or {}).items():
                if not 1 <= len(localised) <= LIMITS["command_description"]:
                    problems.append(f"{name!r}: {locale} description must be 1-100 characters")
            seen_optional = False
            for option in options:
                if not COMMAND_NAME.match(option.get("name") or "") or option["name"] != option["name"].lower():
                    problems.append(f"{name!r}: bad option name {option.get('name')!r}")
                if not 1 <= len(option.get("description") or "") <= LIMITS["command_description"]:
                    problems.append(f"{name!r}: option {option.get('name')!r} description must be 1-100 characters")
                if option.get("required") and seen_optional:
                    problems.append(f"{name!r}: required options must come first")
                seen_optional |= not option.get("required")
        elif not 1 <= len(name) <= LIMITS["command_name"] or command.get("description"):
            problems.append(f"{name!r}: a context menu name is 1-32 characters, with no description")
    if len({(c.get("name"), c.get("type", 1)) for c in commands}) != len(commands):
        problems.append("two commands share a name")
    return problems


@dataclass(frozen=True)
class Guild:
    """A server the bot is in: its id (which decides its shard), its one text channel and the bot's role."""

    id: str
    channel_id: str
    bot_role_id: str

    def shard(self, shard_count: int) -> int:
        """The shard whose connection gets this guild's events."""
        return (int(self.id) >> 22) % shard_count


class GatewaySession:
    """One client's WebSocket: JSON text frames, or one zlib stream when it asked for zlib-stream."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.identified = False
        self.shard: tuple[int, int] = (0, 1)  # [id, count] from IDENTIFY (none given: the only shard)
        self._compressor = zlib.compressobj() if compress else None
        self._lock = asyncio.Lock()

    async def send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload)
        async with self._lock:  # one zlib stream: frames must leave in the order they were compressed
            if self._compressor is None:
                await self.ws.send_str(data)
            else:
                chunk = self._compressor.compress(data.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(chunk)


class DiscordStandIn:
    """Discord's API and gateway for one bot, on the loopback interface."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                 fault_rate: float = 0.0, seed: int = 0) -> None:
        """`fault_rate` of the REST calls (0.1: one in ten, drawn from `seed`) answer 429 with
        Discord's rate-limit headers, or a 500/502, instead of being served."""
        self.host, self.port, self.token = host, port, token
        self.fault_rate = fault_rate
        self._random = random.Random(seed)
        self.injected: dict[int, int] = {}  # status: how many random faults were answered
        self.application_id = "1100000000000000001"
        self.bot_user = user_payload("1100000000000000002", "Quotes", bot=True)
        self.guild_id = "1200000000000000001"
        self.channel_id = "1200000000000000002"
        # The bot's managed role, made when it joined; the @picker offers it beside the bot itself.
        self.bot_role_id = "1200000000000000003"
        self.role_permissions: dict[str, int] = {self.guild_id: DEFAULT_PERMISSIONS, self.bot_role_id: DEFAULT_PERMISSIONS}
        # Every guild the bot is in, the first one above; the channel overwrites below are its.
        self.guilds: dict[str, Guild] = {self.guild_id: Guild(self.guild_id, self.channel_id, self.bot_role_id)}
        self.recommended_shards = 1  # what GET /gateway/bot says
        self.required_shards = 1  # fewer in an IDENTIFY: close 4011
        self.overwrites: list[dict[str, Any]] = []
        self.message_content_intent_granted = False  # the intent switched on in the developer portal
        self.reactions: list[tuple[str, str, str]] = []  # (channel, message, emoji) the bot added
        self.calls: list[Call] = []
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self.channel_messages: dict[str, list[dict[str, Any]]] = {}
        self.messages_by_id: dict[str, dict[str, Any]] = {}  # every message the bot sent, as it is now
        self.typing: list[str] = []  # channels the bot showed "typing…" in
        self.threads: dict[str, dict[str, Any]] = {}  # thread id: the thread
        self.identify: dict[str, Any] | None = None
        self.identifies = 0  # IDENTIFYs received, each a new session
        self.resumes = 0  # sessions resumed
        self.failed_resumes = 0  # RESUMEs refused with op 9
        self._sessions_alive: dict[str, tuple[int, int]] = {}  # session id: its shard
        self._refuse_next_resume = False
        # The REST API accepts the token but the gateway closes with 4004 (a token reset meanwhile).
        self.gateway_refuses_token = False
        self.identified = asyncio.Event()
        self.response_deadline = INTERACTION_DEADLINE
        self._faults: list[Fault] = []
        self._holds: list[tuple[str, re.Pattern[str], asyncio.Event]] = []
        self.held: list[Call] = []  # requests waiting for `release`
        self._sessions: list[GatewaySession] = []
        self._sequence = itertools.count(1)
        self._counter = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._routes: list[tuple[str, re.Pattern[str], Callable]] = [
            (method, re.compile(pattern + "$"), handler) for method, pattern, handler in self._route_table()
        ]

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_post("/_test/interaction", self._control_interaction)
        app.router.add_post("/_test/message", self._control_message)
        app.router.add_post("/_test/guild", self._control_guild)
        app.router.add_get("/_test/calls", self._control_calls)
        app.router.add_get("/_test/ready", self._control_ready)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._api)
        return app

    async def start(self) -> "DiscordStandIn":
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # the port chosen when 0 was asked
        return self

    async def stop(self) -> None:
        for session in list(self._sessions):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def connected_shards(self) -> list[tuple[int, int]]:
        """The shards ([id, count]) of the identified connections, one entry per connection."""
        return sorted(session.shard for session in self._sessions if session.identified)

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway connection as Discord does on an unknown error (the client
        resumes). With 4009 (session timed out) the sessions end too: resuming them fails."""
        if code == 4009:
            self._sessions_alive.clear()
        for session in list(self._sessions):
            await session.ws.close(code=code, message=b"Session timed out" if code == 4009 else b"Unknown error")

    async def invalidate_sessions(self) -> None:
        """Op 9, not resumable, on every connection: the client must identify anew."""
        self._sessions_alive.clear()
        for session in list(self._sessions):
            await session.send({"op": GATEWAY_OPS["INVALID_SESSION"], "d": False})

    def refuse_next_resume(self) -> None:
        """The next RESUME is answered with op 9 (not resumable), as when the session expired."""
        self._refuse_next_resume = True

    # --- the guild, its roles and the channel's permissions ------------------------------------

    def role_payload(self, role_id: str) -> dict[str, Any]:
        everyone = role_id in self.guilds
        role: dict[str, Any] = {
            "id": role_id, "name": "@everyone" if everyone else "Quotes", "color": 0, "hoist": False,
            "position": 0 if everyone else 1, "permissions": str(self.role_permissions[role_id]),
            "managed": not everyone, "mentionable": False, "flags": 0, "icon": None, "unicode_emoji": None,
        }
        if not everyone:
            role["tags"] = {"bot_id": self.bot_user["id"]}
        return role

    def channel_payload(self, guild: Guild | None = None) -> dict[str, Any]:
        """The text channel of `guild` (the first guild's by default)."""
        guild = guild or self.guilds[self.guild_id]
        return {"id": guild.channel_id, "type": 0, "guild_id": guild.id, "name": "general", "position": 0,
                "permission_overwrites": self.overwrites if guild.id == self.guild_id else [], "nsfw": False,
                "parent_id": None, "rate_limit_per_user": 0, "flags": 0, "topic": None, "last_message_id": None}

    async def add_guild(self, shard_id: int, shard_count: int) -> Guild:
        """The bot joins a new guild whose id puts it on shard `shard_id` of `shard_count`; the
        connection holding that shard hears GUILD_CREATE."""
        elapsed_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        timestamp = elapsed_ms - elapsed_ms % shard_count + shard_id  # id >> 22 is the timestamp
        guild = Guild(str((timestamp << 22) + next(self._counter)), self.snowflake(), self.snowflake())
        self.guilds[guild.id] = guild
        self.role_permissions[guild.id] = self.role_permissions[guild.bot_role_id] = DEFAULT_PERMISSIONS
        if any(session.identified for session in self._sessions):
            await self.dispatch("GUILD_CREATE", self.guild_payload(guild))
        return guild

    def guild_of_channel(self, channel_id: str) -> Guild | None:
        return next((guild for guild in self.guilds.values() if guild.channel_id == channel_id), None)

    async def start_thread(self, starter: dict[str, Any], name: str = "follow-up") -> dict[str, Any]:
        """Someone starts a public thread from the message `starter` (its id becomes the
        thread's, as on Discord); the connected client hears THREAD_CREATE. The thread."""
        thread = {
            "id": starter["id"], "type": 11, "guild_id": self.guild_id, "parent_id": starter["channel_id"],
            "owner_id": "1300000000000000001", "name": name, "last_message_id": None, "message_count": 0,
            "member_count": 1, "rate_limit_per_user": 0, "flags": 0, "total_message_sent": 0,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": now_iso(),
                                "locked": False},
        }
        self.threads[thread["id"]] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    def guild_payload(self, guild: Guild | None = None) -> dict[str, Any]:
        """The guild (the first by default) as GUILD_CREATE sends it: its roles, the bot's member
        and the one text channel."""
        guild = guild or self.guilds[self.guild_id]
        bot_member = {"user": self.bot_user, "roles": [guild.bot_role_id], "joined_at": now_iso(), "deaf": False,
                      "mute": False, "flags": 0}
        return {
            "id": guild.id, "name": "Test server", "icon": None, "splash": None, "discovery_splash": None,
            "owner_id": "1300000000000000099", "afk_channel_id": None, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": [self.role_payload(guild.id), self.role_payload(guild.bot_role_id)], "emojis": [],
            "features": [], "mfa_level": 0, "application_id": None, "system_channel_id": None,
            "system_channel_flags": 0, "rules_channel_id": None, "vanity_url_code": None, "description": None,
            "banner": None, "premium_tier": 0, "preferred_locale": "en-US", "public_updates_channel_id": None,
            "nsfw_level": 0, "stickers": [], "premium_progress_bar_enabled": False, "joined_at": now_iso(),
            "large": False, "unavailable": False, "member_count": 2, "members": [bot_member],
            "channels": [self.channel_payload(guild)], "threads": [], "presences": [], "voice_states": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        }

    def guild_permissions(self, guild: Guild) -> int:
        """The bot's permissions in `guild`'s channel (only the first guild's channel has overwrites)."""
        if guild.id == self.guild_id:
            return self.bot_permissions()
        return self.role_permissions[guild.id] | self.role_permissions[guild.bot_role_id]

    def bot_permissions(self) -> int:
        """The bot's permissions in the first guild's channel, computed as Discord (and discord.py) do: the roles'
        permissions, then the @everyone overwrite, then role overwrites, then the member's."""
        allowed = self.role_permissions[self.guild_id] | self.role_permissions[self.bot_role_id]
        if allowed & ADMINISTRATOR:
            return -1 & ((1 << 53) - 1)
        by_id = {item["id"]: item for item in self.overwrites}
        for layer in ([self.guild_id], [self.bot_role_id], [self.bot_user["id"]]):
            deny = allow = 0
            for target in layer:
                if target in by_id:
                    deny |= int(by_id[target]["deny"])
                    allow |= int(by_id[target]["allow"])
            allowed = (allowed & ~deny) | allow
        if not allowed & VIEW_CHANNEL:
            return 0
        return allowed

    async def set_channel_overwrites(self, overwrites: list[tuple[str, int, int]]) -> None:
        """Set the channel's permission overwrites as (role or member id, allow, deny), and tell
        the connected client (CHANNEL_UPDATE), as Discord does when a moderator edits them."""
        self.overwrites = [
            {"id": target, "type": 1 if target == self.bot_user["id"] else 0, "allow": str(allow), "deny": str(deny)}
            for target, allow, deny in overwrites
        ]
        if any(session.identified for session in self._sessions):
            await self.dispatch("CHANNEL_UPDATE", self.channel_payload())

    def _content_visible(self, message: dict[str, Any]) -> bool:
        """Whether Discord lets this client read `message`'s content: with the Message Content
        intent, in DMs, in its own messages and in messages that mention it (or its role)."""
        intents = (self.identify or {}).get("intents", 0)
        return bool(
            (intents & MESSAGE_CONTENT_INTENT and self.message_content_intent_granted)
            or "guild_id" not in message
            or message["author"]["id"] == self.bot_user["id"]
            or any(user["id"] == self.bot_user["id"] for user in message.get("mentions") or [])
            or self.bot_role_id in (message.get("mention_roles") or [])
        )

    def as_delivered(self, message: dict[str, Any]) -> dict[str, Any]:
        """`message` as the gateway delivers it to this client: content, embeds, attachments and
        components emptied where it may not read them (the referenced message judged on its own)."""
        delivered = dict(message)
        if not self._content_visible(message):
            delivered.update(content="", embeds=[], attachments=[], components=[])
        if message.get("referenced_message"):
            delivered["referenced_message"] = self.as_delivered(message["referenced_message"])
        return delivered

    def hold(self, path: str, method: str = "POST") -> None:
        """Requests to a path matching the regex `path` wait, unanswered, until `release`."""
        self._holds.append((method, re.compile(path), asyncio.Event()))

    def release(self) -> None:
        """Answer every held request, and hold no more."""
        for _, _, event in self._holds:
            event.set()
        self._holds.clear()

    def fail_next(self, path: str, status: int, retry_after: float = 0.05, method: str = "POST") -> None:
        """The next request to a path matching the regex `path` answers `status` (429 or 5xx) once."""
        self._faults.append(Fault(method, re.compile(path), status, retry_after))

    # --- what tests send -------------------------------------------------------------------

    def snowflake(self) -> str:
        return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) + next(self._counter))

    def user(self, user_id: int | str = "1300000000000000001", name: str = "ada") -> dict[str, Any]:
        return user_payload(user_id, name)

    def user_message(self, content: str, author: dict[str, Any], dm: bool = False,
                     mentions: list[dict[str, Any]] | None = None, mention_everyone: bool = False,
                     mention_roles: list[str] | None = None, reply_to: dict[str, Any] | None = None,
                     ping_reply: bool = True, embeds: list[dict[str, Any]] | None = None,
                     attachments: list[dict[str, Any]] | None = None, thread: dict[str, Any] | None = None,
                     guild: Guild | None = None) -> dict[str, Any]:
        """A MESSAGE_CREATE payload from `author`, in the channel of `guild` (the first by
        default) or in a DM; a reply to `reply_to` carries it as `referenced_message`, and pings
        its author unless `ping_reply` is off (Discord's "@ON" toggle in the reply bar). In
        `thread`, it is posted there."""
        guild = guild or self.guilds[self.guild_id]
        mentions = list(mentions or [])
        message = {
            "id": self.snowflake(),
            "channel_id": self.dm_channel_id(author) if dm else (thread["id"] if thread else guild.channel_id),
            "author": author, "content": content, "timestamp": now_iso(), "edited_timestamp": None,
            "tts": False, "mention_everyone": mention_everyone, "mentions": mentions,
            "mention_roles": list(mention_roles or []), "attachments": list(attachments or []),
            "embeds": list(embeds or []), "pinned": False, "type": 0, "flags": 0, "components": [],
        }
        if not dm:
            message["guild_id"] = guild.id
            message["member"] = {"roles": [], "joined_at": now_iso(), "deaf": False, "mute": False, "flags": 0}
        if reply_to is not None:
            message["type"] = 19
            message["message_reference"] = {"type": 0, "message_id": reply_to["id"],
                                             "channel_id": reply_to["channel_id"], "guild_id": message.get("guild_id")}
            message["referenced_message"] = reply_to
            if ping_reply and all(user["id"] != reply_to["author"]["id"] for user in mentions):
                mentions.append(reply_to["author"])
        return message

    def dm_channel_id(self, user: dict[str, Any]) -> str:
        return str(int(user["id"]) + 7)

    def interaction(self, kind: int, data: dict[str, Any], user: dict[str, Any], dm: bool = False,
                    locale: str = "en-US", message: dict[str, Any] | None = None,
                    guild: Guild | None = None) -> dict[str, Any]:
        """An INTERACTION_CREATE payload of type `kind` (2 command, 3 component) from `user`, in
        `guild` (by default the guild of `message`, else the first) or in a DM."""
        interaction_id = self.snowflake()
        if guild is None:
            guild = self.guilds.get((message or {}).get("guild_id") or self.guild_id, self.guilds[self.guild_id])
        payload: dict[str, Any] = {
            "id": interaction_id, "application_id": self.application_id, "type": kind, "data": data,
            "token": f"interaction-token-{interaction_id}", "version": 1, "locale": locale,
            "app_permissions": str(self.guild_permissions(guild)), "entitlements": [],
            "attachment_size_limit": 10485760,
        }
        if dm:
            channel_id = self.dm_channel_id(user)
            payload.update(user=user, context=1, authorizing_integration_owners={"0": self.guild_id},
                           channel_id=channel_id, channel={"id": channel_id, "type": 1, "recipients": [user], "flags": 0})
        else:
            payload.update(
                guild_id=guild.id, guild_locale="en-US", context=0, channel_id=guild.channel_id,
                authorizing_integration_owners={"0": guild.id},
                member={"user": user, "roles": [], "joined_at": now_iso(), "deaf": False, "mute": False,
                        "flags": 0, "permissions": "2248473465835073"},
                channel=self.channel_payload(guild),
            )
        if message is not None:
            payload["message"] = message
        return payload

    def slash_command(self, name: str, user: dict[str, Any], dm: bool = False, locale: str = "en-US",
                      guild: Guild | None = None, **options: Any) -> dict[str, Any]:
        """A slash command as Discord sends it once a user has filled in its options, in `guild`
        (the first by default) or a DM."""
        command, guild_id = self.registered(name, kind=1)
        for option in command.get("options") or []:
            value = options.get(option["name"])
            if isinstance(value, str) and len(value) > option.get("max_length", 6000):
                raise ValueError(f"Discord does not let a user type more than {option['max_length']} characters "
                                 f"into {option['name']!r}")
        kinds = {bool: 5, int: 4, float: 10, str: 3}
        data: dict[str, Any] = {
            "id": command["id"], "name": name, "type": 1,
            "options": [{"name": key, "type": kinds[type(value)], "value": value} for key, value in options.items()],
        }
        if guild_id:
            data["guild_id"] = guild_id
        return self.interaction(2, data, user, dm, locale, guild=guild)

    def context_menu(self, name: str, target: dict[str, Any], user: dict[str, Any], locale: str = "en-US") -> dict[str, Any]:
        """A message context-menu command used on `target`."""
        command, guild_id = self.registered(name, kind=3)
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 3, "target_id": target["id"],
                                "resolved": {"messages": {target["id"]: target}}}
        if guild_id:
            data["guild_id"] = guild_id
        return self.interaction(2, data, user, locale=locale)

    def button_press(self, message: dict[str, Any], custom_id: str, user: dict[str, Any], locale: str = "en-US") -> dict[str, Any]:
        """A click on the button `custom_id` of the bot's `message`."""
        dm = "guild_id" not in message and message.get("channel_id") != self.channel_id
        return self.interaction(3, {"custom_id": custom_id, "component_type": 2}, user, dm, locale, message=message)

    def registered(self, name: str, kind: int) -> tuple[dict[str, Any], str | None]:
        """The command named `name` as the client registered it, and its guild (None when global)."""
        for guild_id, commands in self.commands.items():
            for command in commands:
                if command["name"] == name and command.get("type", 1) == kind:
                    return command, guild_id
        raise LookupError(f"the client has not registered a command {name!r} of type {kind}")

    async def send_interaction(self, payload: dict[str, Any]) -> InteractionRecord:
        """Dispatch INTERACTION_CREATE, timing the 3-second rule from now."""
        record = InteractionRecord(payload, time.perf_counter())
        self.interactions[payload["id"]] = record
        record.delivered_to = await self.dispatch("INTERACTION_CREATE", payload)
        return record

    async def send_interactions(self, payloads: list[dict[str, Any]]) -> list[InteractionRecord]:
        """Dispatch many interactions back to back, as a burst."""
        return [await self.send_interaction(payload) for payload in payloads]

    async def send_message(self, message: dict[str, Any]) -> list[tuple[int, int]]:
        """Dispatch MESSAGE_CREATE, with what the client may not read withheld; the shards it went to."""
        return await self.dispatch("MESSAGE_CREATE", self.as_delivered(message))

    def age_interaction(self, record: InteractionRecord, seconds: float) -> None:
        """Make `record` `seconds` older, e.g. past the 15 minutes its token lives."""
        record.dispatched_at -= seconds

    async def dispatch(self, event: str, data: dict[str, Any]) -> list[tuple[int, int]]:
        """Send `event` on every connection holding its shard (that of its guild; shard 0 for
        DMs); the shards it went to. RuntimeError when no connection holds it."""
        identified = [s for s in self._sessions if s.identified]
        if not identified:
            raise RuntimeError("no client is connected to the stand-in gateway")
        guild_id = data.get("id") if event == "GUILD_CREATE" else data.get("guild_id")
        sessions = [s for s in identified if s.shard[0] == ((int(guild_id) >> 22) % s.shard[1] if guild_id else 0)]
        if not sessions:
            raise RuntimeError(f"no client connected to the stand-in gateway holds the shard of {event} "
                               f"(guild {guild_id or 'none: a DM, shard 0'}); connected: {self.connected_shards}")
        for session in sessions:
            await session.send({"op": 0, "t": event, "s": next(self._sequence), "d": data})
        return [session.shard for session in sessions]

    # --- what tests read -------------------------------------------------------------------

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = SAFETY_DEADLINE) -> Any:
        """Poll `predicate` until it is truthy; TimeoutError after `timeout` seconds (a safety net
        for a client that never gets there, not a measure of speed)."""
        deadline = time.perf_counter() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.perf_counter() > deadline:
                raise TimeoutError(f"not seen within {timeout} s")
            await asyncio.sleep(0.005)

    async def reply_to(self, record: InteractionRecord, count: int = 1, timeout: float = SAFETY_DEADLINE) -> list[dict[str, Any]]:
        """The first `count` messages the user sees in answer to an interaction."""
        await self.wait_until(lambda: len(record.messages) >= count, timeout)
        return record.messages[:count]

    async def channel_reply(self, channel_id: str, count: int = 1, timeout: float = SAFETY_DEADLINE) -> list[dict[str, Any]]:
        await self.wait_until(lambda: len(self.channel_messages.get(channel_id, [])) >= count, timeout)
        return self.channel_messages[channel_id][:count]

    def message_bodies(self) -> list[tuple[Call, dict[str, Any]]]:
        """Every message body the client sent: callbacks with a message, follow-ups, channel messages, edits."""
        bodies = []
        for call in self.calls:
            body = call.json if isinstance(call.json, dict) else None
            if body is None:
                continue
            if call.path.endswith("/callback"):
                if body.get("type") in (4, 7) and isinstance(body.get("data"), dict):
                    bodies.append((call, body["data"]))
            elif call.method in ("POST", "PATCH") and ("/webhooks/" in call.path or call.path.endswith("/messages")):
                bodies.append((call, body))
        return bodies

    # --- the gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(ws, compress=request.query.get("compress") == "zlib-stream")
        self._sessions.append(session)
        try:
            await session.send({"op": GATEWAY_OPS["HELLO"], "d": {"heartbeat_interval": 41250}})
            async for frame in ws:
                if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                await self._gateway_message(session, json.loads(frame.data))
        finally:
            self._sessions.remove(session)
        return ws

    async def _gateway_message(self, session: GatewaySession, message: dict[str, Any]) -> None:
        op, data = message.get("op"), message.get("d")
        if op == GATEWAY_OPS["HEARTBEAT"]:
            await session.send({"op": GATEWAY_OPS["HEARTBEAT_ACK"]})
        elif op == GATEWAY_OPS["IDENTIFY"]:
            if self.gateway_refuses_token or (self.token is not None and data.get("token") != self.token):
                await session.ws.close(code=4004, message=b"Authentication failed.")
                return
            shard = data.get("shard", [0, 1])
            if not (isinstance(shard, list) and len(shard) == 2 and all(isinstance(n, int) for n in shard)
                    and 0 <= shard[0] < shard[1]):
                await session.ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
                return
            if shard[1] < self.required_shards:
                await session.ws.close(code=SHARDING_REQUIRED, message=b"Sharding required.")
                return
            self.identify = {key: value for key, value in data.items() if key != "token"}
            self.identifies += 1
            session.identified = True
            session.shard = (shard[0], shard[1])
            session_id = f"session-{self.snowflake()}"
            self._sessions_alive[session_id] = session.shard
            guilds = [guild for guild in self.guilds.values() if guild.shard(shard[1]) == shard[0]]
            ready = {
                "v": 10, "user": self.bot_user, "guilds": [{"id": guild.id, "unavailable": True} for guild in guilds],
                "session_id": session_id, "shard": shard,
                "resume_gateway_url": self.gateway_url, "application": {"id": self.application_id, "flags": 0},
                "private_channels": [], "relationships": [],
            }
            await session.send({"op": 0, "t": "READY", "s": next(self._sequence), "d": ready})
            for guild in guilds:
                await session.send({"op": 0, "t": "GUILD_CREATE", "s": next(self._sequence),
                                    "d": self.guild_payload(guild)})
            self.identified.set()
        elif op == GATEWAY_OPS["RESUME"]:
            if self._refuse_next_resume or data.get("session_id") not in self._sessions_alive:
                self._refuse_next_resume = False
                self.failed_resumes += 1
                await session.send({"op": GATEWAY_OPS["INVALID_SESSION"], "d": False})
                return
            session.identified = True
            session.shard = self._sessions_alive[data["session_id"]]
            self.resumes += 1
            await session.send({"op": 0, "t": "RESUMED", "s": next(self._sequence), "d": {}})

    # --- the HTTP API ----------------------------------------------------------------------

    def _route_table(self) -> list[tuple[str, str, Callable]]:
        webhook = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"
        return [
            ("GET", r"/users/@me", self._me),
            ("GET", r"/oauth2/applications/@me", self._application),
            ("GET", r"/gateway/bot", self._gateway_bot),
            ("GET", r"/gateway", self._gateway_bot),
            ("PUT", r"/applications/(?P<app>\d+)/commands", self._put_commands),
            ("GET", r"/applications/(?P<app>\d+)/commands", self._get_commands),
            ("GET", r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands", self._get_commands),
            ("PUT", r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands", self._put_commands),
            ("POST", r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback", self._callback),
            ("POST", webhook, self._followup),
            ("PATCH", webhook + r"/messages/(?P<message>[^/]+)", self._edit),
            ("DELETE", webhook + r"/messages/(?P<message>[^/]+)", self._delete),
            ("POST", r"/channels/(?P<channel>\d+)/messages", self._channel_message),
            ("POST", r"/channels/(?P<channel>\d+)/typing", self._typing),
            ("PUT", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)/@me",
             self._react),
            ("DELETE", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._no_content),
            ("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._get_message),
        ]

    async def _api(self, request: web.Request) -> web.Response:
        path = request.path[len(API_PREFIX):]
        body = await request.json() if request.can_read_body and request.content_type == "application/json" else None
        call = Call(request.method, request.path, dict(request.query), body)
        self.calls.append(call)
        for method, pattern, released in list(self._holds):
            if method == request.method and pattern.search(path):
                self.held.append(call)
                await released.wait()
        response = self._fault(call, path) or self._unauthorized(request, path)
        if response is None:
            for method, pattern, handler in self._routes:
                match = pattern.match(path)
                if match and method == request.method:
                    response = await handler(call, body, **match.groupdict())
                    break
            else:
                response = _error(404, 0, f"404: Not Found ({request.method} {path})")
        call.status = response.status
        return response

    def _fault(self, call: Call, path: str) -> web.Response | None:
        for fault in self._faults:
            if fault.method == call.method and fault.path.search(path):
                self._faults.remove(fault)
                return _fault_response(fault.status, fault.retry_after, path)
        if self.fault_rate and not path.startswith("/gateway") and self._random.random() < self.fault_rate:
            status = self._random.choice((429, 429, 500, 502))
            self.injected[status] = self.injected.get(status, 0) + 1
            return _fault_response(status, round(self._random.uniform(0.05, 0.5), 3), path)
        return None

    def _unauthorized(self, request: web.Request, path: str) -> web.Response | None:
        if path.startswith(("/interactions/", "/webhooks/")):
            return None  # interaction tokens authorize these
        given = request.headers.get("Authorization", "")
        if not given.startswith("Bot ") or (self.token is not None and given != f"Bot {self.token}"):
            return _error(401, 0, "401: Unauthorized")
        return None

    async def _me(self, call: Call, body: Any) -> web.Response:
        return _json(self.bot_user)

    async def _application(self, call: Call, body: Any) -> web.Response:
        return _json({
            "id": self.application_id, "name": "Quotes", "description": "", "icon": None, "bot_public": True,
            "bot_require_code_grant": False, "owner": user_payload("1300000000000000099", "owner"),
            "verify_key": "0" * 64, "flags": 0, "summary": "",
        })

    async def _gateway_bot(self, call: Call, body: Any) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit})

    async def _put_commands(self, call: Call, body: Any, app: str, guild: str | None = None) -> web.Response:
        if app != self.application_id:
            return _error(403, 50001, "Missing Access")
        problems = problems_with_commands(body or [])
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        registered = []
        for command in body:
            item = {"id": self.snowflake(), "application_id": self.application_id, "version": self.snowflake(),
                    "default_member_permissions": None, "type": 1, "description": "", "options": [],
                    "nsfw": False, "dm_permission": True, **command}
            if guild:
                item["guild_id"] = guild
            registered.append(item)
        self.commands[guild] = registered
        return _json(registered)

    async def _callback(self, call: Call, body: Any, id: str, token: str) -> web.Response:
        record = self.interactions.get(id)
        if record is None or record.payload["token"] != token:
            return _error(404, 10062, "Unknown interaction")
        if time.perf_counter() - record.dispatched_at > self.response_deadline:
            return _error(404, 10062, "Unknown interaction")  # Discord's answer after 3 seconds
        if record.callback is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        kind = body.get("type")
        data = body.get("data") or {}
        problems = problems_with_message(data, partial=kind == 7) if kind in (4, 7) else []
        if problems:
            return _refusal(problems)
        record.callback, record.callback_at = body, call.at
        ephemeral = bool(data.get("flags", 0) & EPHEMERAL)
        result: dict[str, Any] = {"interaction": {
            "id": id, "type": record.payload["type"], "response_message_loading": kind == 5,
            "response_message_ephemeral": ephemeral,
        }}
        if kind in (6, 7) and record.payload["type"] != 3:
            return _error(400, 50035, "Invalid Form Body: only a component interaction can update its message")
        if kind == 4:
            message = self._store_message(record, data)
            record.original_id = message["id"]
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"] = {"type": kind, "message": message}
        elif kind == 7:
            message = self._update_message(record, record.payload["message"]["id"], data)
            result["resource"] = {"type": kind, "message": message}
        elif kind in (5, 6):
            if kind == 6:
                record.original_id = record.payload["message"]["id"]
            result["resource"] = {"type": kind}
        return _json(result)

    async def _followup(self, call: Call, body: Any, app: str, token: str) -> web.Response:
        record = self._by_token(token)
        if record is None or record.callback is None:
            return _error(404, 10015, "Unknown Webhook")
        if self._token_expired(record):
            return _error(401, 50027, "Invalid Webhook Token")
        problems = problems_with_message(body or {})
        if problems:
            return _refusal(problems)
        flags = body.get("flags", 0)
        if record.callback.get("type") == 5 and record.original_id is None:
            # The first follow-up after a deferral replaces "thinking…", keeping the deferral's visibility.
            flags = (record.callback.get("data") or {}).get("flags", 0)
            message = self._store_message(record, {**body, "flags": flags})
            record.original_id = message["id"]
        else:
            message = self._store_message(record, body)
        return _json(message)

    async def _edit(self, call: Call, body: Any, app: str, token: str, message: str) -> web.Response:
        record = self._by_token(token)
        if record is None:
            return _error(404, 10015, "Unknown Webhook")
        if self._token_expired(record):
            return _error(401, 50027, "Invalid Webhook Token")
        problems = problems_with_message(body or {}, partial=True)
        if problems:
            return _refusal(problems)
        target = record.original_id if message == "@original" else message
        if target is None and record.callback and record.callback.get("type") == 5:
            stored = self._store_message(record, {**body, "flags": (record.callback.get("data") or {}).get("flags", 0)})
            record.original_id = stored["id"]
            return _json(stored)
        if target in self.messages_by_id:
            return _json(self._update_message(record, target, body))
        return _error(404, 10008, "Unknown Message")

    async def _delete(self, call: Call, body: Any, app: str, token: str, message: str) -> web.Response:
        record = self._by_token(token)
        if record is None:
            return _error(404, 10015, "Unknown Webhook")
        if self._token_expired(record):
            return _error(401, 50027, "Invalid Webhook Token")
        if message == "@original":
            if record.original_id is None and record.callback and record.callback.get("type") == 5:
                record.original_id = "deleted"  # the "thinking…" placeholder is gone
                return web.Response(status=204)
            message = record.original_id or ""
            if record.callback and record.callback.get("type") == 6 and message in self.messages_by_id:
                # After a component's deferred update, @original is the message the button is on.
                del self.messages_by_id[message]
                return web.Response(status=204)
        before = len(record.messages)
        record.messages[:] = [m for m in record.messages if m["id"] != message]
        return web.Response(status=204) if len(record.messages) < before else _error(404, 10008, "Unknown Message")

    async def _channel_message(self, call: Call, body: Any, channel: str) -> web.Response:
        problems = problems_with_message(body or {})
        if problems:
            return _refusal(problems)
        # A reply (message_reference) needs Read Message History as well, as on Discord.
        needed = SEND_MESSAGES | (EMBED_LINKS if body.get("embeds") else 0)
        needed |= READ_MESSAGE_HISTORY if body.get("message_reference") else 0
        refused = self._missing_permission(channel, needed)
        if refused is not None:
            return refused
        message = self._message(channel, body)
        self.channel_messages.setdefault(channel, []).append(message)
        return _json(message)

    async def _get_message(self, call: Call, body: Any, channel: str, message: str) -> web.Response:
        refused = self._missing_permission(channel, READ_MESSAGE_HISTORY)
        if refused is not None:
            return refused
        found = self.messages_by_id.get(message)
        if found is None or found["channel_id"] != channel:
            return _error(404, 10008, "Unknown Message")
        return _json(found)

    async def _typing(self, call: Call, body: Any, channel: str) -> web.Response:
        refused = self._missing_permission(channel, SEND_MESSAGES)
        if refused is not None:
            return refused
        self.typing.append(channel)
        return web.Response(status=204)

    async def _react(self, call: Call, body: Any, channel: str, message: str, emoji: str) -> web.Response:
        refused = self._missing_permission(channel, ADD_REACTIONS | READ_MESSAGE_HISTORY)
        if refused is not None:
            return refused
        self.reactions.append((channel, message, unquote(emoji)))
        return web.Response(status=204)

    async def _get_commands(self, call: Call, body: Any, app: str, guild: str | None = None) -> web.Response:
        if app != self.application_id:
            return _error(403, 50001, "Missing Access")
        return _json(self.commands.get(guild, []))

    def _missing_permission(self, channel: str, needed: int) -> web.Response | None:
        """Discord's 403 when the bot lacks a permission in the guild channel (DMs need none)."""
        if channel != self.channel_id:
            return None
        granted = self.bot_permissions()
        if not granted & VIEW_CHANNEL:
            return _json({"code": 50001, "message": "Missing Access"}, status=403)
        if needed & ~granted:
            return _json({"code": 50013, "message": "Missing Permissions"}, status=403)
        return None

    def _token_expired(self, record: InteractionRecord) -> bool:
        return time.perf_counter() - record.dispatched_at > INTERACTION_TOKEN_LIFETIME

    async def _no_content(self, call: Call, body: Any, **_: str) -> web.Response:
        return web.Response(status=204)

    def current(self, message_id: str) -> dict[str, Any]:
        """The bot's message `message_id` as users see it now, after any edits."""
        return self.messages_by_id[message_id]

    def _update_message(self, record: InteractionRecord, message_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Edit the bot's message: a new version replaces the old, and the interaction that
        edited it shows the new version among what its user saw."""
        updated = {**self.messages_by_id[message_id],
                   **{k: v for k, v in changes.items() if k in ("content", "embeds", "components")},
                   "edited_timestamp": now_iso()}
        self.messages_by_id[message_id] = updated
        record.messages.append(updated)
        return updated

    def _by_token(self, token: str) -> InteractionRecord | None:
        return next((r for r in self.interactions.values() if r.payload["token"] == token), None)

    def _store_message(self, record: InteractionRecord, body: dict[str, Any]) -> dict[str, Any]:
        message = self._message(record.payload.get("channel_id", self.channel_id), body)
        if "guild_id" in record.payload:
            message["guild_id"] = record.payload["guild_id"]
        record.messages.append(message)
        return message

    def _message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        message = {
            "id": self.snowflake(), "channel_id": channel_id, "type": 0, "author": self.bot_user,
            "content": body.get("content") or "", "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "flags": body.get("flags", 0) or 0,
            "attachments": [], "mentions": [], "mention_roles": [], "mention_everyone": False, "pinned": False,
            "tts": False, "timestamp": now_iso(), "edited_timestamp": None,
            **({"message_reference": body["message_reference"]} if body.get("message_reference") else {}),
        }
        guild = self.guild_of_channel(channel_id)
        if guild is not None:
            message["guild_id"] = guild.id
        self.messages_by_id[message["id"]] = message
        return message

    # --- control endpoints (for end-to-end tests) ------------------------------------------

    async def _control_interaction(self, request: web.Request) -> web.Response:
        spec = await request.json()
        user = self.user(spec.get("user_id", "1300000000000000001"), spec.get("username", "ada"))
        options = {"question": spec.get("question", "")} if spec.get("command", "ask") == "ask" else {}
        if spec.get("private") is not None:
            options["private"] = bool(spec["private"])
        guild = self.guilds.get(str(spec.get("guild_id", self.guild_id)))
        if guild is None:
            return web.json_response({"error": f"the bot is in no guild {spec['guild_id']}"}, status=409)
        try:
            payload = self.slash_command(spec.get("command", "ask"), user, dm=bool(spec.get("dm")), guild=guild,
                                         **options)
            await self.send_interaction(payload)
        except (LookupError, RuntimeError, ValueError) as error:
            return web.json_response({"error": str(error)}, status=409)
        return web.json_response({"id": payload["id"], "token": payload["token"]})

    async def _control_message(self, request: web.Request) -> web.Response:
        spec = await request.json()
        user = self.user(spec.get("user_id", "1300000000000000001"), spec.get("username", "ada"))
        content = spec.get("content", "")
        mentions = []
        if spec.get("mention"):
            content = f"<@{self.bot_user['id']}> {content}"
            mentions = [self.bot_user]
        message = self.user_message(content, user, dm=bool(spec.get("dm")), mentions=mentions)
        try:
            await self.send_message(message)
        except RuntimeError as error:
            return web.json_response({"error": str(error)}, status=409)
        return web.json_response({"id": message["id"], "channel_id": message["channel_id"]})

    async def _control_calls(self, request: web.Request) -> web.Response:
        return web.json_response([call.to_dict() for call in self.calls])

    async def _control_guild(self, request: web.Request) -> web.Response:
        spec = await request.json()
        try:
            shard_id, shard_count = int(spec["shard"]), int(spec["count"])
        except (KeyError, TypeError, ValueError):
            return web.json_response({"error": 'expected {"shard": id, "count": count}'}, status=400)
        if not 0 <= shard_id < shard_count:
            return web.json_response({"error": f"no shard {shard_id} of {shard_count}"}, status=400)
        guild = await self.add_guild(shard_id, shard_count)
        return web.json_response({"guild_id": guild.id, "connected_shards": self.connected_shards})

    async def _control_ready(self, request: web.Request) -> web.Response:
        ready = self.identified.is_set()
        return web.json_response({"ready": ready}, status=200 if ready else 503)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with the exact content type Discord sends (discord.py parses nothing else)."""
    return web.Response(body=json.dumps(body).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)


def _fault_response(status: int, retry_after: float, path: str) -> web.Response:
    """A 429 as Discord sends it (body and headers: bucket, limit, reset) or a bare 5xx."""
    if status != 429:
        return _error(status, 0, f"{status}: Server Error")
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    headers = {
        "Via": "1.1 google", "Retry-After": str(max(1, math.ceil(retry_after))), "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}", "X-RateLimit-Scope": "user",
        "X-RateLimit-Bucket": f"{zlib.crc32(path.encode()):08x}",
    }
    return _json(body, status=429, headers=headers)


def _refusal(problems: list[str]) -> web.Response:
    """Discord's 400 for a message body it will not take: 50006 when it is empty, else 50035."""
    if "Cannot send an empty message" in problems:
        return _error(400, 50006, "Cannot send an empty message")
    return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A stand-in for Discord's API and gateway, for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--token", help="the only bot token to accept (default: any)")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="share of REST calls answered 429 or 5xx at random (e.g. 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random faults")
    args = parser.parse_args(argv)
    stand_in = DiscordStandIn(args.host, args.port, args.token, args.fault_rate, args.seed)
    print(f"Discord stand-in: API {stand_in.api_url}, gateway {stand_in.gateway_url}", flush=True)
    web.run_app(stand_in.web_app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
