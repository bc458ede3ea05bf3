"""The feedback report as a person reads it in a terminal: Markdown tables, columns aligned
even around Chinese text and emoji (two columns wide each)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.feedback.report import FeedbackReport
from bot.cli.terminal_layout import CONTROL_CHARACTERS, ELLIPSIS, display_width, fit

# Rows per table; `--json` lists them all.
TOP_ROWS = 20
# Display columns a cell may take before it is cut with "…".
QUESTION_WIDTH = 60
REASON_WIDTH = 52
ARTICLE_WIDTH = 32
QUOTE_WIDTH = 48


def render_report(report: FeedbackReport, period: str) -> str:
    """The three tables under a heading naming the database and the period (`period`: how it
    was asked for, e.g. "last 7d")."""
    since, until = (moment.strftime("%Y-%m-%d %H:%M") for moment in (report.since, report.until))
    parts = [f"# Feedback in {report.database}, {since} to {until} UTC ({period})"]
    parts += ["", "## Questions per day (UTC) and platform", _days_table(report)]
    parts += ["", "## Unanswered questions, most frequent first (declined, not sure, or answered and voted 👎)",
              _unanswered_table(report)]
    parts += ["", "## Answers with the most 👎", _downvoted_table(report)]
    return "\n".join(parts)


def _days_table(report: FeedbackReport) -> str:
    if not report.days:
        return "No questions in this period."
    rows = [[d.day, d.platform, d.asked, d.answered, d.uncertain, d.declined, d.small_talk, d.up, d.down]
            for d in report.days]
    totals = [sum(row[column] for row in rows) for column in range(2, 9)]
    rows.append(["all", "", *totals])
    return table(["day", "platform", "asked", "answered", "not sure", "declined", "small talk", "👍", "👎"], rows)


def _unanswered_table(report: FeedbackReport) -> str:
    if not report.unanswered:
        return "None in this period."
    rows = [[item.times, item.people, item.last_asked[:16].replace("T", " "), item.lang,
             cut(item.why, REASON_WIDTH), cut(item.question, QUESTION_WIDTH)]
            for item in report.unanswered[:TOP_ROWS]]
    return table(["times", "people", "last asked", "lang", "why", "question"], rows) + _more(len(report.unanswered))


def _downvoted_table(report: FeedbackReport) -> str:
    if not report.downvoted:
        return "None in this period."
    rows = [[item.down, item.up, cut(item.question, QUESTION_WIDTH),
             cut(f"{item.article_id} {item.article_title}".strip(), ARTICLE_WIDTH), cut(item.excerpt, QUOTE_WIDTH)]
            for item in report.downvoted[:TOP_ROWS]]
    return table(["👎", "👍", "question", "quoted article", "quote"], rows) + _more(len(report.downvoted))


def _more(count: int) -> str:
    return f"\n… and {count - TOP_ROWS} more (--json lists them all)" if count > TOP_ROWS else ""


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, padded so the columns line up in a terminal; numbers right-aligned."""
    cells = [[_cell(value) for value in row] for row in rows]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(header))]
    widths = [max(display_width(text) for text in [name, *(row[i] for row in cells)]) for i, name in enumerate(header)]

    def line(values: Sequence[str]) -> str:
        padded = [_pad(text, widths[i], numeric[i]) for i, text in enumerate(values)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if numeric[i] else "-" * (w + 2) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in cells)])


def _cell(value: object) -> str:
    # Pipes and line breaks would break the table's structure; control characters (a question
    # is whatever someone typed) would be obeyed by the operator's terminal.
    return " ".join(CONTROL_CHARACTERS.sub(" ", str(value)).split()).replace("|", "¦")


def _pad(text: str, size: int, right: bool) -> str:
    room = " " * (size - display_width(text))
    return room + text if right else text + room


def cut(text: str, size: int) -> str:
    """`text` folded to one line and cut to at most `size` display columns, ending in "…"."""
    folded = " ".join(text.split())
    shown = fit(folded, size)
    return shown if shown == folded else shown.removesuffix(ELLIPSIS).rstrip() + ELLIPSIS
