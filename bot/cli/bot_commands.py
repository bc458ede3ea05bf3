"""`python -m bot telegram|discord`: the settings read once, the engine loaded once, both handed
to the platform's adapter; a configuration error said in one line."""

from __future__ import annotations

import argparse
import os
import sys

from bot.cli.engine_setup import describe_os_error, how_it_answers


def discord(args: argparse.Namespace) -> int:
    """Run the Discord bot until interrupted (settings from the environment and .env)."""
    return _run_bot("discord")


def telegram(args: argparse.Namespace) -> int:
    """Run the Telegram bot until interrupted (settings from the environment and .env)."""
    return _run_bot("telegram")


def _run_bot(platform: str) -> int:
    """Read the settings, load the engine once, and hand both to the platform's adapter. A
    start-up or configuration failure is one line on standard error and exit status 2 (after
    waiting for a stop signal when ON_CONFIG_ERROR=wait: see `wait_after_config_error`)."""
    import logging
    from importlib import import_module

    from bot.feedback.schema import FeedbackSchemaError
    from bot.runtime.health import check_health_port
    from bot.runtime.logs import configure_logging, log_progress
    from bot.runtime.settings import SettingsError, health_port_for, load_settings, require_token
    from retrieval import CorpusError, Engine
    from retrieval.semantic.embedder import load_embedder

    adapter = import_module(f"bot.{platform}_bot.app")
    try:
        settings = load_settings()
        settings = settings.model_copy(update={"health_port": health_port_for(settings, platform)})
        require_token(settings, f"{platform}_bot_token")
        check_health_port(settings.health_port)  # before the index loads and the bot connects
        configure_logging(settings)
        choice = load_embedder(settings.semantic)
        engine = Engine.from_directory(settings.corpus_dir, settings.index_cache_dir, settings.decline_min_coverage,
                                       embedder=choice.embedder, progress=log_progress("embedding the articles"),
                                       embed_budget_seconds=settings.embed_budget_seconds, background_embedding=True,
                                       url_template=settings.source_url_template)
    except (SettingsError, CorpusError, FeedbackSchemaError) as error:
        return _config_error(str(error))
    except OSError as error:  # e.g. an index cache directory the bot may not write
        return _config_error(describe_os_error(error))
    # Said once: how questions will be answered, and why lexically when the model is wanted.
    lexical_by_choice = not settings.semantic
    logging.getLogger("bot").log(
        logging.INFO if engine.semantic is not None or lexical_by_choice else logging.WARNING,
        "answers: %s", how_it_answers(choice, engine),
    )
    try:
        engine.warm_up()
        # Retrieval runs in a worker thread: hand the GIL back to the event loop every 1 ms
        # (default 5 ms), so a burst of questions does not stall the bot's loop.
        sys.setswitchinterval(0.001)
        adapter.run(settings, engine)
    except (SettingsError, FeedbackSchemaError) as error:
        return _config_error(str(error))
    except ConnectionError as error:  # unreachable at start-up: exit, so a restart policy retries
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


# ON_CONFIG_ERROR: what a bot does after saying what is wrong with its configuration.
CONFIG_ERROR_ACTIONS = ("exit", "wait")


def _config_error(message: str) -> int:
    """Say what is wrong in one line (`error: ...`); exit status 2, at once or, with
    ON_CONFIG_ERROR=wait, once a stop signal comes."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    action = os.environ.get("ON_CONFIG_ERROR", "").strip().lower() or "exit"
    if action not in CONFIG_ERROR_ACTIONS:
        print(f"error: ON_CONFIG_ERROR={action!r}: expected exit or wait", file=sys.stderr)
    elif action == "wait":
        wait_after_config_error()
    return 2


def wait_after_config_error() -> None:
    """Block until SIGTERM or SIGINT. Under a restart policy (docker compose's unless-stopped)
    an exit would bring the same error back every few seconds: waiting leaves one message in
    the log and a container that stays unhealthy until its configuration is fixed."""
    import signal
    import threading

    stopped = threading.Event()
    # Handlers, not the default action: as PID 1 in a container SIGTERM has none, and a library
    # thread must not be the one that takes the signal and ends the process.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    print("waiting: fix the configuration, then restart the bot (docker compose up -d); stopping it exits",
          file=sys.stderr, flush=True)
    stopped.wait()
