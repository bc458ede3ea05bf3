"""Feedback: the questions people ask, how each went, and their 👍/👎 votes, in SQLite.

`store` records (the adapters call it), `vote_data` makes and reads the vote buttons' data,
`report_command` is `python -m bot feedback`. Nothing is imported here, so that the command
line can reach `period` without loading the engine.
"""
