"""`python -m bot feedback`: the report on what people asked and what they thought of the answers."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from bot.feedback.database import configured_location, feedback_database
from bot.feedback.export import write_evaluation_questions
from bot.feedback.period import describe_since, parse_since
from bot.feedback.report import build_report
from bot.cli.feedback_table import render_report
from bot.feedback.schema import FeedbackSchemaError, migrate


# Exit status when there is no database to report on (yet): nothing wrong with the command.
NO_DATABASE_STATUS = 1


def feedback_report(since: str, as_json: bool, export: str | None) -> int:
    """Print the report on questions asked since `since` (a table, or JSON); with `export`, also
    write the unanswered questions to that file. Returns the exit status."""
    from bot.runtime.settings import SettingsError, load_settings

    now = datetime.now(timezone.utc)
    try:
        start = parse_since(since, now)
        settings = load_settings()
    except (ValueError, SettingsError) as error:
        print(f"error: {'--since ' if isinstance(error, ValueError) else ''}{error}", file=sys.stderr)
        return 2
    database = feedback_database(configured_location(settings))
    if not database.exists():
        off = " (FEEDBACK is off)" if not settings.feedback else ""
        message = (f"No feedback recorded yet: {database.name} does not exist{off}. A bot creates it when it "
                   "starts with FEEDBACK=on; FEEDBACK_DB_PATH names another file.")
        print(message, file=sys.stderr)
        if as_json:  # a script reading standard output gets JSON whatever happens
            print(json.dumps({"database": database.name, "recorded": False, "error": message}, ensure_ascii=False))
        return NO_DATABASE_STATUS
    try:
        database.open()
        try:
            with database.connection() as connection:
                migrate(connection, database)
                report = build_report(connection, database.name, start, now)
        finally:
            database.close()
    except FeedbackSchemaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except database.errors as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"error: cannot read the feedback database {database.name}: {reason}", file=sys.stderr)
        return 2
    if export:
        try:
            with open(export, "w", encoding="utf-8") as out:
                count = write_evaluation_questions(report.unanswered, out)
        except OSError as error:
            print(f"error: cannot write {export}: {error.strerror or error}", file=sys.stderr)
            return 2
        print(f"{count} unanswered questions written to {Path(export)}", file=sys.stderr)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_report(report, describe_since(since)))
    return 0
