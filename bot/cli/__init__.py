"""The command line: `python -m bot`'s commands, the terminal front end and its reports.
May import bot.runtime, bot.feedback, retrieval, and of a platform package only what starts or
describes its bot (bot_commands.py, config_report.py)."""
