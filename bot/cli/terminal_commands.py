"""The terminal commands: `python -m bot ask|embed|sources|eval|config|feedback`."""

from __future__ import annotations

import argparse
import os
import sys

from bot.cli.engine_setup import load_engine, load_engine_and_mode


NO_QUESTION = ('error: give a question, e.g. python -m bot ask "What is Sora 2?" '
               "(or --json to read questions from standard input, one a line)")


def ask(args: argparse.Namespace) -> int:
    """Answer one question (or, with --json and no question, one per line of standard input)."""
    import json

    from bot.cli.terminal import answer_json_lines, clean_question, render_answer

    question = None if args.question is None else clean_question(args.question)
    if (question is None and not args.json) or (question is not None and not question.strip()):
        # No question and an empty one are the same mistake: one message for both.
        print(NO_QUESTION, file=sys.stderr)
        return 2
    engine = load_engine(args.corpus)
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

    from bot.cli.terminal_layout import detect_style

    is_tty = sys.stdout.isatty()
    columns = shutil.get_terminal_size().columns if is_tty else 0
    return detect_style(is_tty, columns, dict(os.environ))


def embed(args: argparse.Namespace) -> int:
    """Compute the vectors of the sentences of a corpus and keep them in the corpus
    directory, so that whoever uses it starts without computing them."""
    from retrieval.cache.index_cache import shipped_vectors_path

    engine, mode = load_engine_and_mode(args.corpus, quiet=True, unlimited=True)
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
    from bot.cli.terminal import render_sources

    print(render_sources(load_engine(args.corpus).articles, _stdout_style()))
    return 0


def evaluate(args: argparse.Namespace) -> int:
    """Score the engine on a question file and print the table."""
    from bot.cli.eval_report import print_report
    from retrieval.evaluation import evaluate as run, load_questions

    try:
        questions = load_questions(args.file)
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 2
    engine, mode = load_engine_and_mode(args.corpus, quiet=True)
    report = run(engine, questions, top_k=args.top_k)
    print_report(report, args.file, mode, show_misses=args.misses)
    return 0


def config(args: argparse.Namespace) -> int:
    """Print the effective settings and where each came from, secrets masked."""
    from bot.cli.config_report import render_settings, setting_sources
    from bot.runtime.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from retrieval.semantic.embedder import load_embedder

    answers = load_embedder(settings.semantic).description
    print(render_settings(settings, setting_sources(), answers + _background_embedding_note(settings)))
    return 0


def _background_embedding_note(settings) -> str:
    """What a bot embedding these articles in the background last said of its progress, or ""."""
    import time

    from retrieval.semantic.background_embedding import read_progress_file
    from retrieval.cache.index_cache import embedding_progress_path

    progress = read_progress_file(embedding_progress_path(settings.index_cache_dir, settings.corpus_dir))
    if progress is None:
        return ""
    return f"; vectors: {progress.describe()} (a bot said so {time.time() - progress.updated:.0f} s ago)"


def feedback(args: argparse.Namespace) -> int:
    """Report the questions asked, the unanswered ones and the answers voted down."""
    from bot.cli.feedback_command import feedback_report

    return feedback_report(args.since, args.json, args.export)
