"""A question as the engine reads it: cleaned, cut to what it can read, and its searchable terms.

A question longer than MAX_QUESTION_CHARS keeps its question: people paste a long preamble and
ask at the end, so the sentences that ask (a question mark or a question word) are kept, the
last ones first, rather than the first MAX_QUESTION_CHARS characters, which would lose the
question itself. `truncated` says it was cut.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from retrieval.index.bm25 import SearchIndex
from retrieval.text.tokenizer import Token, has_chinese, tokenize

# Longer questions are answered on the part of them that asks (see above).
MAX_QUESTION_CHARS = 1000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# A sentence ends at . ! ? (and their Chinese forms) followed by a space or the end.
_SENTENCE = re.compile(r"[^.!?。！？]*(?:[.!?]+(?=\s|$)|[。！？]+|$)")
_ASKS = re.compile(
    r"[?？]|\b(?:who|whom|whose|what|which|when|where|why|how)\b|"
    r"什么|什麼|哪|谁|誰|为什么|為什麼|怎么|怎麼|如何|多少|几|幾|吗|嗎|呢",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PreparedQuestion:
    """A question cleaned for searching: `text` is what was searched; `truncated` says it was cut."""

    text: str
    truncated: bool


def prepare_question(question: str) -> PreparedQuestion:
    """Control characters and lone surrogates removed, whitespace folded, and a question over
    MAX_QUESTION_CHARS cut to the part of it that asks."""
    text = _SURROGATE.sub("", question)
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = " ".join(text.split())
    if len(text) <= MAX_QUESTION_CHARS:
        return PreparedQuestion(text, False)
    return PreparedQuestion(_asking_part(text, MAX_QUESTION_CHARS), True)


def _asking_part(text: str, limit: int) -> str:
    """At most `limit` characters of `text`: its asking sentences, the last first, joined in
    their original order (the preamble around them would only blur what is searched); the
    last `limit` characters when no sentence asks, or when the last that asks is too long."""
    spans = [m.span() for m in _SENTENCE.finditer(text) if m.group().strip()]
    asking = [i for i, (s, e) in enumerate(spans) if _ASKS.search(text, s, e)]
    chosen: list[int] = []
    used = 0
    for i in reversed(asking):
        length = len(text[spans[i][0] : spans[i][1]].strip()) + 1
        if used + length > limit + 1:
            break
        chosen.append(i)
        used += length
    if not chosen:
        return text[-limit:].strip()
    return " ".join(text[spans[i][0] : spans[i][1]].strip() for i in sorted(chosen))


@dataclass(frozen=True)
class QuestionTerms:
    """A question's tokens and what each distinct term weighs (its idf; 0 when no passage has it)."""

    tokens: tuple[Token, ...]
    weights: dict[str, float]
    total_weight: float
    has_chinese: bool

    @property
    def terms(self) -> list[str]:
        return [token.term for token in self.tokens]


def question_terms(text: str, index: SearchIndex) -> QuestionTerms:
    """The searchable terms of a prepared question, weighed by `index`."""
    tokens = tuple(tokenize(text))
    weights = {token.term: index.idf_of(token.term) or 0.0 for token in tokens}
    return QuestionTerms(tokens, weights, math.fsum(weights.values()) or 1.0,
                         any(has_chinese(token.term) for token in tokens))
