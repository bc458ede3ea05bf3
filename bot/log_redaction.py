"""Keep secrets out of logs, for both bots: a Telegram token is part of every Bot API URL, and
any token may surface in an exception's text."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

REDACTED = "[redacted]"
# httpx logs every request URL (which holds the token) at INFO.
CHATTY_LOGGERS = ("httpx", "httpcore")


def redact_secrets_in_logs(secrets: Iterable[str | None]) -> Callable[[], None]:
    """From now on, every log record has these secrets replaced (message, arguments and
    traceback); quiets the HTTP client's per-request logs. Returns a function that undoes it."""
    hidden = [secret for secret in secrets if secret]
    previous_factory = logging.getLogRecordFactory()

    def redacting_factory(*args, **kwargs) -> logging.LogRecord:
        record = previous_factory(*args, **kwargs)
        _redact(record, hidden)
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


def _redact(record: logging.LogRecord, secrets: list[str]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to the handler to report
        return
    if any(secret in message for secret in secrets):
        for secret in secrets:
            message = message.replace(secret, REDACTED)
        record.msg, record.args = message, ()
    if record.exc_info:
        text = logging.Formatter().formatException(record.exc_info)
        if any(secret in text for secret in secrets):
            for secret in secrets:
                text = text.replace(secret, REDACTED)
            record.exc_text = text
