"""Which shards a process holds, and which one process syncs the application commands.

Discord splits a bot's servers into shards: a server's events go to shard (server id >> 22) %
shard count, and DMs to shard 0. DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS let several
processes share the shards of one token. Commands belong to the application, not to a shard,
so exactly one process syncs them: the one holding SYNCING_SHARD (a complete deployment has
exactly one); the others only fetch them, for the ids their clickable mentions need.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.runtime.settings import format_shard_ids

SYNCING_SHARD = 0


def syncs_commands(shard_ids: Sequence[int] | None) -> bool:
    """Whether the process holding `shard_ids` (None: all of them) is the one that syncs."""
    return shard_ids is None or SYNCING_SHARD in shard_ids


def describe_shards(shard_count: int | None, shard_ids: Sequence[int] | None) -> str:
    """What a process with these settings connects, and whether it syncs the commands, in words."""
    if shard_count is None:
        held = "every shard, as many as Discord recommends"
    else:
        ids = format_shard_ids(range(shard_count) if shard_ids is None else shard_ids)
        held = f"shard{'s' if ',' in ids or '-' in ids else ''} {ids} of {shard_count}"
    if syncs_commands(shard_ids):
        return f"connects {held}; syncs the commands"
    return f"connects {held}; only fetches the commands (the process holding shard {SYNCING_SHARD} syncs them)"
