"""The Telegram front end: updates in, one call of the engine, HTML replies out.

`bot.telegram_bot.app.run(settings, engine)` is the entry point of `python -m bot telegram`.
"""
