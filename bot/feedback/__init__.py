"""Feedback: the questions people ask, how each went, and their 👍/👎 votes, in SQLite or PostgreSQL
(database.py; store.py says how a bot uses it; the report it gives, report.py, is printed by
bot.cli.feedback_command). May import bot.runtime and retrieval."""
