"""All settings of the bots, read once at start-up from the environment and `.env`.

Defaults are documented in config/defaults.env; `.env` (in the working directory) and the
environment override them, in that order. Tokens are secrets: never printed, never logged.
Each field's description is the accepted form of its value, quoted when a value is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, get_args
from urllib.parse import unquote, urlparse

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.runtime.database_url import check_postgres_url
from bot.runtime.healthcheck import DEFAULT_HEALTH_PORTS
from bot.runtime.paths import BUNDLED_CORPUS, DEFAULTS_FILE
from retrieval.documents.source_links import check_url_template

ENV_FILE = ".env"

# Telegram's rule for the secret token it echoes in the X-Telegram-Bot-Api-Secret-Token header.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# libpq's URL schemes.
POSTGRES_SCHEMES = ("postgresql", "postgres")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The most shards one range of DISCORD_SHARD_IDS may name: a slip such as 0-999999999 is refused
# before a list that long is made.
MAX_SHARD_IDS = 1_000_000
# DISCORD_SHARD_IDS: shard ids and ranges of them, separated by commas ("0,1", "0-3", "0-1,4").
_SHARD_ID_PART = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?$")


class TelegramMode(str, Enum):
    polling = "polling"
    webhook = "webhook"


class LogFormat(str, Enum):
    text = "text"
    json = "json"


def _accepts(form: str, **kwargs):
    """A Field whose description is the accepted form of its value (used in error messages)."""
    return Field(description=form, **kwargs)


class Settings(BaseSettings):
    """Every setting, by its environment variable name (case-insensitive)."""

    model_config = SettingsConfigDict(
        env_file=(DEFAULTS_FILE, ENV_FILE),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Tokens
    telegram_bot_token: SecretStr | None = _accepts("the token @BotFather gave you, e.g. 123456:ABC-DEF...", default=None)
    discord_bot_token: SecretStr | None = _accepts("the token from the Bot page of your Discord application", default=None)

    # Answers
    corpus_dir: Path = _accepts("a directory of article files (*.md, *.txt); empty: the bundled articles", default=BUNDLED_CORPUS)
    source_url_template: str | None = _accepts(
        "an http(s) URL with {stem}, {path}, {name}, {slug} or {permalink}, e.g. https://example.org/book/{stem}.html; "
        "empty: the collection's sources.toml, else none", default=None)
    index_cache_dir: Path | None = _accepts("a directory; empty: $XDG_CACHE_HOME/sora-quotes", default=None)
    top_k: int = _accepts("a whole number from 1 to 10", default=3, ge=1, le=10)
    decline_min_coverage: float = _accepts("a number from 0 to 1, e.g. 0.25", default=0.0, ge=0.0, le=1.0)
    semantic: bool = _accepts("on or off: re-rank answers with the bundled embedding model where it can run", default=True)
    embed_budget_seconds: float = _accepts("a number of seconds from 0 to 86400", default=120.0, ge=0, le=86400)

    # Per-user rate limit: at most RATE_LIMIT_QUESTIONS questions in RATE_LIMIT_SECONDS seconds.
    rate_limit_questions: int = _accepts("a whole number from 1 to 1000", default=5, ge=1, le=1000)
    rate_limit_seconds: float = _accepts("a number of seconds above 0, at most 86400", default=30.0, gt=0, le=86400)

    # Logging
    log_level: str = _accepts("one of " + ", ".join(_LOG_LEVELS), default="INFO")
    log_format: LogFormat = _accepts("text or json", default=LogFormat.text)

    # Telegram
    telegram_mode: TelegramMode = _accepts("polling or webhook", default=TelegramMode.polling)
    telegram_webhook_url: str | None = _accepts("the public https:// URL Telegram posts updates to; empty in polling mode", default=None)
    telegram_webhook_listen: str = _accepts("the address the webhook server listens on, e.g. 0.0.0.0", default="0.0.0.0")
    telegram_webhook_port: int = _accepts("a port number from 1 to 65535", default=8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = _accepts("1 to 256 characters from A-Z, a-z, 0-9, _ and -", default=None)
    telegram_api_base_url: str = _accepts("an http(s) URL ending in /bot, e.g. https://api.telegram.org/bot", default="https://api.telegram.org/bot")
    telegram_api_file_url: str = _accepts("an http(s) URL ending in /file/bot, e.g. https://api.telegram.org/file/bot", default="https://api.telegram.org/file/bot")
    # Several webhook workers behind one proxy share their working state in PostgreSQL (README, "Telegram").
    telegram_state_database_url: str | None = _accepts(
        "a PostgreSQL URL, e.g. postgresql://bot:password@db:5432/sora; empty: the SQLite file telegram-state.sqlite3 "
        "beside the feedback database", default=None)
    telegram_lease_seconds: float = _accepts("a number of seconds from 3 to 3600", default=30.0, ge=3, le=3600)

    # Discord
    discord_dev_guild_id: int | None = _accepts("the numeric id of a Discord server, or empty", default=None, gt=0)
    discord_api_base_url: str = _accepts("an http(s) URL, e.g. https://discord.com/api/v10", default="https://discord.com/api/v10")
    # Sharding across processes: the shards of the whole bot, and those this process connects.
    # Both empty: Discord's recommended count, every shard in this one process.
    discord_shard_count: int | None = _accepts("a whole number of shards, 1 or more (the same in every process), or empty",
                                               default=None, ge=1)
    discord_shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = _accepts(
        "shard ids below DISCORD_SHARD_COUNT, separated by commas or as a range, e.g. 0,1 or 0-1; empty: all of them",
        default=None)

    # Feedback: questions asked, their outcome and 👍/👎 votes, kept in SQLite, or in PostgreSQL
    # when FEEDBACK_DATABASE_URL is set (see README, "Feedback").
    feedback: bool = _accepts("on or off: record questions and votes, and show 👍/👎 buttons", default=True)
    feedback_db_path: Path | None = _accepts("a file path; empty: $XDG_DATA_HOME/sora-quotes/feedback.sqlite3", default=None)
    # Shown without its password (DATABASE_URL_FIELDS).
    feedback_database_url: SecretStr | None = _accepts(
        "a PostgreSQL URL, postgresql://user:password@host:5432/database; empty: the SQLite file FEEDBACK_DB_PATH",
        default=None)
    feedback_salt: SecretStr | None = _accepts("any text, the key of the user-id hashes; empty: one generated and kept in the database", default=None)
    feedback_retention_days: int = _accepts("a whole number of days from 1 to 3650", default=90, ge=1, le=3650)

    # Health endpoint (GET /healthz) for container health checks; 0 turns it off. Empty: each bot
    # its own (DEFAULT_HEALTH_PORTS), so both can run on one host with the defaults.
    health_port: int | None = _accepts("a port number from 1 to 65535, or 0 for none", default=None, ge=0, le=65535)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in _LOG_LEVELS:
            raise ValueError("not a log level")
        return level

    @field_validator("log_format", "telegram_mode", mode="before")
    @classmethod
    def _lowercase_choice(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("corpus_dir", mode="before")
    @classmethod
    def _empty_is_bundled(cls, value):
        return BUNDLED_CORPUS if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token", "discord_bot_token", "telegram_webhook_secret",
                     "index_cache_dir", "health_port", "discord_dev_guild_id", "telegram_webhook_url",
                     "feedback_db_path", "feedback_database_url", "feedback_salt", "source_url_template",
                     "discord_shard_count", "telegram_state_database_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_api_base_url", "telegram_api_file_url", "discord_api_base_url", "telegram_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlparse(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("not an http:// or https:// URL")
        return value

    @field_validator("telegram_state_database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if urlparse(value).scheme not in POSTGRES_SCHEMES:
            raise ValueError("not a postgresql:// URL")
        return value

    @field_validator("source_url_template")
    @classmethod
    def _url_template(cls, value: str | None) -> str | None:
        return None if value is None else check_url_template(value.strip())

    @field_validator("telegram_bot_token", "discord_bot_token")
    @classmethod
    def _token_on_one_line(cls, value: SecretStr | None) -> SecretStr | None:
        # A token pasted with a line break would reach the HTTP headers (a ValueError deep in aiohttp).
        if value is None:
            return None
        token = value.get_secret_value().strip()
        if any(character.isspace() or not character.isprintable() for character in token):
            raise ValueError("has a line break, space or other control character in it: paste the token again, on one line")
        return SecretStr(token)

    @field_validator("feedback_database_url")
    @classmethod
    def _feedback_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else SecretStr(check_postgres_url(value.get_secret_value()))

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_id_list(cls, value):
        if isinstance(value, str):
            return parse_shard_ids(value) if value.strip() else None
        return value

    @field_validator("discord_shard_ids")
    @classmethod
    def _shards_of_the_count(cls, value: tuple[int, ...] | None, info: ValidationInfo) -> tuple[int, ...] | None:
        if value is None:
            return None
        twice = sorted(shard for shard, times in Counter(value).items() if times > 1)
        if twice:
            raise ValueError(f"lists {_shards(twice)} more than once")
        if "discord_shard_count" not in info.data:  # DISCORD_SHARD_COUNT itself is wrong: said on its own
            return value
        count = info.data["discord_shard_count"]
        if count is None:
            raise ValueError("needs DISCORD_SHARD_COUNT, the number of shards of the whole bot (the same in every "
                             "process)")
        beyond = [shard for shard in value if shard >= count]
        if beyond:
            raise ValueError(f"{_shards(beyond)} {'is' if len(beyond) == 1 else 'are'} not below "
                             f"DISCORD_SHARD_COUNT={count} (shard ids go from 0 to {count - 1})")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("has characters or a length Telegram does not accept")
        return value


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """The shard ids in DISCORD_SHARD_IDS's text ("0,1", "0-3", "0-1,4"), in the order given;
    ValueError saying which part is not an id or a range."""
    ids: list[int] = []
    for part in text.split(","):
        match = _SHARD_ID_PART.match(part.strip())
        if match is None:
            raise ValueError(f"{part.strip()!r} is not a shard id or a range of them")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise ValueError(f"the range {first}-{last} runs backwards: write {last}-{first}")
        if last - first >= MAX_SHARD_IDS:
            raise ValueError(f"the range {first}-{last} holds more than {MAX_SHARD_IDS} shards")
        ids.extend(range(first, last + 1))
    return tuple(ids)


def format_shard_ids(ids: Sequence[int]) -> str:
    """Shard ids as DISCORD_SHARD_IDS takes them, runs of consecutive ids as ranges: "0-3,8"."""
    parts: list[str] = []
    start = previous = None
    for shard in [*ids, None]:
        if previous is not None and shard == previous + 1:
            previous = shard
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = shard
    return ",".join(parts)


def _shards(ids: list[int]) -> str:
    return ("shard " if len(ids) == 1 else "shards ") + ", ".join(map(str, ids))


def mask_password(url: str) -> str:
    """`url` with the password it holds (user:password@host, or ?password=) replaced by ***."""
    parts = urlparse(url)
    netloc = f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}" if parts.password else parts.netloc
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def url_passwords(url: str | None) -> list[str]:
    """The password a database URL holds, as written and decoded, to keep out of logs (none
    when it holds none)."""
    if not url:
        return []
    parts = urlparse(url)
    found = re.search(r"(?i)(?:^|&)password=([^&]*)", parts.query)
    written = parts.password or (found[1] if found else "")
    return sorted({written, unquote(written)} - {""})


def health_port_for(settings: Settings, platform: str) -> int:
    """The health endpoint's port for `platform`'s bot: HEALTH_PORT, or the bot's own default."""
    return DEFAULT_HEALTH_PORTS[platform] if settings.health_port is None else settings.health_port


# Fields whose values are never shown: not in error messages, not by `python -m bot config`.
SECRET_FIELDS = frozenset(
    name for name, field in Settings.model_fields.items()
    if field.annotation is SecretStr or SecretStr in get_args(field.annotation)
)


# Database URLs, whose password is masked wherever they are shown (FEEDBACK_DATABASE_URL is
# also a SecretStr, so that no repr shows it whole).
DATABASE_URL_FIELDS = frozenset({"telegram_state_database_url", "feedback_database_url"})


def database_passwords(settings: Settings) -> list[str]:
    """The passwords of the database URLs the settings hold, for the logs to redact."""
    feedback = settings.feedback_database_url
    return [*url_passwords(settings.telegram_state_database_url),
            *url_passwords(feedback.get_secret_value() if feedback is not None else None)]


class SettingsError(Exception):
    """Settings are missing or invalid; the message names each variable and what is wrong."""


def load_settings(**overrides) -> Settings:
    """Read the settings once; SettingsError names every invalid variable, what is wrong with
    its value (never a secret's value) and the accepted form."""
    from pydantic import ValidationError

    _check_env_files_readable()
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = [_describe_problem(item) for item in error.errors()]
        if len(problems) == 1:  # one line, as every other start-up error
            raise SettingsError(f"invalid setting (in the environment or .env): {problems[0]}") from None
        raise SettingsError("invalid settings (in the environment or .env):\n" + "\n".join(f"  - {p}" for p in problems)) from None


def _check_env_files_readable(files: tuple[Path | str, ...] = (DEFAULTS_FILE, ENV_FILE)) -> None:
    """SettingsError naming the file when a settings file exists but cannot be read or is not
    UTF-8 (python-dotenv would otherwise fail with a long traceback)."""
    for path in map(Path, files):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise SettingsError(f"cannot read the settings file {path}: {error.strerror or error}") from None
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[:error.start].count(b"\n") + 1
            raise SettingsError(f"the settings file {path} is not UTF-8 text (byte 0x{raw[error.start]:02x} on line "
                                f"{line}): save it as UTF-8") from None


def _describe_problem(item: dict) -> str:
    """One line for one validation error: VARIABLE=value: problem; expected: accepted form."""
    field = str(item["loc"][0]) if item["loc"] else ""
    variable = field.upper() or "settings"
    problem = item["msg"].removeprefix("Value error, ")
    problem = problem[0].lower() + problem[1:] if problem else "invalid"
    given = str(item.get("input", ""))
    if field in DATABASE_URL_FIELDS:
        given = mask_password(given)
    shown = variable if field in SECRET_FIELDS else f"{variable}={given!r}"
    info = Settings.model_fields.get(field)
    accepted = f"; expected {info.description}" if info is not None and info.description else ""
    return f"{shown}: {problem}{accepted}"


TOKEN_HELP = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in .env",
    "discord_bot_token": "DISCORD_BOT_TOKEN is not set: create an application at https://discord.com/developers/applications, add a bot, and put its token in .env",
}


def require_token(settings: Settings, name: str) -> str:
    """The token's value; SettingsError with how to get one when it is not set."""
    secret = getattr(settings, name)
    if secret is None or not secret.get_secret_value().strip():
        raise SettingsError(TOKEN_HELP[name])
    return secret.get_secret_value().strip()
