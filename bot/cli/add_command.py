"""`python -m bot add URL|FILE… [--corpus DIR]`: add web articles and PDFs to a collection."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# retrieval.adding.page_fetch.FETCH_TIMEOUT_SECONDS, written out: importing it would load the whole engine
# for every command's --help (a test keeps the two the same).
FETCH_TIMEOUT_HELP = "how long to wait for a server, in seconds (default 20)"


def add(args: argparse.Namespace) -> int:
    """Add each source to the collection, one line each: what was written, or why not. Exit
    status 2 when any source was refused (the others are still added)."""
    from retrieval.adding.article_import import AddError, add_article
    from retrieval.adding.page_fetch import FETCH_TIMEOUT_SECONDS

    directory = args.corpus or os.environ.get("CORPUS_DIR")
    if not directory:
        print("error: say which collection to add to: --corpus DIR (or CORPUS_DIR)", file=sys.stderr)
        return 2
    directory = Path(directory)
    if not directory.is_dir():
        print(f"error: {directory}: no such directory (create it first)", file=sys.stderr)
        return 2
    refused = 0
    for source in args.sources:
        try:
            added = add_article(source, directory, timeout=args.timeout or FETCH_TIMEOUT_SECONDS)
        except AddError as error:
            print(f"error: {source}: {error}", file=sys.stderr)
            refused += 1
            continue
        print(f"added {added.path}: {added.title or '(untitled)'}")
    return 2 if refused else 0


def timeout_seconds(text: str) -> float:
    """--timeout's value: a number of seconds above 0 and at most an hour."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, at most 3600, got {text!r}")
    return value
