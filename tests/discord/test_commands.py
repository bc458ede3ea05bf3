"""What a server sees once the bot is invited: its commands, /help and /sources."""

from __future__ import annotations

import inspect
import re

from tests.discord.conftest import buttons, embed_text, is_private, start_bot, stop_bot


async def test_the_bot_registers_ask_sources_help_and_a_message_menu_globally(bot, discord_api):
    commands = {(c["name"], c["type"]) for c in discord_api.commands[None]}
    assert commands == {("ask", 1), ("sources", 1), ("help", 1), ("Ask the articles", 3)}
    ask = discord_api.registered("ask", kind=1)[0]
    assert [(o["name"], o["type"], o.get("required", False)) for o in ask["options"]] == [
        ("question", 3, True), ("private", 5, False)
    ]
    assert all(o["description"] for o in ask["options"])


async def test_every_command_fits_discords_rules_for_names_and_descriptions(bot, discord_api):
    for command in discord_api.commands[None]:
        if command["type"] == 1:
            assert re.fullmatch(r"[-_a-z0-9]{1,32}", command["name"])
            assert 1 <= len(command["description"]) <= 100
            for option in command.get("options", []):
                assert re.fullmatch(r"[-_a-z0-9]{1,32}", option["name"])
                assert 1 <= len(option["description"]) <= 100
        else:
            assert 1 <= len(command["name"]) <= 32 and not command.get("description")
    assert all(call.status != 400 for call in discord_api.calls)


async def test_with_a_development_guild_the_commands_sync_to_that_guild_only(discord_api, engine):
    client, task = await start_bot(discord_api, engine, discord_dev_guild_id=1200000000000000001)
    try:
        assert set(discord_api.commands) == {"1200000000000000001"}
        assert any(c.path.endswith("/guilds/1200000000000000001/commands") and c.method == "PUT" for c in discord_api.calls)
    finally:
        await stop_bot(client, task)


async def test_the_bot_needs_no_privileged_intent(bot, discord_api):
    message_content, members, presences = 1 << 15, 1 << 1, 1 << 8
    assert discord_api.identify["intents"] & (message_content | members | presences) == 0


async def test_help_explains_each_way_of_asking_privately(bot, discord_api, ada):
    reply = (await discord_api.reply_to(await ada.use("help")))[0]
    text = embed_text(reply)
    assert is_private(reply)
    assert "</ask:" in text and "</sources:" in text and "Ask the articles" in text and "mention" in text


async def test_sources_lists_every_article_with_its_link_publisher_and_date(bot, discord_api, ada, engine):
    reply = (await discord_api.reply_to(await ada.use("sources")))[0]
    text = embed_text(reply)
    for article in engine.articles:
        assert f"]({article.url})" in text
        if article.published:
            assert article.published in text
    assert "36Kr Europe" in text
    assert not buttons(reply)


async def test_commands_have_names_and_descriptions_in_traditional_and_simplified_chinese(bot, discord_api):
    ask = discord_api.registered("ask", kind=1)[0]
    assert ask["name_localizations"]["zh-TW"] == "提問" and ask["name_localizations"]["zh-CN"] == "提问"
    assert "文章" in ask["description_localizations"]["zh-TW"]
    menu = discord_api.registered("Ask the articles", kind=3)[0]
    assert set(menu["name_localizations"]) == {"zh-TW", "zh-CN"}
    assert all(call.status != 400 for call in discord_api.calls)


async def test_a_restart_with_the_same_commands_does_not_sync_them_again(discord_api, engine, ada):
    def puts() -> int:
        return sum(1 for c in discord_api.calls if c.method == "PUT" and c.path.endswith("/commands"))

    client, task = await start_bot(discord_api, engine)
    await stop_bot(client, task)
    assert puts() == 1

    client, task = await start_bot(discord_api, engine)
    try:
        help_reply = (await discord_api.reply_to(await ada.use("help")))[0]
    finally:
        await stop_bot(client, task)
    assert puts() == 1  # fetched, not overwritten
    assert "</ask:" in embed_text(help_reply)  # the ids for clickable mentions came from the fetch

    client, task = await start_bot(discord_api, engine, discord_dev_guild_id=1200000000000000001)
    await stop_bot(client, task)
    assert puts() == 2  # other definitions (here: another place) are synced


async def test_commands_deleted_on_discords_side_are_synced_again(discord_api, engine):
    client, task = await start_bot(discord_api, engine)
    await stop_bot(client, task)
    discord_api.commands.clear()  # e.g. removed by hand in the developer portal

    client, task = await start_bot(discord_api, engine)
    await stop_bot(client, task)
    assert {c["name"] for c in discord_api.commands[None]} == {"ask", "sources", "help", "Ask the articles"}


async def test_the_bot_shards_itself_as_discord_asks(bot, discord_api):
    assert discord_api.identify["shard"] == [0, 1]  # the shard count Discord's GET /gateway/bot gave
    assert any(c.path.endswith("/gateway/bot") for c in discord_api.calls)


def test_the_client_offers_what_its_commands_and_buttons_use_of_it_with_the_same_parameters():
    from bot.discord_bot.client import QuotesClient
    from bot.discord_bot.context import ClientContext

    def parameters(function):
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]

    methods = {name: member for name, member in vars(ClientContext).items() if not name.startswith("_") and callable(member)}
    assert {"answer", "show_more", "take_vote"} <= set(methods)
    for name, method in methods.items():
        assert parameters(getattr(QuotesClient, name)) == parameters(method), name
    assert set(inspect.get_annotations(ClientContext)) == {"engine", "limiter"}
    assert {"engine", "limiter"} <= set(inspect.signature(QuotesClient).parameters)
