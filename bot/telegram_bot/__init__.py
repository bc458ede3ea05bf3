"""The Telegram front end: updates in, one call of the engine, HTML replies out; `app.run(settings,
engine)` is `python -m bot telegram`. May import bot.runtime, bot.feedback and retrieval."""
