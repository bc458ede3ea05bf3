"""A question naming a section is answered from the passage that opens it: where a book or a
docs folder says what the thing is, though later passages repeat its words more often."""

from __future__ import annotations

from retrieval import Engine
from retrieval.answering.definitions import defined_subject, defines
from retrieval.documents.passages import Passage
from retrieval.answering.section_evidence import SectionEvidence
from retrieval.text.tokenizer import tokenize

CHAPTER = """\
# Patterns and Matching

## Matching Named Variables

Named variables are irrefutable patterns that match any value. A match expression starts a new
scope, so variables declared as part of a pattern inside it shadow those with the same name
outside, as is the case with all variables; a match guard can compare against the outer ones.

## Adding Conditionals with Match Guards

A match guard is an additional if condition, specified after the pattern in a match arm, that
must also match for that arm to be chosen. Guards are useful for expressing more complex ideas
than a pattern alone allows.

You can also use the or operator in a match guard to specify multiple patterns; the match guard
condition will apply to all the patterns. The match guard here checks y, and the match guard is
evaluated after the whole pattern, so this match guard behaves as if written around every part.
"""


def test_what_a_thing_is_is_answered_from_the_start_of_its_section(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "ch19-03-pattern-syntax.md").write_text(CHAPTER, encoding="utf-8")
    engine = Engine.from_directory(tmp_path / "book", tmp_path / "cache")

    answer = engine.answer("What is a match guard?")

    assert answer.answered
    assert "an additional if condition" in answer.hits[0].excerpt
    assert answer.hits[0].section == "Patterns and Matching › Adding Conditionals with Match Guards"


def test_articles_with_only_a_title_get_no_section_evidence():
    # Two one-title articles (SQuAD-style): the first passage of each names nothing new.
    passages = [Passage(0, 0, 10, section="Match Guards"), Passage(0, 11, 20, section="Match Guards"),
                Passage(1, 0, 10, section="Guards › Match Guards")]
    sections = SectionEvidence(passages)
    weights = {"match": 2.0, "guard": 2.0}

    assert sections.factor(0, weights, 4.0) == 1.0
    assert sections.factor(1, weights, 4.0) == 1.0
    assert sections.factor(2, weights, 4.0) > 1.0
    assert sections.factor(2, {"match": 2.0, "pattern": 2.0}, 4.0) < sections.factor(2, weights, 4.0)


GLOSSARY = """\
# Installing the Toolchain

## Getting Started

Once the toolchain is installed via rustup, updating rustup to a newly released version is easy:
run rustup update from your shell, and rustup fetches the newest stable release for you.

## Choosing a Mirror

We’ll download the toolchain through rustup, a command line tool for managing versions and
their associated tools, which needs a connection to the internet for the download itself.
"""


def test_a_definitional_question_is_answered_by_the_quote_that_defines_its_subject(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "install.md").write_text(GLOSSARY, encoding="utf-8")
    engine = Engine.from_directory(tmp_path / "docs", tmp_path / "cache")

    answer = engine.answer("What is rustup?")

    assert "a command line tool for managing versions" in answer.hits[0].excerpt


def test_what_counts_as_a_definitional_question_and_a_definition():
    assert defined_subject("What is a match guard?") == ("match", "guard")
    assert defined_subject("What's rustup") == ("rustup",)
    assert defined_subject("What does mpsc stand for?") == ("mpsc",)
    assert defined_subject("How do I install it?") == ()
    assert defined_subject("What is the rule that stops you implementing external traits on external types?") == ()

    def says(text: str, question: str) -> bool:
        subject = defined_subject(question)
        return defines(text, 0, len(text), [t for t in tokenize(text) if t.term in subject], subject)

    assert says("A *match guard* is an additional if condition.", "What is a match guard?")
    assert says("Download it through rustup, a command line tool.", "What is rustup?")
    assert not says("Use the or operator so this match guard is evaluated last.", "What is a match guard?")
    assert not says("Once installed via rustup, updating is easy.", "What is rustup?")
    assert says("Rust’s closures are anonymous functions you can save in a variable.", "What are closures?")
    assert defined_subject("What is meta-data in a Markdown document?") == ("meta", "data")
    assert says("Meta-data consists of a series of keywords and values.", "What is meta-data in a Markdown document?")


def test_a_definition_far_below_the_passages_repeating_its_subject_is_found(tmp_path):
    uses = "\n\n".join(f"## Publishing Step {i}\n\nWhen the crate is ready, publish the crate {i} times; each crate "
                       f"version of the crate stays on the registry, and the crate's page lists crate owners."
                       for i in range(30))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "publishing.md").write_text(f"# Publishing Crates\n\n{uses}\n", encoding="utf-8")
    (tmp_path / "docs" / "crates.md").write_text(
        "# Packages and Crates\n\nThe first parts of the module system we’ll cover are packages and modules.\n"
        "A *crate* is the smallest amount of code that the Rust compiler considers at a time.\n", encoding="utf-8")
    engine = Engine.from_directory(tmp_path / "docs", tmp_path / "cache")

    answer = engine.answer("What is a crate?")

    assert "smallest amount of code that the Rust compiler considers" in answer.hits[0].excerpt


def test_what_an_article_is_titled_is_answered_by_its_lead(tmp_path):
    commands = "\n\n".join(f"- {what} a tmux session:\n\n`tmux {flag} tmux-{what.lower()}`" for what, flag in
                            (("Start", "new -s"), ("Attach", "attach -t"), ("Detach", "detach -s"), ("Kill", "kill-session -t"),
                             ("Rename", "rename -t"), ("Lock", "lock -t")))
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "tmux.md").write_text(
        "# tmux\n\n> Terminal multiplexer.\n> It keeps several shells open in windows and panes of one terminal, which\n"
        f"> go on running when you leave.\n> More information: <https://example.org/tmux>.\n\n{commands}\n", encoding="utf-8")
    (tmp_path / "pages" / "screen.md").write_text(
        "# screen\n\n> Hold a shell open on a remote server.\n\n- Start a new screen session:\n\n`screen`\n",
        encoding="utf-8")
    engine = Engine.from_directory(tmp_path / "pages", tmp_path / "cache")

    answer = engine.answer("What is tmux?")

    assert answer.hits[0].excerpt.startswith("Terminal multiplexer.")
