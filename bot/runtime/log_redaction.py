"""Keep secrets out of logs, for both bots: a Telegram token is part of every Bot API URL, and
any token may surface in an exception's text."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

REDACTED = "[redacted]"
# httpx logs every request URL (which holds the token) at INFO.
CHATTY_LOGGERS = ("httpx", "httpcore")


def redact_secrets_in_logs(secrets: Iterable[str | None], patterns: Iterable[re.Pattern[str]] = ()) -> Callable[[], None]:
    """From now on, every log record has these secrets replaced (message, arguments and
    traceback), and so has whatever `patterns` match (short-lived secrets such as interaction
    tokens; a pattern's first group, if any, is kept); quiets the HTTP client's per-request
    logs. Returns a function that undoes it."""
    hidden = [secret for secret in secrets if secret]
    shapes = list(patterns)
    previous_factory = logging.getLogRecordFactory()

    def redacting_factory(*args, **kwargs) -> logging.LogRecord:
        record = previous_factory(*args, **kwargs)
        _redact(record, hidden, shapes)
        return record

    logging.setLogRecordFactory(redacting_factory)
    previous_levels = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS}
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).level))

    def undo() -> None:
        logging.setLogRecordFactory(previous_factory)
        for name, level in previous_levels.items():
            logging.getLogger(name).setLevel(level)

    return undo


def _redact(record: logging.LogRecord, secrets: list[str], patterns: list[re.Pattern[str]] = ()) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to the handler to report
        return
    redacted = _without_secrets(message, secrets, patterns)
    if redacted != message:
        record.msg, record.args = redacted, ()
    if record.exc_info:
        text = logging.Formatter().formatException(record.exc_info)
        redacted = _without_secrets(text, secrets, patterns)
        if redacted != text:
            record.exc_text = redacted
    if record.stack_info:
        record.stack_info = _without_secrets(record.stack_info, secrets, patterns)


def _without_secrets(text: str, secrets: list[str], patterns: list[re.Pattern[str]]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    for pattern in patterns:
        text = pattern.sub(lambda match: (match.group(1) or "" if pattern.groups else "") + REDACTED, text)
    return text
