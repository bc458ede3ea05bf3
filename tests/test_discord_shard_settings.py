"""DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS as a person running several Discord processes meets
them: the forms accepted, what a wrong value is told, and what `python -m bot config` shows."""

from __future__ import annotations

import pytest

from bot.__main__ import main
from bot.runtime.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _no_settings_in_environment(monkeypatch):
    for field in Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)


def refusal(monkeypatch, count: str | None, ids: str) -> str:
    """The message load_settings gives for these values."""
    if count is not None:
        monkeypatch.setenv("DISCORD_SHARD_COUNT", count)
    monkeypatch.setenv("DISCORD_SHARD_IDS", ids)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    return str(raised.value)


@pytest.mark.parametrize(("ids", "held"), [
    ("0,1", (0, 1)), ("0-1", (0, 1)), ("2-3", (2, 3)), (" 3 ", (3,)), ("0-1, 6", (0, 1, 6)), ("5,0", (5, 0)),
])
def test_shard_ids_are_read_as_a_list_or_a_range(monkeypatch, ids, held):
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "8")
    monkeypatch.setenv("DISCORD_SHARD_IDS", ids)
    settings = load_settings()
    assert settings.discord_shard_count == 8 and settings.discord_shard_ids == held


def test_without_either_setting_the_process_takes_every_shard_discord_recommends():
    settings = load_settings()
    assert settings.discord_shard_count is None and settings.discord_shard_ids is None


def test_a_shard_count_alone_is_every_shard_of_that_count_in_this_process(monkeypatch):
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "2")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "")
    settings = load_settings()
    assert settings.discord_shard_count == 2 and settings.discord_shard_ids is None


def test_shard_ids_without_a_count_say_the_count_is_needed(monkeypatch):
    message = refusal(monkeypatch, None, "0,1")
    assert "DISCORD_SHARD_IDS='0,1': needs DISCORD_SHARD_COUNT" in message
    assert "the same in every process" in message


def test_a_shard_id_not_below_the_count_is_refused_with_the_ids_there_are(monkeypatch):
    message = refusal(monkeypatch, "4", "2-4")
    assert "DISCORD_SHARD_IDS='2-4': shard 4 is not below DISCORD_SHARD_COUNT=4 (shard ids go from 0 to 3)" in message


def test_a_shard_listed_twice_is_refused(monkeypatch):
    assert "DISCORD_SHARD_IDS='0-2,1': lists shard 1 more than once" in refusal(monkeypatch, "4", "0-2,1")


@pytest.mark.parametrize(("ids", "problem"), [
    ("first", "'first' is not a shard id or a range of them"),
    ("0,,1", "'' is not a shard id or a range of them"),
    ("-1", "'-1' is not a shard id or a range of them"),
    ("3-1", "the range 3-1 runs backwards: write 1-3"),
    ("0-99999999999", "the range 0-99999999999 holds more than 1000000 shards"),
])
def test_text_that_is_not_shard_ids_names_the_part_that_is_wrong_and_the_form(monkeypatch, ids, problem):
    message = refusal(monkeypatch, "4", ids)
    assert f"DISCORD_SHARD_IDS={ids!r}: {problem}" in message
    assert "expected shard ids below DISCORD_SHARD_COUNT, separated by commas or as a range, e.g. 0,1 or 0-1" in message


@pytest.mark.parametrize("count", ["0", "-2", "four"])
def test_a_shard_count_that_is_not_1_or_more_is_refused_on_its_own(monkeypatch, count):
    message = refusal(monkeypatch, count, "0")
    assert f"DISCORD_SHARD_COUNT={count!r}" in message and "a whole number of shards, 1 or more" in message
    assert "DISCORD_SHARD_IDS" not in message  # its ids are not judged against a count that is wrong


def test_config_shows_the_shards_of_this_process_and_that_it_leaves_the_sync_to_shard_0(monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "3,2")
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert "DISCORD_SHARD_COUNT=4  # environment" in shown and "DISCORD_SHARD_IDS=3,2  # environment" in shown
    assert ("# discord: connects shards 3,2 of 4; only fetches the commands (the process holding shard 0 "
            "syncs them)") in shown


def test_config_shows_a_range_held_as_a_range_and_that_shard_0_syncs(monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0,1")
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert "DISCORD_SHARD_IDS=0-1  # environment" in shown
    assert "# discord: connects shards 0-1 of 4; syncs the commands" in shown


def test_config_by_default_shows_every_shard_discord_recommends_in_one_process(capsys):
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    assert "DISCORD_SHARD_COUNT=  # built-in default: as many as Discord recommends" in shown
    assert "DISCORD_SHARD_IDS=  # built-in default: all of them, in this process" in shown
    assert "# discord: connects every shard, as many as Discord recommends; syncs the commands" in shown
