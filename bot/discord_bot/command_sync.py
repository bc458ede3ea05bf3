"""Syncing the application commands only when their definitions changed.

discord.py's maintainers advise against syncing on every start: the bulk overwrite is rate
limited per application, and a fleet restarting at once would hit it. The payload's hash is
kept in a small file; a start with the same payload only fetches the commands (for their ids,
which clickable mentions need), and syncs anyway if Discord's set differs from ours. Of several
processes sharing one token's shards, only the one holding shard 0 syncs (see shards.py); the
others only fetch.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import discord
from discord import app_commands

from bot.discord_bot.shards import SYNCING_SHARD
from retrieval.storage.atomic_files import write_atomically

log = logging.getLogger(__name__)

STATE_FILE = "discord-commands.json"


class CommandSync:
    """Syncs a command tree when its payload changed since the last sync recorded in `state_dir`
    (None: always sync); with `syncs` off (a process not holding shard 0), only fetches it."""

    def __init__(self, state_dir: Path | None, syncs: bool = True) -> None:
        self.path = state_dir / STATE_FILE if state_dir is not None else None
        self.syncs = syncs

    async def sync(self, tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> list[app_commands.AppCommand]:
        """The registered commands, synced first when their definitions changed (and this
        process is the one that syncs)."""
        where = f"to guild {guild.id}" if guild else "globally"
        if not self.syncs:
            registered = await tree.fetch_commands(guild=guild)
            log.info("commands not synced by this process (the one holding shard %d syncs them): %d registered %s",
                     SYNCING_SHARD, len(registered), where)
            return registered
        key = f"{tree.client.application_id}:{guild.id if guild else 'global'}"
        digest = await self._digest(tree, guild)
        if self._recorded().get(key) == digest:
            registered = await tree.fetch_commands(guild=guild)
            if self.all_registered(tree, guild, registered):
                log.info("commands unchanged since the last sync %s: not synced", where)
                return registered
        synced = await tree.sync(guild=guild)
        self._record(key, digest)
        log.info("synced %d commands %s", len(synced), where)
        return synced

    @staticmethod
    def all_registered(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None,
                       registered: list[app_commands.AppCommand]) -> bool:
        """Whether `registered` (what Discord has) holds exactly the tree's commands, by name and kind."""
        wanted = {(command.name, getattr(command, "type", discord.AppCommandType.chat_input).value)
                  for command in tree.get_commands(guild=guild)}
        return {(command.name, command.type.value) for command in registered} == wanted

    @staticmethod
    async def _digest(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
        # The same payload discord.py sends when it syncs (translations included).
        translator = tree.translator
        payload = []
        for command in tree._get_all_commands(guild=guild):
            payload.append(await command.get_translated_payload(tree, translator) if translator else command.to_dict(tree))
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def _recorded(self) -> dict[str, str]:
        if self.path is None:
            return {}
        try:
            recorded = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return recorded if isinstance(recorded, dict) else {}

    def _record(self, key: str, digest: str) -> None:
        if self.path is None:
            return
        recorded = {**self._recorded(), key: digest}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, lambda file: file.write(json.dumps(recorded, indent=1).encode()))
        except OSError as error:  # a read-only cache: the next start syncs again, nothing worse
            log.warning("could not record the command sync in %s: %s", self.path, error.strerror or error)
