"""`python -m bot config`: the effective settings, where each came from, secrets masked."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

from dotenv import dotenv_values
from pydantic import SecretStr

from bot.runtime.settings import DATABASE_URL_FIELDS, DEFAULTS_FILE, ENV_FILE, SECRET_FIELDS, Settings, format_shard_ids, mask_password

MASK = "********"


def setting_sources(env_file: str | Path = ENV_FILE, defaults_file: str | Path = DEFAULTS_FILE) -> dict[str, str]:
    """For each field, where its value came from: the environment, .env, the defaults file or
    the built-in default (the same order of precedence as Settings)."""
    environment = {name.lower() for name in os.environ}
    dot_env = {name.lower() for name, value in _read_env_file(env_file).items() if value is not None}
    defaults = {name.lower() for name, value in _read_env_file(defaults_file).items() if value}
    sources = {}
    for field in Settings.model_fields:
        if field in environment:
            sources[field] = "environment"
        elif field in dot_env:
            sources[field] = str(env_file)
        elif field in defaults:
            sources[field] = Path(defaults_file).name
        else:
            sources[field] = "built-in default"
    return sources


def _read_env_file(path: str | Path) -> dict[str, str | None]:
    return dotenv_values(path) if Path(path).is_file() else {}


def shown_value(settings: Settings, field: str) -> str:
    """The value as it may be printed: secrets become MASK (or empty when not set), a database
    URL loses its password only."""
    value = getattr(settings, field)
    if value is None:
        return ""
    if field in DATABASE_URL_FIELDS:
        return mask_password(value.get_secret_value() if isinstance(value, SecretStr) else str(value))
    if field in SECRET_FIELDS:
        return MASK
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):  # DISCORD_SHARD_IDS
        return format_shard_ids(value)
    return value.value if isinstance(value, Enum) else str(value)


def effective_defaults(settings: Settings) -> dict[str, tuple[str, str]]:
    """For the settings left empty whose value is worked out at start-up: (the value in use,
    how it is worked out), so that `config` shows the paths and ports the bots will use."""
    from bot.feedback.store import default_database_path
    from bot.runtime.settings import DEFAULT_HEALTH_PORTS
    from retrieval.cache.index_cache import default_cache_dir

    derived = {}
    if settings.index_cache_dir is None:
        derived["index_cache_dir"] = (str(default_cache_dir()), "$XDG_CACHE_HOME/sora-quotes")
    if settings.feedback_db_path is None:
        derived["feedback_db_path"] = (str(default_database_path()), "$XDG_DATA_HOME/sora-quotes/feedback.sqlite3")
    if settings.health_port is None:
        ports = ", ".join(f"{port} for {platform}" for platform, port in DEFAULT_HEALTH_PORTS.items())
        derived["health_port"] = ("", ports)
    if settings.discord_shard_count is None:
        derived["discord_shard_count"] = ("", "as many as Discord recommends")
    if settings.discord_shard_ids is None:
        every = "" if settings.discord_shard_count is None else format_shard_ids(range(settings.discord_shard_count))
        derived["discord_shard_ids"] = (every, "all of them, in this process")
    return derived


def render_settings(settings: Settings, sources: dict[str, str], answers: str = "") -> str:
    """One `NAME=value  # source` line per setting, in the class's order, secrets masked (an
    empty setting worked out at start-up shows the value in use and how); then how questions
    are answered (`answers`: with the embedding model, or lexically and why), where feedback goes
    and which Discord shards the bot connects."""
    from bot.discord_bot.shards import describe_shards

    lines = ["# Effective settings (environment > .env > defaults); secrets are masked."]
    derived = effective_defaults(settings)
    for field in Settings.model_fields:
        value = shown_value(settings, field)
        note = sources.get(field, "")
        if field in SECRET_FIELDS:
            note = f"set, from {note}" if value else "not set"
        elif field in derived:
            value, how = derived[field]
            note = f"{note}: {how}"
        lines.append(f"{field.upper()}={value}  # {note}")
    if answers:
        lines.append(f"# answers: {answers}")
    lines.append(f"# feedback: {describe_feedback(settings)}")
    lines.append(f"# discord: {describe_shards(settings.discord_shard_count, settings.discord_shard_ids)}")
    return "\n".join(lines)


def describe_feedback(settings: Settings) -> str:
    """Whether feedback is recorded, in which database, for how long, and where the hash key is."""
    from bot.feedback.database import configured_location, feedback_database

    if not settings.feedback:
        return "off (nothing recorded, no vote buttons)"
    key = "FEEDBACK_SALT" if settings.feedback_salt is not None else "a salt kept in the database"
    where = feedback_database(configured_location(settings)).name
    return f"recorded in {where} for {settings.feedback_retention_days} days, user ids hashed with {key}"
