"""python-telegram-bot's own log records that repeat, with a long traceback, an error the bot
already reports in one line: filtered out."""

from __future__ import annotations

import logging


class _RepeatedTracebacks(logging.Filter):
    """Drops records whose message starts with one of `prefixes`."""

    def __init__(self, *prefixes: str) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.prefixes)


# A proxy's HTML error page (a 502): PTB logs the body with a traceback, then raises the
# NetworkError that is logged (or retried) anyway.
_UNPARSABLE_RESPONSE = ("telegram.request.BaseRequest", _RepeatedTracebacks("Can not load invalid JSON data"))
# Getting online failed: the entry point says why in one line.
_STARTUP_ABORTED = ("telegram.ext", _RepeatedTracebacks("Network Retry Loop (Bootstrap"))


def skip_repeated_tracebacks() -> None:
    """Install the filters (installing twice changes nothing: a logger's filters are a set)."""
    for name, record_filter in (_UNPARSABLE_RESPONSE, _STARTUP_ABORTED):
        logging.getLogger(name).addFilter(record_filter)
