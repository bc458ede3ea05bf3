"""A question asking how to do something, and the quotes that show how.

"How do I run the tests one at a time?" is answered where a document shows the command or the
code ("… you can send the --test-threads flag …: / $ cargo test -- --test-threads=1"), not where
its section opens: a section's first passage says what a thing is and why it matters (the lead
that retrieval/answering/section_evidence.py prefers), while the how comes further down, with the code.
So for such a question the lead counts nothing more, and a quote of prose and the code it leads
to counts HOW_TO_CODE_FACTOR times (a quote of code alone is as often a program's output,
"test result: ok. 1 passed; 0 ignored", as the command). Prose-only collections (SQuAD, news) hold no code blocks and, without
sections, no leads: the cue leaves them as they are.
"""

from __future__ import annotations

import re

# How much more a quote showing code counts for a how-to question (1.5 and 2 did the same on the
# Rust book, MkDocs' docs and tldr pages, 1.25 less: benchmarks/README.md).
HOW_TO_CODE_FACTOR = 1.5
# "How do I …", "How can you …", "How should we …", "How to …", "What command …", "Which commands …".
_HOW_TO = re.compile(
    r"^\s*(?:how\s+(?:do|can|could|should|would)\s+(?:i|you|we|one)\b|how\s+to\b|(?:what|which)\s+commands?\b)",
    re.IGNORECASE,
)


def shows_how(excerpt_start: int, holds_code: bool, code_spans: list[tuple[int, int]]) -> bool:
    """True for an excerpt (starting at `excerpt_start`) that opens with prose and holds code."""
    return holds_code and not any(start <= excerpt_start < end for start, end in code_spans)


def asks_how_to(question: str) -> bool:
    """True when `question` asks how to do something (or which command does it)."""
    return _HOW_TO.match(question) is not None
