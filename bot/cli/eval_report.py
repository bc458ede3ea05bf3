"""Printing an evaluation report as a table."""

from __future__ import annotations

from retrieval.evaluation import Report, Tally

# "declined": answerable questions declined outright; "not_sure": answerable ones answered but
# not sure; "declined_or_not_sure": unanswerable ones not answered confidently.
COLUMNS = ("answerable", "answer@1", "answer@3", "mrr", "declined", "not_sure", "unanswerable", "declined_or_not_sure")


def print_report(report: Report, source: str, engine_mode: str, show_misses: bool = False) -> None:
    """The per-group rows, then the overall row, under a heading naming the questions and how
    the engine answered them (`engine_mode`: with the model, or lexically and why)."""
    print(f"# {source}")
    print(f"# answers: {engine_mode}")
    print("| group | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for name in sorted(report.groups):
        print(_row(name, report.groups[name]))
    print(_row("all", report.overall))
    if report.overall.not_verbatim:
        print(f"warning: {report.overall.not_verbatim} excerpts were not verbatim quotes")
    if show_misses:
        for miss in report.misses:
            print(f"- {miss['id']}: {miss['question']} | want {miss['answers']} | got {miss['got']!r}")


def _row(name: str, tally: Tally) -> str:
    values = tally.row()
    cells = []
    for column in COLUMNS:
        value = values[column]
        cells.append("-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value))
    return f"| {name} | " + " | ".join(cells) + " |"
