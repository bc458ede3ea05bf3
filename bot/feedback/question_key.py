"""One key for the ways people type the same question, so the report counts them together."""

from __future__ import annotations

import re
import unicodedata

from retrieval.text.chinese import to_simplified
from retrieval.text.tokenizer import has_chinese

_SPACES = re.compile(r"\s+")
# Marks around a question that do not change it: "What is Sora?" and "what is sora" are one.
_EDGE_MARKS = " ?!.,;:。？！，、；：…~～\"'“”‘’「」『』()（）"


def question_key(question: str) -> str:
    """The question with width (NFKC: full-width letters and punctuation become ASCII), case,
    script (Traditional becomes Simplified), runs of spaces and the marks at its ends folded."""
    text = unicodedata.normalize("NFKC", question).casefold()
    if has_chinese(text):
        text = to_simplified(text)
    return _SPACES.sub(" ", text).strip(_EDGE_MARKS)
