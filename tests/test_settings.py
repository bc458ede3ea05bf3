"""Settings: what a person running a bot sees when a variable is missing, wrong or secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.__main__ import main
from bot.cli.config_report import MASK
from bot.runtime.settings import DEFAULTS_FILE, Settings, SettingsError, load_settings, require_token

REPO = Path(__file__).resolve().parent.parent
TELEGRAM_TOKEN = "123456:AAH-this-is-a-fake-telegram-token"
DISCORD_TOKEN = "MTIz.fake-discord-token.XYZ"


@pytest.fixture(autouse=True)
def _no_settings_in_environment(monkeypatch):
    """Only what a test sets: no variable of the developer's shell leaks in."""
    for field in Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)


def write_env(text: str) -> None:
    """A .env in the working directory (each test runs in its own temporary one)."""
    Path(".env").write_text(text, encoding="utf-8")


def test_a_missing_telegram_token_says_how_to_get_one():
    with pytest.raises(SettingsError) as raised:
        require_token(load_settings(), "telegram_bot_token")
    message = str(raised.value)
    assert message.startswith("TELEGRAM_BOT_TOKEN is not set")
    assert "@BotFather" in message and ".env" in message


def test_a_missing_discord_token_says_how_to_get_one():
    with pytest.raises(SettingsError) as raised:
        require_token(load_settings(), "discord_bot_token")
    assert str(raised.value).startswith("DISCORD_BOT_TOKEN is not set")
    assert "discord.com/developers" in str(raised.value)


def test_an_empty_token_in_dotenv_counts_as_not_set():
    write_env("TELEGRAM_BOT_TOKEN=\n")
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN is not set"):
        require_token(load_settings(), "telegram_bot_token")


def test_a_token_from_dotenv_is_used():
    write_env(f"TELEGRAM_BOT_TOKEN={TELEGRAM_TOKEN}\n")
    assert require_token(load_settings(), "telegram_bot_token") == TELEGRAM_TOKEN


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("TOP_K", "abc", "a whole number from 1 to 10"),
        ("TOP_K", "0", "a whole number from 1 to 10"),
        ("DECLINE_MIN_COVERAGE", "1.5", "a number from 0 to 1"),
        ("RATE_LIMIT_SECONDS", "-1", "a number of seconds above 0"),
        ("LOG_LEVEL", "loud", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("LOG_FORMAT", "xml", "text or json"),
        ("TELEGRAM_MODE", "push", "polling or webhook"),
        ("TELEGRAM_WEBHOOK_PORT", "70000", "a port number from 1 to 65535"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org/bot", "an http(s) URL ending in /bot"),
        ("DISCORD_API_BASE_URL", "ftp://example.org", "an http(s) URL"),
        ("DISCORD_DEV_GUILD_ID", "my-server", "the numeric id of a Discord server"),
        ("HEALTH_PORT", "http", "a port number from 1 to 65535, or 0 for none"),
        ("FEEDBACK", "sometimes", "on or off"),
        ("FEEDBACK_RETENTION_DAYS", "0", "a whole number of days from 1 to 3650"),
        ("FEEDBACK_RETENTION_DAYS", "forever", "a whole number of days from 1 to 3650"),
    ],
)
def test_an_invalid_value_names_the_variable_its_value_and_the_accepted_form(monkeypatch, variable, value, accepted):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert f"{variable}={value!r}" in message
    assert f"expected {accepted}" in message


def test_every_invalid_variable_is_named_at_once(monkeypatch):
    monkeypatch.setenv("TOP_K", "many")
    write_env("LOG_LEVEL=chatty\n")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "TOP_K='many'" in str(raised.value) and "LOG_LEVEL='chatty'" in str(raised.value)


def test_an_invalid_secret_is_named_but_never_shown(monkeypatch):
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "my secret!")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "TELEGRAM_WEBHOOK_SECRET" in message and "A-Z, a-z, 0-9, _ and -" in message
    assert "my secret" not in message


def test_values_are_forgiving_about_case_and_blanks(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("TELEGRAM_MODE", "Webhook")
    monkeypatch.setenv("DISCORD_DEV_GUILD_ID", " ")
    settings = load_settings()
    assert settings.log_level == "DEBUG"
    assert settings.telegram_mode.value == "webhook"
    assert settings.discord_dev_guild_id is None


def test_dotenv_overrides_the_defaults_and_the_environment_overrides_dotenv(monkeypatch):
    write_env("TOP_K=4\nRATE_LIMIT_QUESTIONS=7\n")
    monkeypatch.setenv("TOP_K", "6")
    settings = load_settings()
    assert settings.top_k == 6  # environment beats .env
    assert settings.rate_limit_questions == 7  # .env beats the default
    assert settings.rate_limit_seconds == 30.0  # the default


def test_an_empty_corpus_dir_means_the_bundled_articles(monkeypatch):
    monkeypatch.setenv("CORPUS_DIR", "")
    assert load_settings().corpus_dir == REPO / "corpus"


def test_config_shows_the_effective_settings_with_secrets_masked(monkeypatch, capsys):
    write_env(f"DISCORD_BOT_TOKEN={DISCORD_TOKEN}\nTOP_K=4\n")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "webhook-secret-value")

    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert TELEGRAM_TOKEN not in shown and DISCORD_TOKEN not in shown and "webhook-secret-value" not in shown
    assert "123456" not in shown  # not even the bot id part of the token
    assert f"TELEGRAM_BOT_TOKEN={MASK}  # set, from environment" in shown
    assert f"DISCORD_BOT_TOKEN={MASK}  # set, from .env" in shown
    assert f"TELEGRAM_WEBHOOK_SECRET={MASK}" in shown
    assert "TOP_K=4  # .env" in shown
    assert "TELEGRAM_API_BASE_URL=https://api.telegram.org/bot" in shown


def test_config_shows_the_telegram_state_database_without_its_password(monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_STATE_DATABASE_URL", "postgresql://bot:s3cret-pw@db.example:5432/sora")

    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert "s3cret-pw" not in shown
    assert "TELEGRAM_STATE_DATABASE_URL=postgresql://bot:***@db.example:5432/sora  # environment" in shown


def test_a_state_database_that_is_not_postgresql_is_refused_without_showing_its_password(monkeypatch):
    monkeypatch.setenv("TELEGRAM_STATE_DATABASE_URL", "mysql://bot:s3cret-pw@db.example/sora")

    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "TELEGRAM_STATE_DATABASE_URL='mysql://bot:***@db.example/sora': not a postgresql:// URL" in str(refused.value)
    assert "s3cret-pw" not in str(refused.value)


def test_config_says_which_token_is_not_set(capsys):
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert "TELEGRAM_BOT_TOKEN=  # not set" in shown and "DISCORD_BOT_TOKEN=  # not set" in shown


def test_config_shows_the_paths_and_ports_in_use_for_empty_settings(tmp_path, capsys):
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    # The autouse fixture points XDG_CACHE_HOME and XDG_DATA_HOME into the test's directory.
    assert f"INDEX_CACHE_DIR={tmp_path / 'xdg-cache' / 'sora-quotes'}  # " in shown
    assert f"FEEDBACK_DB_PATH={tmp_path / 'xdg-data' / 'sora-quotes' / 'feedback.sqlite3'}  # " in shown
    assert f"CORPUS_DIR={REPO / 'corpus'}  # " in shown
    assert "HEALTH_PORT=  # built-in default: 8080 for telegram, 8081 for discord" in shown


def test_config_shows_a_set_path_as_set(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("INDEX_CACHE_DIR", str(tmp_path / "mine"))
    assert main(["config"]) == 0
    assert f"INDEX_CACHE_DIR={tmp_path / 'mine'}  # environment\n" in capsys.readouterr().out


def test_config_names_an_invalid_variable_and_fails(monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("TOP_K", "lots")
    assert main(["config"]) == 2
    captured = capsys.readouterr()
    assert "TOP_K='lots'" in captured.err and "a whole number from 1 to 10" in captured.err
    assert TELEGRAM_TOKEN not in captured.err + captured.out


def _documented(path: Path, commented: bool = False) -> dict[str, str]:
    """NAME -> value of every `NAME=value` line (also `# NAME=value` ones when `commented`)."""
    pattern = re.compile(r"^#? ?([A-Z][A-Z0-9_]*)=(.*)$" if commented else r"^([A-Z][A-Z0-9_]*)=(.*)$")
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = pattern.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_the_defaults_file_documents_every_setting_with_its_builtin_default():
    documented = dotenv_values(DEFAULTS_FILE)
    assert set(documented) == {field.upper() for field in Settings.model_fields}
    from_file = load_settings()
    built_in = Settings(_env_file=None)
    for field in Settings.model_fields:
        assert getattr(from_file, field) == getattr(built_in, field), f"{field.upper()} differs"


def test_env_example_lists_every_setting():
    listed = _documented(REPO / ".env.example", commented=True)
    assert {field.upper() for field in Settings.model_fields} <= set(listed)
    assert listed["TELEGRAM_BOT_TOKEN"] == "" and listed["DISCORD_BOT_TOKEN"] == ""
