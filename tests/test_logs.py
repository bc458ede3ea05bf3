"""The bots' logs, text or JSON lines: the same redaction of secrets in both, tracebacks included."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.runtime.log_redaction import REDACTED, redact_secrets_in_logs
from bot.runtime.logs import log_formatter

TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMg.logs.secret-token-in-an-exception"


@pytest.fixture
def logged():
    """(a logger writing to a fresh stream with the given LOG_FORMAT, that stream); the
    token is redacted from every record meanwhile."""
    undo = redact_secrets_in_logs([TOKEN])
    made = []

    def make(log_format: str) -> tuple[logging.Logger, io.StringIO]:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(log_formatter(log_format))
        logger = logging.getLogger(f"tests.logs.{log_format}.{len(made)}")
        logger.propagate = False
        logger.addHandler(handler)
        made.append((logger, handler))
        return logger, stream

    yield make
    undo()
    for logger, handler in made:
        logger.removeHandler(handler)


def log_a_failure_with_the_token(logger: logging.Logger) -> None:
    try:
        raise RuntimeError(f"401 Unauthorized for https://discord.com/api/v10/users/@me?token={TOKEN}")
    except RuntimeError:
        logger.exception("the request failed")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_token_inside_an_exception_is_redacted_in_both_formats(logged, log_format):
    logger, stream = logged(log_format)
    log_a_failure_with_the_token(logger)
    written = stream.getvalue()
    assert TOKEN not in written
    assert f"token={REDACTED}" in written and "RuntimeError" in written


def test_json_lines_carry_the_same_redacted_traceback_as_the_text(logged):
    text_logger, text_stream = logged("text")
    json_logger, json_stream = logged("json")
    log_a_failure_with_the_token(text_logger)
    log_a_failure_with_the_token(json_logger)
    (line,) = json_stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "the request failed" and entry["level"] == "ERROR"
    # The same failure, the same traceback: the JSON line holds exactly what the text shows.
    assert text_stream.getvalue().rstrip("\n").endswith("\n" + entry["exception"])
    assert f"token={REDACTED}" in entry["exception"]
