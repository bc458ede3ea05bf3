"""All settings of the bots, read once at start-up from the environment and `.env`.

Defaults are documented in config/defaults.env; `.env` (in the working directory) and the
environment override them, in that order. Tokens are secrets: never printed, never logged.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO_ROOT / "corpus"
DEFAULTS_FILE = REPO_ROOT / "config" / "defaults.env"


class TelegramMode(str, Enum):
    polling = "polling"
    webhook = "webhook"


class LogFormat(str, Enum):
    text = "text"
    json = "json"


class Settings(BaseSettings):
    """Every setting, by its environment variable name (case-insensitive)."""

    model_config = SettingsConfigDict(
        env_file=(DEFAULTS_FILE, ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Tokens
    telegram_bot_token: SecretStr | None = None
    discord_bot_token: SecretStr | None = None

    # Answers
    corpus_dir: Path = BUNDLED_CORPUS
    index_cache_dir: Path | None = None
    top_k: int = Field(3, ge=1, le=10)
    decline_min_coverage: float = Field(0.25, ge=0.0, le=1.0)

    # Per-user rate limit: at most RATE_LIMIT_QUESTIONS questions in RATE_LIMIT_SECONDS seconds.
    rate_limit_questions: int = Field(5, ge=1, le=1000)
    rate_limit_seconds: float = Field(30.0, gt=0, le=86400)

    # Logging
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.text

    # Telegram
    telegram_mode: TelegramMode = TelegramMode.polling
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = Field(8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_file_url: str = "https://api.telegram.org/file/bot"

    # Discord
    discord_dev_guild_id: int | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"

    # Health endpoint (GET /healthz) for container health checks; 0 turns it off.
    health_port: int = Field(8080, ge=0, le=65535)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("corpus_dir", mode="before")
    @classmethod
    def _empty_is_bundled(cls, value):
        return BUNDLED_CORPUS if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token", "discord_bot_token", "telegram_webhook_secret",
                     "index_cache_dir", "discord_dev_guild_id", "telegram_webhook_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value):
        return None if isinstance(value, str) and not value.strip() else value


class SettingsError(Exception):
    """Settings are missing or invalid; the message names each variable and what is wrong."""


def load_settings(**overrides) -> Settings:
    """Read the settings once; SettingsError lists every invalid variable, with its problem."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            variable = "_".join(str(part) for part in item["loc"]).upper()
            problems.append(f"{variable}: {item['msg']}")
        raise SettingsError("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems)) from None


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
