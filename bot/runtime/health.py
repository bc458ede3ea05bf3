"""Readiness for container health checks: GET /healthz answers 200 only when the bot is ready.

Ready means the index is loaded and the bot is connected to its platform (for Discord: every
shard the process holds); each adapter flips its flags through `Readiness`. The body also says
how far the articles' vectors are when they are being computed in the background (`embedding`:
null when there is no such work) and, for Discord, which shards the process holds and which of
them are connected (`shards`: null elsewhere, and before Discord has said how many there are).
The endpoint is a tiny aiohttp server on the bot's own loop.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterable

from aiohttp import web

from bot.runtime.settings import SettingsError


class HealthPortError(SettingsError):
    """The health endpoint cannot listen on HEALTH_PORT (most often: another process has it)."""

    def __init__(self, host: str, port: int, error: OSError):
        super().__init__(f"HEALTH_PORT={port}: cannot listen on {host}:{port} ({error.strerror or error}); "
                         "another process (the other bot?) may have it: set HEALTH_PORT to a free port, or 0 for none")


def check_health_port(port: int, host: str = "0.0.0.0") -> None:
    """HealthPortError now, before the bot loads its index and connects, when `port` (not 0)
    cannot be listened on; binds as aiohttp will (SO_REUSEADDR), then lets go."""
    if not port:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise HealthPortError(host, port, error) from None


class Readiness:
    """What must hold before the bot reports healthy."""

    def __init__(self) -> None:
        self.index_loaded = False
        self.connected = False
        # The engine's `embedding_progress` (an object with `to_dict()`, or None when idle).
        self.embedding: Callable[[], object | None] = lambda: None
        # Discord: the shards this process holds (id: connected), of how many in all.
        self.shard_count: int | None = None
        self.shards: dict[int, bool] = {}

    @property
    def ready(self) -> bool:
        return self.index_loaded and self.connected

    def hold_shards(self, shard_ids: Iterable[int], shard_count: int) -> None:
        """The process is connecting these shards (none connected yet)."""
        self.shard_count = shard_count
        self.shards = dict.fromkeys(shard_ids, False)
        self.connected = False

    def shard_connected(self, shard_id: int, connected: bool = True) -> None:
        """A shard came up (or went down); connected means all the held shards are up."""
        self.shards[shard_id] = connected
        self.connected = all(self.shards.values())

    def disconnected(self) -> None:
        """Closing: no shard is connected any more."""
        self.shards = dict.fromkeys(self.shards, False)
        self.connected = False

    def shard_report(self) -> dict[str, object] | None:
        """{"count", "held", "connected"} for the health body; None when there are no shards."""
        if self.shard_count is None:
            return None
        return {"count": self.shard_count, "held": sorted(self.shards),
                "connected": sorted(shard for shard, up in self.shards.items() if up)}


async def start_health_server(readiness: Readiness, port: int, host: str = "0.0.0.0") -> web.AppRunner | None:
    """Serve GET /healthz on `port` (none when port is 0); returns the runner to clean up.
    HealthPortError when the port cannot be listened on."""
    if not port:
        return None

    async def healthz(_: web.Request) -> web.Response:
        progress = readiness.embedding()
        body = {"index_loaded": readiness.index_loaded, "connected": readiness.connected,
                "embedding": None if progress is None else progress.to_dict(), "shards": readiness.shard_report()}
        return web.Response(
            status=200 if readiness.ready else 503,
            text=json.dumps(body),
            content_type="application/json",
        )

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:  # taken since check_health_port: still one clear line
        await runner.cleanup()
        raise HealthPortError(host, port, error) from None
    return runner
