"""Feedback: the questions people ask, how each went, and their 👍/👎 votes, in SQLite or in
PostgreSQL (FEEDBACK_DATABASE_URL; see database.py).

How a bot uses it (nothing is imported here, so that the command line stays light):

    from bot.feedback.store import open_feedback           # at start-up, once
    feedback = open_feedback(settings)   # NoFeedback when FEEDBACK=off; FeedbackSchemaError: stop
    answer_id = feedback.record_question("telegram", user_id, answer)   # first reply only
    # answer_id None: show no 👍/👎; else the buttons carry bot.feedback.vote_data.vote_data(answer_id, vote)
    feedback.record_vote("telegram", user_id, answer_id, vote)          # on a press
    feedback.close()                                       # at shutdown (blocking)

`report_command` is `python -m bot feedback`.
"""
