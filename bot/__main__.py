"""Command line: `python -m bot ask|add|sources|eval|telegram|discord|config|feedback`.

The commands are bot/cli/'s; this module only reads the command line and dispatches.
"""

from __future__ import annotations

import argparse
import os
import sys

from bot.cli.bot_commands import discord, telegram
from bot.cli.terminal_commands import ask, config, embed, evaluate, feedback, sources


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

    from bot.cli.add_command import FETCH_TIMEOUT_HELP, add, timeout_seconds

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
