"""The engine for the commands, from the environment, and how a command says how it answers
or why it cannot start."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from bot.runtime.paths import BUNDLED_CORPUS


def load_engine(corpus: str | None, quiet: bool = False):
    """The engine for the terminal commands (see `load_engine_and_mode`)."""
    return load_engine_and_mode(corpus, quiet)[0]


def load_engine_and_mode(corpus: str | None, quiet: bool = False, unlimited: bool = False):
    """The engine for the terminal commands, and how it answers (with the model, or lexically
    and why). They read CORPUS_DIR, INDEX_CACHE_DIR, SEMANTIC, EMBED_BUDGET_SECONDS,
    DECLINE_MIN_COVERAGE and SOURCE_URL_TEMPLATE straight from the environment rather than
    through Settings: pydantic-settings alone costs half of the 0.4 s start-up an English
    question may take. Unless `quiet`, answering lexically is said once on standard error.
    `unlimited` computes the vectors however long it takes."""
    from bot.cli.terminal import progress_bar, progress_lines
    from retrieval import CorpusError, Engine
    from retrieval.answering.decline import MIN_COVERAGE
    from retrieval.semantic.embedder import load_embedder
    from retrieval.engine import DEFAULT_EMBED_BUDGET_SECONDS

    budget = None if unlimited else _number_from_environment("EMBED_BUDGET_SECONDS", DEFAULT_EMBED_BUDGET_SECONDS, 0, 86400)
    min_coverage = _number_from_environment("DECLINE_MIN_COVERAGE", MIN_COVERAGE, 0, 1)
    directory = corpus or os.environ.get("CORPUS_DIR") or BUNDLED_CORPUS
    wanted = semantic_wanted(os.environ.get("SEMANTIC"))
    choice = load_embedder(wanted)
    if choice.embedder is None and not quiet and wanted:
        print(f"note: {choice.description}", file=sys.stderr)
    # A bar on a terminal; elsewhere (a log, a pipe) a line every few seconds.
    progress = (progress_bar if sys.stderr.isatty() else progress_lines)(sys.stderr, "Embedding the articles")
    try:
        engine = Engine.from_directory(directory, os.environ.get("INDEX_CACHE_DIR") or None, min_coverage,
                                       embedder=choice.embedder, progress=progress, embed_budget_seconds=budget,
                                       url_template=os.environ.get("SOURCE_URL_TEMPLATE", "").strip() or None)
    except CorpusError as error:
        _stop(str(error))
    except OSError as error:  # e.g. an index cache directory this user may not write
        _stop(describe_os_error(error))
    if choice.embedder is not None and engine.semantic is None and not quiet:
        print(f"note: {engine.semantic_status}", file=sys.stderr)
    return engine, how_it_answers(choice, engine)


def _stop(message: str) -> NoReturn:
    """End a terminal command on a set-up error: `error: message` and exit status 2."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def _number_from_environment(name: str, default: float, low: float, high: float) -> float:
    """A number setting read from the environment (empty: `default`); a bad one stops the
    command with a message naming the variable and what it accepts."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:  # (NaN is in no range)
        _stop(f"{name}={text!r}: expected a number from {low:g} to {high:g}")
    return value


def how_it_answers(choice, engine) -> str:
    """With the model, or lexically and why: the model is off or missing (`choice`), or the
    articles' vectors would take too long to compute (`engine`)."""
    return choice.description if choice.embedder is None else engine.semantic_status


def semantic_wanted(value: str | None) -> bool:
    """SEMANTIC's value as the terminal commands read it: on unless it says off."""
    return (value or "on").strip().lower() not in ("off", "false", "0", "no")


def describe_os_error(error: OSError) -> str:
    """One line for a file the bot could not read or write at start-up, naming it."""
    where = f" {error.filename}" if error.filename else ""
    return f"cannot use{where}: {error.strerror or error}"
