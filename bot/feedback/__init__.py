"""Feedback: the questions people ask, how each went, and their 👍/👎 votes, in SQLite or PostgreSQL
(database.py; store.py says how a bot uses it; report_command.py is `python -m bot feedback`). May
import bot.runtime, retrieval and bot.cli's terminal layout (for the report's table)."""
