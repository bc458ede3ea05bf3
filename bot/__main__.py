"""Command line: `python -m bot ask|add|sources|eval|telegram|discord|config|feedback`."""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from bot.paths import BUNDLED_CORPUS

NO_QUESTION = ('error: give a question, e.g. python -m bot ask "What is Sora 2?" '
               "(or --json to read questions from standard input, one a line)")


def _engine(corpus: str | None, quiet: bool = False):
    """The engine for the terminal commands (see `_engine_and_mode`)."""
    return _engine_and_mode(corpus, quiet)[0]


def _engine_and_mode(corpus: str | None, quiet: bool = False, unlimited: bool = False):
    """The engine for the terminal commands, and how it answers (with the model, or lexically
    and why). They read CORPUS_DIR, INDEX_CACHE_DIR, SEMANTIC, EMBED_BUDGET_SECONDS,
    DECLINE_MIN_COVERAGE and SOURCE_URL_TEMPLATE straight from the environment rather than
    through Settings: pydantic-settings alone costs half of the 0.4 s start-up an English
    question may take. Unless `quiet`, answering lexically is said once on standard error.
    `unlimited` computes the vectors however long it takes."""
    from bot.terminal import progress_bar, progress_lines
    from retrieval import CorpusError, Engine
    from retrieval.decline import MIN_COVERAGE
    from retrieval.embedder import load_embedder
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
        _stop(_describe_os_error(error))
    if choice.embedder is not None and engine.semantic is None and not quiet:
        print(f"note: {engine.semantic_status}", file=sys.stderr)
    return engine, _how_it_answers(choice, engine)


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


def _how_it_answers(choice, engine) -> str:
    """With the model, or lexically and why: the model is off or missing (`choice`), or the
    articles' vectors would take too long to compute (`engine`)."""
    return choice.description if choice.embedder is None else engine.semantic_status


def semantic_wanted(value: str | None) -> bool:
    """SEMANTIC's value as the terminal commands read it: on unless it says off."""
    return (value or "on").strip().lower() not in ("off", "false", "0", "no")


def ask(args: argparse.Namespace) -> int:
    """Answer one question (or, with --json and no question, one per line of standard input)."""
    import json

    from bot.terminal import answer_json_lines, clean_question, render_answer

    question = None if args.question is None else clean_question(args.question)
    if (question is None and not args.json) or (question is not None and not question.strip()):
        # No question and an empty one are the same mistake: one message for both.
        print(NO_QUESTION, file=sys.stderr)
        return 2
    engine = _engine(args.corpus)
    if question is None:
        errors = answer_json_lines(engine, sys.stdin.buffer, sys.stdout, args.top_k)
        return 1 if errors else 0
    answer = engine.answer(question, top_k=args.top_k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print(render_answer(answer, _stdout_style()))
    return 0


def _stdout_style():
    """How standard output is drawn, decided once from what it is and the environment (NO_COLOR,
    TERM, FORCE_HYPERLINK, COLUMNS)."""
    import shutil

    from bot.terminal_layout import detect_style

    is_tty = sys.stdout.isatty()
    columns = shutil.get_terminal_size().columns if is_tty else 0
    return detect_style(is_tty, columns, dict(os.environ))


def embed(args: argparse.Namespace) -> int:
    """Compute the vectors of the sentences of a corpus and keep them in the corpus
    directory, so that whoever uses it starts without computing them."""
    from retrieval.index_cache import shipped_vectors_path

    engine, mode = _engine_and_mode(args.corpus, quiet=True, unlimited=True)
    if engine.semantic is None:
        print(f"error: cannot embed: {mode}", file=sys.stderr)
        return 2
    articles = len(engine.corpus.articles)
    path = shipped_vectors_path(engine.corpus.directory, engine.semantic.identity)
    try:
        count = engine.save_vectors(path)
    except OSError as error:  # a read-only directory (a container's mount): the cache keeps them
        print(f"the vectors of {articles} articles are in the index cache; not written beside the "
              f"articles ({error.strerror or error})")
        return 0
    print(f"{count} vectors of {articles} articles written to {path}")
    return 0


def sources(args: argparse.Namespace) -> int:
    """List the articles the answers quote."""
    from bot.terminal import render_sources

    print(render_sources(_engine(args.corpus).articles, _stdout_style()))
    return 0


def evaluate(args: argparse.Namespace) -> int:
    """Score the engine on a question file and print the table."""
    from bot.eval_report import print_report
    from retrieval.evaluation import evaluate as run, load_questions

    try:
        questions = load_questions(args.file)
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 2
    engine, mode = _engine_and_mode(args.corpus, quiet=True)
    report = run(engine, questions, top_k=args.top_k)
    print_report(report, args.file, mode, show_misses=args.misses)
    return 0


def config(args: argparse.Namespace) -> int:
    """Print the effective settings and where each came from, secrets masked."""
    from bot.config_report import render_settings, setting_sources
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from retrieval.embedder import load_embedder

    answers = load_embedder(settings.semantic).description
    print(render_settings(settings, setting_sources(), answers + _background_embedding_note(settings)))
    return 0


def _background_embedding_note(settings) -> str:
    """What a bot embedding these articles in the background last said of its progress, or ""."""
    import time

    from retrieval.background_embedding import read_progress_file
    from retrieval.index_cache import embedding_progress_path

    progress = read_progress_file(embedding_progress_path(settings.index_cache_dir, settings.corpus_dir))
    if progress is None:
        return ""
    return f"; vectors: {progress.describe()} (a bot said so {time.time() - progress.updated:.0f} s ago)"


def feedback(args: argparse.Namespace) -> int:
    """Report the questions asked, the unanswered ones and the answers voted down."""
    from bot.feedback.report_command import feedback_report

    return feedback_report(args.since, args.json, args.export)


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
    from bot.health import check_health_port
    from bot.logs import configure_logging, log_progress
    from bot.settings import SettingsError, health_port_for, load_settings, require_token
    from retrieval import CorpusError, Engine
    from retrieval.embedder import load_embedder

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
        return _config_error(_describe_os_error(error))
    # Said once: how questions will be answered, and why lexically when the model is wanted.
    lexical_by_choice = not settings.semantic
    logging.getLogger("bot").log(
        logging.INFO if engine.semantic is not None or lexical_by_choice else logging.WARNING,
        "answers: %s", _how_it_answers(choice, engine),
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


def _describe_os_error(error: OSError) -> str:
    """One line for a file the bot could not read or write at start-up, naming it."""
    where = f" {error.filename}" if error.filename else ""
    return f"cannot use{where}: {error.strerror or error}"


TOP_K_RANGE = (1, 20)
TOP_K_HELP = f"how many excerpts, {TOP_K_RANGE[0]} to {TOP_K_RANGE[1]} (default 3)"

# Exit status after the reader of standard output went away (`| head -1`): 128 + SIGPIPE, as
# a program the signal had stopped.
CLOSED_PIPE_STATUS = 141
INTERRUPTED_STATUS = 130  # 128 + SIGINT


def top_k(text: str) -> int:
    """--top-k's value: a whole number in TOP_K_RANGE."""
    low, high = TOP_K_RANGE
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Answers questions by quoting the articles.")
    commands = parser.add_subparsers(dest="command", required=True)

    ask_parser = commands.add_parser("ask", help="answer a question in the terminal")
    ask_parser.add_argument("question", nargs="?", help="the question; with --json and none, read questions from standard input")
    ask_parser.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    ask_parser.add_argument("--corpus", help="directory of articles (default: the bundled ones)")
    ask_parser.add_argument("--top-k", type=top_k, default=3, metavar="N", help=TOP_K_HELP)
    ask_parser.set_defaults(run=ask)

    from bot.add_command import FETCH_TIMEOUT_HELP, add, timeout_seconds

    add_parser = commands.add_parser("add", help="add web articles (URL) or web pages and PDFs (FILE) to a collection")
    add_parser.add_argument("sources", nargs="+", metavar="URL|FILE", help="an http(s) address, or an .html, .htm or .pdf file")
    add_parser.add_argument("--corpus", help="the collection's directory (default: CORPUS_DIR)")
    add_parser.add_argument("--timeout", type=timeout_seconds, metavar="SECONDS", help=FETCH_TIMEOUT_HELP)
    add_parser.set_defaults(run=add)

    embed_parser = commands.add_parser("embed", help="compute the articles' vectors and keep them beside the articles")
    embed_parser.add_argument("--corpus", help="directory of articles (default: the bundled ones)")
    embed_parser.set_defaults(run=embed)

    sources_parser = commands.add_parser("sources", help="list the articles the answers quote")
    sources_parser.add_argument("--corpus", help="directory of articles (default: the bundled ones)")
    sources_parser.set_defaults(run=sources)

    eval_parser = commands.add_parser("eval", help="score the answers on a question file")
    eval_parser.add_argument("file", help="a JSONL file of questions with answers")
    eval_parser.add_argument("--corpus", help="directory of articles (default: the bundled ones)")
    eval_parser.add_argument("--top-k", type=top_k, default=3, metavar="N", help=TOP_K_HELP)
    eval_parser.add_argument("--misses", action="store_true", help="also list the questions missed at rank 1")
    eval_parser.set_defaults(run=evaluate)

    config_parser = commands.add_parser("config", help="show the effective settings (secrets masked)")
    config_parser.set_defaults(run=config)

    feedback_parser = commands.add_parser("feedback", help="report questions asked, unanswered and voted 👎")
    feedback_parser.add_argument("--since", default="7d", help="how far back: 24h, 7d, 2w or a day such as 2026-11-01 (default 7d)")
    feedback_parser.add_argument("--json", action="store_true", help="print the report as JSON")
    feedback_parser.add_argument("--export", metavar="FILE.jsonl", help="also write the unanswered questions as evaluation questions")
    feedback_parser.set_defaults(run=feedback)

    discord_parser = commands.add_parser("discord", help="run the Discord bot (needs DISCORD_BOT_TOKEN)")
    discord_parser.set_defaults(run=discord)
    telegram_parser = commands.add_parser("telegram", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    telegram_parser.set_defaults(run=telegram)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m bot` and the `sora-quotes` command."""
    args = build_parser().parse_args(argv)
    try:
        status = args.run(args)
        sys.stdout.flush()  # here, where a closed pipe can still be handled, not at exit
    except BrokenPipeError:
        _discard_standard_output()
        return CLOSED_PIPE_STATUS
    except KeyboardInterrupt:
        if args.command in ("discord", "telegram"):
            raise  # the bots shut down on their own terms
        return INTERRUPTED_STATUS  # Ctrl-C in the terminal commands: stop, without a traceback
    return status


def _discard_standard_output() -> None:
    """Point standard output at /dev/null, so the interpreter's own flush at exit does not fail
    on the closed pipe again (see the note on SIGPIPE in Python's `signal` documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
