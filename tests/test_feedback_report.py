"""`python -m bot feedback`, run as the operator runs it, on a database seeded with a week of
questions and votes from both platforms: an SQLite file, and the same on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.feedback.schema import SCHEMA_VERSION
from bot.feedback.store import FeedbackStore
from bot.feedback.vote_data import Vote
from retrieval.answer import Answer
from tests.crafted_answers import located_hit, not_sure, quote_hit
from tests.feedback_backends import BACKENDS, SQLiteFeedback, feedback_backend as make_backend
from retrieval.evaluation import load_questions

REPO = Path(__file__).resolve().parent.parent
DAY = 86_400
# The seeded questions are asked a second apart (so "the latest" is one in any database), around
# the latest noon (UTC) already past, so that no day's questions straddle a midnight.
NOW = (time.time() - DAY / 2) // DAY * DAY + DAY / 2


def day(days_ago: int) -> str:
    return datetime.fromtimestamp(NOW - days_ago * DAY, timezone.utc).strftime("%Y-%m-%d")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module", params=BACKENDS)
def database(request, engine, tmp_path_factory):
    """Ten days of a small bot's life: the same unanswered questions in several wordings and
    scripts, an answer three people voted on, small talk, and one question from long ago."""
    with ExitStack() as cleanup:
        backend = make_backend(request.param, tmp_path_factory.mktemp("feedback") / "feedback.sqlite3",
                                   lambda: cleanup.enter_context(request.getfixturevalue("postgres_server").database()))
        _seed(backend.location, engine)
        yield backend


def _seed(location, engine) -> None:
    clock = Clock()
    store = FeedbackStore.open(location, clock=clock)

    asked = iter(range(100))

    def ask(days_ago: int, platform: str, user: int, question: str) -> str:
        clock.now = NOW - days_ago * DAY + next(asked)
        return store.record_question(platform, user, engine.answer(question))

    ask(10, "telegram", 1, "Who painted the Mona Lisa?")
    sora = ask(2, "telegram", 1, "What is Sora 2?")
    ask(2, "telegram", 2, "How do I bake bread?")
    ask(1, "discord", 3, "how do I bake bread")
    ask(1, "discord", 4, "ＨＯＷ ＤＯ Ｉ ＢＡＫＥ ＢＲＥＡＤ？")
    ask(1, "discord", 4, "蒙古的首都是哪裡?")
    ask(1, "telegram", 5, "蒙古的首都是哪里")
    ask(1, "telegram", 5, "hi")
    ask(1, "discord", 6, "How quickly did the Sora app pass a million downloads?")
    clock.now = NOW - DAY
    store.record_vote("telegram", 7, sora, Vote.down)
    store.record_vote("telegram", 8, sora, Vote.up)
    store.record_vote("telegram", 8, sora, Vote.down)  # changed their mind
    store.record_vote("telegram", 9, sora, Vote.up)
    store.close()


def feedback(*args: str, database, **env: str) -> subprocess.CompletedProcess:
    """`python -m bot feedback ARGS` with FEEDBACK_DB_PATH or FEEDBACK_DATABASE_URL naming `database`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FEEDBACK")}
    environment.update(database.setting, PYTHONPATH=str(REPO), **env)
    result = subprocess.run([sys.executable, "-m", "bot", "feedback", *args], capture_output=True, text=True,
                            encoding="utf-8", env=environment, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def section(output: str, heading: str) -> list[str]:
    """The lines under a `## heading` of the report, up to the next one."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"## {heading}"))
    rest = lines[start + 1 :]
    end = next((i for i, line in enumerate(rest) if line.startswith("## ")), len(rest))
    return [line for line in rest[:end] if line]


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_the_report_counts_questions_per_day_and_platform(database):
    result = feedback(database=database)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"# Feedback in {database.name}, ")
    assert "UTC (last 7d)" in result.stdout.splitlines()[0]

    table = section(result.stdout, "Questions per day")
    assert cells(table[0]) == ["day", "platform", "asked", "answered", "not sure", "declined", "small talk", "👍", "👎"]
    assert [cells(line) for line in table[2:]] == [
        [day(2), "telegram", "2", "1", "0", "1", "0", "1", "2"],
        [day(1), "discord", "4", "1", "0", "3", "0", "0", "0"],
        [day(1), "telegram", "2", "0", "0", "1", "1", "0", "0"],
        ["all", "", "8", "2", "0", "5", "1", "1", "2"],
    ]
    # The question ten days ago is outside the default week.
    assert "France" not in result.stdout


def test_the_columns_line_up_around_chinese_text_and_emoji(database):
    output = feedback(database=database).stdout
    for heading in ("Questions per day", "Unanswered", "Answers with the most"):
        table = section(output, heading)
        widths = {tuple(len(cell) + sum(ord(c) > 0x2e7f for c in cell) for cell in line.split("|")) for line in table}
        assert len(widths) == 1, table  # every row as wide, column by column, as the header


def test_unanswered_questions_are_grouped_across_case_width_and_script(database):
    table = section(feedback(database=database).stdout, "Unanswered questions")
    rows = [cells(line) for line in table[2:]]
    assert [row[:2] for row in rows] == [["3", "3"], ["2", "2"], ["1", "1"]]  # times, people
    bread, mongolia, sora = rows
    assert bread[3] == "en" and bread[4] == "no passage holds the question's words"
    assert mongolia[4] == "no passage holds the question's words"
    assert mongolia[5] in ("蒙古的首都是哪裡?", "蒙古的首都是哪里")
    assert sora[4:] == ["answered, voted 👎", "What is Sora 2?"]


def test_the_answers_with_the_most_thumbs_down_show_the_question_and_the_quoted_article(database, engine):
    table = section(feedback(database=database).stdout, "Answers with the most 👎")
    assert cells(table[0]) == ["👎", "👍", "question", "quoted article", "quote"]
    [row] = [cells(line) for line in table[2:]]
    quoted = engine.answer("What is Sora 2?").hits[0]
    assert row[:3] == ["2", "1", "What is Sora 2?"]
    assert row[3].startswith(quoted.article.id + " ")
    assert quoted.excerpt.startswith(row[4].rstrip("…"))


def test_since_reaches_further_back(database):
    output = feedback("--since", "14d", database=database).stdout
    assert "Who painted the Mona Lisa?" in output
    assert "UTC (last 14d)" in output.splitlines()[0]
    output = feedback("--since", day(11), database=database).stdout
    assert "Who painted the Mona Lisa?" in output
    assert f"UTC (since {day(11)})" in output.splitlines()[0]


def test_json_lists_the_same_report(database):
    report = json.loads(feedback("--json", database=database).stdout)
    assert report["database"] == database.name
    assert [(d["day"], d["platform"], d["asked"], d["declined"]) for d in report["days"]] == [
        (day(2), "telegram", 2, 1), (day(1), "discord", 4, 3), (day(1), "telegram", 2, 1),
    ]
    assert [(q["times"], q["people"], q["downvoted"]) for q in report["unanswered"]] == [
        (3, 3, False), (2, 2, False), (1, 1, True),
    ]
    assert report["downvoted_answers"][0]["down"] == 2 and report["downvoted_answers"][0]["up"] == 1


def test_export_writes_unanswered_questions_as_evaluation_questions(database, tmp_path, cache_dir):
    exported = tmp_path / "from-users.jsonl"
    result = feedback("--export", str(exported), database=database)
    assert result.returncode == 0
    assert f"3 unanswered questions written to {exported}" in result.stderr

    questions = load_questions(exported)
    assert [set(q) for q in questions] == [{"id", "question", "lang", "kind", "answerable"}] * 3
    assert [(q["lang"], q["kind"], q["answerable"]) for q in questions] == [
        ("en", "declined", False), ("zh-Hans", "declined", False), ("en", "downvoted", False)]
    assert questions[2]["question"] == "What is Sora 2?"
    assert len({q["id"] for q in questions}) == 3 and all(q["id"].startswith("fb-") for q in questions)
    # The same questions get the same ids in a later export.
    again = tmp_path / "again.jsonl"
    feedback("--export", str(again), database=database)
    assert [q["id"] for q in load_questions(again)] == [q["id"] for q in questions]

    # And `python -m bot eval` reads the file as it reads ../shared/eval/dev_qa.jsonl.
    environment = {**os.environ, "SEMANTIC": "off", "XDG_CACHE_HOME": str(cache_dir), "PYTHONPATH": str(REPO)}
    scored = subprocess.run([sys.executable, "-m", "bot", "eval", str(exported)], capture_output=True, text=True,
                            env=environment, timeout=300)
    assert scored.returncode == 0, scored.stderr
    assert "| en/declined |" in scored.stdout and "| en/downvoted |" in scored.stdout


@pytest.mark.parametrize("since", ["7x", "seven days", "0d", "2026-13-01", ""])
def test_a_bad_since_says_what_is_accepted(database, since):
    result = feedback("--since", since, database=database)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: --since {since!r} is ")
    assert "(24h, 7d, 2w) or a day (2026-11-01)" in result.stderr
    assert result.stdout == ""


def test_no_database_yet_says_where_it_is_looked_for(tmp_path):
    missing = tmp_path / "nowhere" / "feedback.sqlite3"
    result = feedback(database=SQLiteFeedback(missing))
    assert result.returncode == 1
    assert f"No feedback recorded yet: {missing} does not exist" in result.stderr
    assert not missing.parent.exists()  # the report creates nothing


def test_no_database_yet_with_json_prints_json_saying_so(tmp_path):
    missing = tmp_path / "nowhere" / "feedback.sqlite3"
    result = feedback("--json", database=SQLiteFeedback(missing))
    assert result.returncode == 1
    said = json.loads(result.stdout)
    assert said["database"] == str(missing) and said["recorded"] is False
    assert said["error"].startswith(f"No feedback recorded yet: {missing} does not exist")


def test_a_database_from_newer_code_is_refused_with_the_file_and_versions(feedback_backend):
    newer = feedback_backend
    FeedbackStore.open(newer.location).close()
    newer.execute("INSERT INTO schema_version VALUES (?, 0)", SCHEMA_VERSION + 1)
    result = feedback(database=newer)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: the feedback database {newer.name} has schema version {SCHEMA_VERSION + 1}")


def test_an_empty_period_says_so(feedback_backend):
    empty = feedback_backend
    FeedbackStore.open(empty.location).close()
    output = feedback(database=empty).stdout
    assert section(output, "Questions per day") == ["No questions in this period."]
    assert section(output, "Unanswered") == ["None in this period."]
    assert section(output, "Answers with the most") == ["None in this period."]


def test_a_question_with_terminal_escapes_is_printed_inert(feedback_backend):
    # What a Discord question keeps of its text (the engine's cleaning aside) reaches the report.
    path = feedback_backend
    store = FeedbackStore.open(path.location)
    store.record_question("discord", 1, Answer("\x1b[2J\x1b]0;owned\x07 what is bread?", False, "en",
                                               decline_reason="only numbers"))
    store.close()

    result = feedback(database=path)

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "what is bread?" in result.stdout


def test_answers_the_engine_was_not_sure_of_are_counted_and_listed_as_unanswered(feedback_backend, tmp_path):
    path = feedback_backend
    clock = Clock()  # a second between questions, so that the later wording is the latest
    store = FeedbackStore.open(path.location, clock=clock)
    store.record_question("telegram", 1, not_sure("How do threads share memory?", "en", located_hit()))
    clock.now += 1
    store.record_question("discord", 2, not_sure("how do threads share memory", "en", located_hit()))
    voted = store.record_question("discord", 3, not_sure("Is a mutex fair?", "en", located_hit()))
    store.record_question("discord", 4, Answer("What is Cameo?", True, "en", (quote_hit(),)))
    store.record_vote("discord", 5, voted, Vote.down)
    store.close()

    output = feedback(database=path).stdout

    days = [cells(line) for line in section(output, "Questions per day")]
    assert days[0][3:5] == ["answered", "not sure"]
    assert days[-1][2:5] == ["4", "1", "3"]  # all: asked, answered, not sure
    unanswered = [cells(line) for line in section(output, "Unanswered questions")[2:]]
    assert [(row[0], row[4]) for row in unanswered] == [("2", "not sure: the closest quotes"),
                                                        ("1", "not sure: the closest quotes")]
    [downvoted] = [cells(line) for line in section(output, "Answers with the most 👎")[2:]]
    assert downvoted[:3] == ["1", "0", "Is a mutex fair?"]

    exported = tmp_path / "asked.jsonl"
    feedback("--export", str(exported), database=path)
    assert [(q["question"], q["kind"]) for q in load_questions(exported)] == [
        ("how do threads share memory", "uncertain"), ("Is a mutex fair?", "downvoted")]
