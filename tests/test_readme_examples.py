"""The README's command examples work on a clone of the project alone: the question files and
article directories they name are in the repository."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from retrieval.evaluation import load_questions

REPO = Path(__file__).resolve().parent.parent


def readme_commands(subcommand: str) -> list[list[str]]:
    """The words of each `python -m bot SUBCOMMAND ...` line in the README's code blocks."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", text, flags=re.S)
    found = []
    for block in blocks:
        for line in block.splitlines():
            words = shlex.split(line.split(" #")[0]) if "python -m bot " + subcommand + " " in line else []
            if words:
                found.append(words[words.index("bot") + 1:])
    return found


def test_the_eval_examples_name_question_files_the_repository_ships():
    commands = readme_commands("eval")
    assert commands, "the README has no eval example"
    for words in commands:
        path = REPO / words[1]
        assert not words[1].startswith("../"), f"outside the repository: {words}"
        assert path.is_file(), words
        assert load_questions(path), words


def test_the_corpus_examples_name_directories_the_repository_ships():
    for subcommand in ("ask", "eval", "sources"):
        for words in readme_commands(subcommand):
            if "--corpus" in words:
                directory = words[words.index("--corpus") + 1]
                assert (REPO / directory).is_dir(), words
