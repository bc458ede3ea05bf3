"""What the question's words say about whether the collection can answer it.

Only one thing declines a question here outright: it has no searchable terms at all (only
punctuation, emoji, stopwords), or only numbers ("1 2": nothing says what they are numbers of).
Everything else is evidence for the answerability score (retrieval/answering/answerability.py), not a rule:
- `collection_coverage`: the share of the question's idf weight that the collection holds (a
  word no passage holds weighs as much as the rarest word can);
- `unknown_names`: name-like words (CamelCase, ALL CAPS but for common abbreviations such as TV,
  AI or CEO, letters mixed with digits, a capitalised word that does not open a sentence, a Latin
  word inside a Chinese question) that no passage holds: what a question is about ("DALL-E 3",
  "Gen-4", "France"), so quoting around them would answer a different question;
- `shared_word_share`: the share of the question's words that a quote holds (a bare number
  counts only as a whole word: the "2" of "Sora 2" is no match for "2 million").
An operator may still set a floor on the collection's coverage (`min_coverage`, DECLINE_MIN_COVERAGE).
"""

from __future__ import annotations

import re

from retrieval.index.bm25 import SearchIndex, fold_accents
from retrieval.text.tokenizer import Token, has_chinese, terms

# No floor by default: the fitted score weighs coverage with everything else.
MIN_COVERAGE = 0.0

# CamelCase, ALL CAPS, letters joined to digits ("Gen4"), or a capitalised name and a short
# version number ("Gen-4", "DALL·E 3"; not "December 1965", whose number is a year).
_NAME_LIKE = re.compile(
    r"^(?:[A-Z]{2,}[A-Za-z]*|[A-Z]?[a-z]+[A-Z][A-Za-z]*|.*(?:[A-Za-z]\d|\d[A-Za-z]).*|[A-Z][A-Za-z]*[ \-\u2011\u00a0]\d{1,3})$"
)


def unreadable(tokens) -> str | None:
    """Why a question cannot be searched at all, or None."""
    if not tokens:
        return "no searchable words"
    if all(token.term.isdigit() for token in tokens):
        return "only numbers"
    return None


# All-caps words common in any writing (TV, AI, CEO): not names, so not "never mentioned".
COMMON_CAPITALS = frozenset(
    "AI TV US USA UK EU UN CEO CTO CFO COO API APIs APP PR HR IT IP ID OK FAQ PDF URL USD RMB GDP IPO "
    "VR AR PC GPU GPUs CPU CPUs FPS HD UI UX SDK AM PM DIY NGO R&D B2B B2C Q&A".split()
)


def unknown_names(question: str, tokens: list[Token], index: SearchIndex, chinese_question: bool) -> list[str]:
    """The name-like words of the question that no passage holds, in question order."""
    unknown = []
    for token in tokens:
        if token.bigram:
            continue
        word = question[token.start : token.end]
        if word in COMMON_CAPITALS:
            continue
        name_like = (
            _NAME_LIKE.match(word)
            or _is_proper_noun(question, token.start, word)
            or (chinese_question and word.isascii() and word.isalpha() and word.upper() not in COMMON_CAPITALS)
        )
        if name_like and index.idf_of(token.term) is None and not _known_without_accents(word.lower(), index):
            unknown.append(word)
    return unknown


def collection_coverage(tokens: list[Token], index: SearchIndex) -> float:
    """The share of the question's content-word weight that some passage holds (1.0 when it has
    no content words: nothing is missing)."""
    unseen = index.unseen_idf()
    total = found = 0.0
    for token in _content_words(tokens):
        idf = _word_idf(token.term, index)
        total += unseen if idf is None else idf
        found += 0.0 if idf is None else idf
    return found / total if total else 1.0


def coverage_shortfall(share: float, min_coverage: float = MIN_COVERAGE) -> str | None:
    """Why the words the articles hold (`share`: the question's `collection_coverage`) carry
    less than the operator's floor, or None."""
    return f"only {share:.0%} of the question's weight is in the articles" if share < min_coverage else None


def _known_without_accents(word: str, index: SearchIndex) -> bool:
    """True when the articles hold the (lower-cased) word with other accents ("Maiziere" for
    "Maizière"): people often type names without them."""
    folded = fold_accents(word)
    return folded in index.accent_folded_terms() or (folded != word and index.idf_of(folded) is not None)


_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;。！？：；\n\"'“‘(（]\s*)$")


def _is_proper_noun(question: str, start: int, word: str) -> bool:
    """A capitalised word inside a sentence ("the capital of France"): a name, not a word that
    is capitalised only because it opens the question."""
    if len(word) < 3 or not (word[0].isupper() and word[1:].islower() and word.isalpha()):
        return False
    return _SENTENCE_OPENING.search(question[:start]) is None


def shared_word_share(tokens: list[Token], quoted_terms: set[str] | frozenset[str]) -> float:
    """The share of the question's content words (whole words) that the quote holds."""
    words = _whole_words(_content_words(tokens))
    if not words:
        return 0.0
    return sum(1 for parts in words if any(_shares(part, parts, quoted_terms) for part in parts)) / len(words)


def content_word_count(tokens: list[Token]) -> int:
    """How many distinct content words the question has."""
    return len(_whole_words(_content_words(tokens)))


def _shares(part: Token, word: list[Token], quoted_terms: set[str]) -> bool:
    """Whether the quote holds this part of a word; a bare number counts only as a whole word."""
    if part.term.isdigit() and len(word) > 1:
        return False
    return part.term in quoted_terms


def _whole_words(tokens: list[Token]) -> list[list[Token]]:
    """Tokens grouped by the word they come from: "Sora 2" gives sora2, sora and 2, one word."""
    groups: list[list[Token]] = []
    for token in sorted(tokens, key=lambda t: (t.start, -(t.end - t.start))):
        if groups and token.start < max(t.end for t in groups[-1]):
            groups[-1].append(token)
        else:
            groups.append([token])
    return groups


# Words a question uses around its subject ("how much … per month", "what exactly"): indexed
# like any word, but sharing one with a quote says nothing about whether it answers.
_FRAMING_WORDS = frozenset(
    term
    for word in ("much", "many", "per", "right", "exact", "exactly", "really", "basically", "actually",
                 "like", "get", "got", "lot", "lots", "thing", "things", "kind", "sort")
    for term in terms(word)
)


def _content_words(tokens: list[Token]) -> list[Token]:
    """Distinct words that say what the question is about: not the character pairs beside
    jieba's words, not single Chinese characters, whose meaning depends on their neighbours
    (they are matched through the pairs instead), and not framing words."""
    seen: dict[str, Token] = {}
    for token in tokens:
        if token.bigram or (len(token.term) == 1 and has_chinese(token.term)) or token.term in _FRAMING_WORDS:
            continue
        seen.setdefault(token.term, token)
    return list(seen.values())


def _word_idf(term: str, index: SearchIndex) -> float | None:
    """The term's idf; a Chinese word the index lacks as a whole counts as found when every
    pair of neighbouring characters in it is indexed (jieba may cut the text differently)."""
    idf = index.idf_of(term)
    if idf is not None or not has_chinese(term) or len(term) < 3:
        return idf
    pairs = [index.idf_of(term[i : i + 2]) for i in range(len(term) - 1)]
    return None if any(p is None for p in pairs) else min(pairs)
