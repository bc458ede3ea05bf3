"""What the feedback database says about a period: questions per day and platform, the most
frequent unanswered questions (declined, answered only with the closest quotes, or voted 👎),
and the answers voted 👎 most. The SQL is read alike by SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from bot.feedback.question_key import question_key

if TYPE_CHECKING:
    from bot.feedback.database import FeedbackConnection

# Each answer's current 👍 and 👎 (one per person: the latest).
_VOTE_TOTALS = ("SELECT answer_id, SUM(CASE WHEN vote = 1 THEN 1 ELSE 0 END) AS up,"
                " SUM(CASE WHEN vote = -1 THEN 1 ELSE 0 END) AS down FROM votes GROUP BY answer_id")
DAY_SECONDS = 86_400
DOWNVOTED = "answered, voted 👎"
NOT_SURE = "not sure: the closest quotes"


@dataclass(frozen=True)
class DayCounts:
    """Questions asked on one day (UTC) on one platform, how they went, and the votes on them."""

    day: str
    platform: str
    asked: int
    answered: int
    uncertain: int      # answered with the closest quotes, the engine not sure they answer it
    declined: int
    small_talk: int
    up: int
    down: int


@dataclass(frozen=True)
class UnansweredQuestion:
    """A question (all its wordings that fold to one key) declined, answered only with the
    closest quotes (not sure), or answered and voted 👎."""

    question: str       # the commonest wording
    lang: str           # that wording's language
    times: int
    people: int         # distinct askers
    last_asked: str     # ISO time, UTC
    why: str            # the commonest reason: a decline reason, NOT_SURE or DOWNVOTED
    downvoted: bool     # whether some of its answers were voted 👎


@dataclass(frozen=True)
class DownvotedAnswer:
    """A quote given for a question (all wordings of it), and the votes on it."""

    question: str
    article_id: str
    article_title: str
    excerpt: str
    down: int
    up: int


@dataclass(frozen=True)
class FeedbackReport:
    database: str
    since: datetime
    until: datetime
    days: list[DayCounts]
    unanswered: list[UnansweredQuestion]
    downvoted: list[DownvotedAnswer]

    def to_dict(self) -> dict[str, Any]:
        """The report as `--json` prints it (times in ISO 8601, UTC)."""
        return {
            "database": self.database,
            "since": _iso(self.since),
            "until": _iso(self.until),
            "days": [asdict(row) for row in self.days],
            "unanswered": [asdict(row) for row in self.unanswered],
            "downvoted_answers": [asdict(row) for row in self.downvoted],
        }


def build_report(connection: "FeedbackConnection", database: str, since: datetime, until: datetime) -> FeedbackReport:
    """The report on questions asked from `since` to `until` (timezone-aware)."""
    start, end = int(since.timestamp()), int(until.timestamp())
    return FeedbackReport(
        database=database,
        since=since,
        until=until,
        days=_days(connection, start, end),
        unanswered=_unanswered(connection, start, end),
        downvoted=_downvoted(connection, start, end),
    )


def _count(outcome: str) -> str:
    return f"SUM(CASE WHEN q.outcome = '{outcome}' THEN 1 ELSE 0 END)"


def _days(connection: "FeedbackConnection", start: int, end: int) -> list[DayCounts]:
    # Days are counted since 1970-01-01 (UTC), by integer division in either database.
    rows = connection.execute(
        f"""SELECT q.asked_at / {DAY_SECONDS}, q.platform, COUNT(*),
                   {_count('answered')}, {_count('uncertain')}, {_count('declined')}, {_count('small_talk')},
                   COALESCE(SUM(v.up), 0), COALESCE(SUM(v.down), 0)
            FROM questions q LEFT JOIN ({_VOTE_TOTALS}) v ON v.answer_id = q.id
            WHERE q.asked_at >= ? AND q.asked_at <= ?
            GROUP BY 1, 2 ORDER BY 1, 2""",
        (start, end),
    )
    # int(): PostgreSQL sums its sums as decimals.
    return [DayCounts(_day(number), platform, *map(int, counts)) for number, platform, *counts in rows]


def _day(number: int) -> str:
    """2026-11-01 for the `number`th day since 1970-01-01."""
    return datetime.fromtimestamp(number * DAY_SECONDS, timezone.utc).strftime("%Y-%m-%d")


def _unanswered(connection: "FeedbackConnection", start: int, end: int) -> list[UnansweredQuestion]:
    rows = connection.execute(
        f"""SELECT q.asked_at, q.lang, q.question, q.outcome, q.decline_reason, q.asker, COALESCE(v.down, 0)
            FROM questions q LEFT JOIN ({_VOTE_TOTALS}) v ON v.answer_id = q.id
            WHERE q.asked_at >= ? AND q.asked_at <= ?
              AND (q.outcome IN ('declined', 'uncertain') OR (q.outcome = 'answered' AND v.down > 0))
            ORDER BY q.asked_at""",
        (start, end),
    )
    groups: dict[str, list[tuple]] = {}
    for row in rows:
        groups.setdefault(question_key(row[2]), []).append(row)
    found = []
    for members in groups.values():
        # The commonest wording (the latest of equally common ones), and when it was last asked.
        wordings = Counter(member[2] for member in members)
        question = max(reversed(members), key=lambda member: wordings[member[2]])[2]
        lang = next(member[1] for member in reversed(members) if member[2] == question)
        asked_at = members[-1][0]
        reasons = Counter(_why(outcome, reason) for _, _, _, outcome, reason, _, _ in members)
        found.append(UnansweredQuestion(
            question=question,
            lang=lang,
            times=len(members),
            people=len({member[5] for member in members}),
            last_asked=_iso(datetime.fromtimestamp(asked_at, timezone.utc)),
            why=reasons.most_common(1)[0][0],
            downvoted=any(member[6] > 0 for member in members),
        ))
    found.sort(key=lambda item: item.last_asked, reverse=True)  # ties: the latest first
    found.sort(key=lambda item: (-item.times, -item.people))
    return found


def _downvoted(connection: "FeedbackConnection", start: int, end: int) -> list[DownvotedAnswer]:
    rows = connection.execute(
        f"""SELECT q.question, q.article_id, q.article_title, q.excerpt, v.down, v.up
            FROM questions q JOIN ({_VOTE_TOTALS}) v ON v.answer_id = q.id
            WHERE q.asked_at >= ? AND q.asked_at <= ? AND v.down > 0 AND q.outcome IN ('answered', 'uncertain')
            ORDER BY q.asked_at""",
        (start, end),
    )
    totals: dict[tuple[str, str, str], list] = {}
    for question, article_id, title, excerpt, down, up in rows:
        key = (question_key(question), article_id or "", excerpt or "")
        if key in totals:
            totals[key][0] = question  # the latest wording
            totals[key][4] += down
            totals[key][5] += up
        else:
            totals[key] = [question, article_id or "", title or "", excerpt or "", down, up]
    answers = [DownvotedAnswer(*values) for values in totals.values()]
    return sorted(answers, key=lambda item: (-item.down, item.up))


def _why(outcome: str, reason: str | None) -> str:
    """Why a question is among the unanswered: its decline reason, not sure, or voted 👎."""
    if outcome == "answered":
        return DOWNVOTED
    return NOT_SURE if outcome == "uncertain" else reason or "declined"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
