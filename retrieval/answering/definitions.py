"""A definitional question and the quotes that define its subject.

"What is a string slice?" is best answered by the sentence "A string slice is a reference to…",
or by an apposition ("…through rustup, a command line tool for…"), not by a passage that merely
says "string slice" more often. In: the question (its subject's terms, `defined_subject`), and
an excerpt with the tokens of the question's terms it holds; out: whether the excerpt states
what the subject is (`defines`), which the engine weighs by DEFINITION_FACTOR. Such a passage
may rank far down in BM25 (it names a common subject once, where others repeat it), so
`defining_candidates` reads BM25's best DEFINITION_DEPTH passages for one.
"""

from __future__ import annotations

import re

from collections.abc import Callable
from functools import lru_cache

from retrieval.answering.candidates import Candidate
from retrieval.text.tokenizer import Token, terms

# How much more a quote that defines the subject of a definitional question counts (measured:
# benchmarks/README.md, "questions/mkdocs_docs.jsonl").
DEFINITION_FACTOR = 2.0
# "What is X?", "What are Xs?", "What's X?", "Who is X?", "What does X mean?", "Define X".
_QUESTION = re.compile(
    r"^\s*(?:(?:what|who)(?:\s+(?:is|are|was|were)|'s|’s)\s+(?P<a>.+?)"
    r"|what\s+(?:does|do)\s+(?P<b>.+?)\s+(?:mean|stand\s+for)|define\s+(?P<c>.+?))\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# Of BM25's best this many passages are read for a definition of the subject: a passage that
# defines a common word ("crate") holds it once or twice, and ranks far below those repeating it.
DEFINITION_DEPTH = 200
# At most this many passages that define the subject join the candidates.
MAX_DEFINING = 3
# A subject of more words than this is a sentence, not a name.
MAX_SUBJECT_TERMS = 4
# Where the subject's name ends and what narrows it begins: "meta-data | in a Markdown document".
_NARROWING = re.compile(r"\s+(?:in|of|for|on|within|inside|from|under)\s+", re.IGNORECASE)
# Between the words of the subject: spaces, hyphens, inline markup, possessive marks.
_JOINER = re.compile(r"[\s\-_*`'’]*")
# Before the subject, from the start of its sentence: nothing, "a"/"an", or whose it is ("Rust’s
# closures are…"); "The X is…" is more often a statement about a thing already introduced than
# what it is.
_OPENING = re.compile(r"(?:^|[.!?:;]\s+|\n)[\s*_`(\"“]*(?:(?:a|an)\s+|\w[\w.-]*(?:'s|’s|'|’)\s+)?[*_`“\"]*$",
                      re.IGNORECASE)
# After it: a copula, or an apposition ("X, a …").
_STATEMENT = re.compile(
    r"^[*_`”\"’')]*(?:\s+(?:\([^)]{0,60}\)\s+)?(?:is|are|refers\s+to|means|stands\s+for|consists\s+of)\b|,\s+(?:a|an)\s)",
    re.IGNORECASE)
_APPOSITION = re.compile(r"^[*_`”\"’')]*,\s+(?:a|an)\s", re.IGNORECASE)


def defined_subject(question: str) -> tuple[str, ...]:
    """The terms of what a definitional question asks about, in order, up to what narrows it
    ("meta-data" of "meta-data in a Markdown document"); empty when it is not one, or its subject
    holds no terms or more than MAX_SUBJECT_TERMS."""
    found = _QUESTION.match(question)
    if not found:
        return ()
    named = _NARROWING.split(found.group("a") or found.group("b") or found.group("c"), maxsplit=1)[0]
    subject = tuple(terms(named))
    return subject if 0 < len(subject) <= MAX_SUBJECT_TERMS else ()


def defines(text: str, start: int, end: int, matches: list[Token], subject: tuple[str, ...]) -> bool:
    """Whether `text[start:end]` (an excerpt; `matches` are the tokens of the question's terms
    in the article, with spans in `text`) states what `subject` is: the subject's words in
    order, followed by "is"/"are"/"refers to"/"means"/"stands for" at the start of a sentence,
    or by an apposition anywhere."""
    inside = [token for token in matches if start <= token.start and token.end <= end]
    width = len(subject)
    for first in range(len(inside) - width + 1):
        run = inside[first : first + width]
        if tuple(token.term for token in run) != subject:
            continue
        if any(not _JOINER.fullmatch(text[a.end : b.start]) for a, b in zip(run, run[1:])):
            continue
        after = text[run[-1].end : min(end, run[-1].end + 80)]
        if _APPOSITION.match(after):
            return True
        if _STATEMENT.match(after) and _OPENING.search(text[start : run[0].start]):
            return True
    return False


def names_title(subject: tuple[str, ...], title: str) -> bool:
    """True when the subject of a definitional question is what an article's `title` names
    ("What is tmux?" of "# tmux", "What is ownership?" of "What Is Ownership?"): the article's
    first passage, its lead, says what its title is."""
    return bool(subject) and set(subject) == set(_title_terms(title))


@lru_cache(maxsize=4096)
def _title_terms(title: str) -> tuple[str, ...]:
    return tuple(terms(title))


def defining_candidates(
    ranked: list[tuple[int, float]],
    present: set[int],
    subject: tuple[str, ...],
    passage_text: Callable[[int], tuple[str, int, int]],
    matching: Callable[[int], list[Token]],
) -> list[Candidate]:
    """Of BM25's `ranked` passages (id, score; the best DEFINITION_DEPTH of them), up to
    MAX_DEFINING that are not `present` and define `subject` somewhere in their text
    (`passage_text(id)`: the article's text and the passage's span; `matching(id)`: its tokens
    of the question's terms), as candidates at their BM25 rank."""
    found: list[Candidate] = []
    for rank, (pid, score) in enumerate(ranked[:DEFINITION_DEPTH]):
        if pid in present:
            continue
        text, start, end = passage_text(pid)
        if defines(text, start, end, matching(pid), subject):
            found.append(Candidate(pid, score, rank, None))
            if len(found) >= MAX_DEFINING:
                break
    return found
