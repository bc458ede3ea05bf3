"""The FEEDBACK settings as a person running a bot meets them: in `python -m bot config`, and
when a value is wrong."""

from __future__ import annotations

import pytest

from bot.__main__ import main
from bot.cli.config_report import MASK
from bot.runtime.settings import Settings


@pytest.fixture(autouse=True)
def _no_settings_in_environment(monkeypatch):
    for field in Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)


def test_config_shows_where_feedback_goes_and_masks_the_salt(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("FEEDBACK_DB_PATH", str(tmp_path / "feedback.sqlite3"))
    monkeypatch.setenv("FEEDBACK_SALT", "the-operators-own-salt")
    monkeypatch.setenv("FEEDBACK_RETENTION_DAYS", "30")
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert "the-operators-own-salt" not in shown
    assert f"FEEDBACK_SALT={MASK}  # set, from environment" in shown
    assert "FEEDBACK=on  # " in shown and "FEEDBACK_RETENTION_DAYS=30  # environment" in shown
    assert (f"# feedback: recorded in {tmp_path / 'feedback.sqlite3'} for 30 days, "
            "user ids hashed with FEEDBACK_SALT") in shown


def test_config_says_where_the_salt_is_kept_when_none_is_set(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert "FEEDBACK_SALT=  # not set" in shown
    assert (f"# feedback: recorded in {tmp_path / 'sora-quotes' / 'feedback.sqlite3'} for 90 days, "
            "user ids hashed with a salt kept in the database") in shown


def test_config_says_when_feedback_is_off(monkeypatch, capsys):
    monkeypatch.setenv("FEEDBACK", "off")
    assert main(["config"]) == 0
    assert "# feedback: off (nothing recorded, no vote buttons)" in capsys.readouterr().out


def test_config_shows_the_postgresql_url_without_its_password(monkeypatch, capsys):
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", "postgresql://sora:s3cret-Pass@db.example:5432/feedback?sslmode=require")
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert "s3cret-Pass" not in shown
    masked = "postgresql://sora:***@db.example:5432/feedback?sslmode=require"
    assert f"FEEDBACK_DATABASE_URL={masked}  # set, from environment" in shown
    assert f"# feedback: recorded in {masked} for 90 days, user ids hashed with a salt kept in the database" in shown


@pytest.mark.parametrize(("url", "problem"), [
    ("mysql://sora:s3cret-Pass@db.example/feedback", "is not a PostgreSQL URL: it must start with postgresql://"),
    ("postgresql://sora:s3cret-Pass%zz@db.example/feedback", 'invalid percent-encoded token: "***"'),
    ("postgresql://sora:s3cret Pass@db.example/feedback", "unexpected spaces found in \"***\""),
    ("postgresql://sora:s3cret-Pass@db.example:54x2/feedback", "has the port '54x2', not a number from 1 to 65535"),
    ("postgresql://sora@db.example/feedback?password=s3cret-Pass&colour=blue", 'invalid URI query parameter: "colour"'),
])
def test_a_malformed_database_url_is_refused_saying_why_without_the_password(monkeypatch, capsys, url, problem):
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    assert main(["config"]) == 2
    said = capsys.readouterr().err
    assert said.startswith("error: invalid setting (in the environment or .env): FEEDBACK_DATABASE_URL: ")
    assert problem in said
    assert "expected a PostgreSQL URL, postgresql://user:password@host:5432/database" in said
    assert "s3cret" not in said


def test_the_database_password_is_among_the_secrets_kept_out_of_the_logs(monkeypatch):
    from bot.runtime.settings import database_passwords, load_settings

    monkeypatch.setenv("FEEDBACK_DATABASE_URL", "postgresql://sora:s3cret%2FPass@db.example/feedback")
    assert set(database_passwords(load_settings())) == {"s3cret%2FPass", "s3cret/Pass"}  # as written, and decoded
