"""The Discord front end: slash commands, a message menu, mentions and DMs, answered by quoting the
articles; `app.run(settings, engine)` is `python -m bot discord`. May import bot.runtime,
bot.feedback and retrieval."""
