"""Logging for a bot process: one stderr handler, text or JSON lines, at LOG_LEVEL."""

from __future__ import annotations

import json
import logging

from bot.runtime.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the traceback and stack if
    any, as the text format writes them (bot.runtime.log_redaction leaves its redacted traceback in
    `exc_text`, which both formats print instead of formatting the exception again)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def log_formatter(log_format: str) -> logging.Formatter:
    """The formatter LOG_FORMAT names: "json" (JsonLines) or "text"."""
    return JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(settings: Settings) -> None:
    """Root logging as LOG_LEVEL and LOG_FORMAT say; discord.py's gateway chatter and
    markdown-it's parser trace (a line per block of every article parsed, slowing start-up to a
    crawl) stay at INFO."""
    handler = logging.StreamHandler()
    handler.setFormatter(log_formatter(settings.log_format.value))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    if settings.log_level == "DEBUG":
        for chatty in ("discord.gateway", "markdown_it"):
            logging.getLogger(chatty).setLevel(logging.INFO)


# A long build logs how far it is at most this often.
PROGRESS_LOG_SECONDS = 10.0


def log_progress(task: str):
    """A progress callback (done, total) that logs `task`'s share done every few seconds."""
    import time

    log = logging.getLogger("bot")
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - last[0] >= PROGRESS_LOG_SECONDS:
            last[0] = now
            log.info("%s: %d%%", task, 100 * done // max(total, 1))

    return report
