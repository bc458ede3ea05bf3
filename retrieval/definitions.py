"""A definitional question and the quotes that define its subject.

"What is a string slice?" is best answered by the sentence "A string slice is a reference to…",
or by an apposition ("…through rustup, a command line tool for…"), not by a passage that merely
says "string slice" more often. In: the question (its subject's terms, `defined_subject`), and
an excerpt with the tokens of the question's terms it holds; out: whether the excerpt states
what the subject is (`defines`), which the engine weighs by DEFINITION_FACTOR.
"""

from __future__ import annotations

import re

from retrieval.tokenizer import Token, terms

# How much more a quote that defines the subject of a definitional question counts (measured:
# benchmarks/README.md, "questions/mkdocs_docs.jsonl").
DEFINITION_FACTOR = 2.0
# "What is X?", "What are Xs?", "What's X?", "Who is X?", "What does X mean?", "Define X".
_QUESTION = re.compile(
    r"^\s*(?:(?:what|who)(?:\s+(?:is|are|was|were)|'s|’s)\s+(?P<a>.+?)"
    r"|what\s+(?:does|do)\s+(?P<b>.+?)\s+(?:mean|stand\s+for)|define\s+(?P<c>.+?))\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# A subject of more words than this is a sentence, not a name.
MAX_SUBJECT_TERMS = 4
# Between the words of the subject: spaces, hyphens, inline markup, possessive marks.
_JOINER = re.compile(r"[\s\-_*`'’]*")
# Before the subject, from the start of its sentence: nothing, or "a"/"an" ("The X is…" is
# more often a statement about a thing already introduced than what it is).
_OPENING = re.compile(r"(?:^|[.!?:;]\s+|\n)[\s*_`(\"“]*(?:(?:a|an)\s+)?[*_`“\"]*$", re.IGNORECASE)
# After it: a copula, or an apposition ("X, a …").
_STATEMENT = re.compile(r"^[*_`”\"’')]*(?:\s+(?:\([^)]{0,60}\)\s+)?(?:is|are|refers\s+to|means|stands\s+for)\b|,\s+(?:a|an)\s)",
                        re.IGNORECASE)
_APPOSITION = re.compile(r"^[*_`”\"’')]*,\s+(?:a|an)\s", re.IGNORECASE)


def defined_subject(question: str) -> tuple[str, ...]:
    """The terms of what a definitional question asks about, in order (empty when it is not
    one, or its subject holds no terms or more than MAX_SUBJECT_TERMS)."""
    found = _QUESTION.match(question)
    if not found:
        return ()
    subject = tuple(terms(found.group("a") or found.group("b") or found.group("c")))
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
