"""When to say "the articles don't say" instead of quoting loosely related text.

A question is declined when
1. it has no searchable terms at all (only punctuation, emoji, stopwords), or only numbers
   ("1 2", "[1,2]": nothing says what they are numbers of); or
2. most of what it is about is missing from the articles: the words found in the corpus carry
   less than MIN_COVERAGE of the question's idf weight (a word no passage holds weighs as much as
   the rarest word can); or
3. it names something the articles never mention: a name-like word (CamelCase, ALL CAPS,
   letters mixed with digits, a capitalised word that does not open a sentence, or a Latin word
   inside a Chinese question) that no passage holds. Such words are what a question is about
   ("DALL-E 3", "Gen-4", "France"), so quoting around them would answer a different question.
4. (after retrieval, for questions in Latin script) the best quote shares at most one word with
   a question of three words or more: a single shared word ("2023", "final") is a coincidence,
   not an answer; nor is a shared bare number (the "2" of "Sora 2" in "…2 million yuan").
   Chinese questions are left out, as their words are cut differently in question and text, so
   counting shared words would misjudge them. With the embedding model, a quote whose passage
   is very close in meaning to the question is kept all the same.
5. (after retrieval) it asks for a quantity or a time ("how many", "when", "多少") and the best
   quote states none: it may be on the subject, but it does not hold the answer.
Scores are not compared to a threshold: BM25 scores are not comparable across questions, and a
threshold on them declined answerable questions far more often in our measurements.
"""

from __future__ import annotations

import re

from retrieval.index import SearchIndex, fold_accents
from retrieval.tokenizer import Token, has_chinese, terms

MIN_COVERAGE = 0.25

# CamelCase, ALL CAPS, letters joined to digits ("Gen4"), or a capitalised name and a short
# version number ("Gen-4", "DALL·E 3"; not "December 1965", whose number is a year).
_NAME_LIKE = re.compile(
    r"^(?:[A-Z]{2,}[A-Za-z]*|[A-Z]?[a-z]+[A-Z][A-Za-z]*|.*(?:[A-Za-z]\d|\d[A-Za-z]).*|[A-Z][A-Za-z]*[ \-\u2011\u00a0]\d{1,3})$"
)


def decline_reason(
    question: str,
    tokens: list[Token],
    index: SearchIndex,
    chinese_question: bool,
    min_coverage: float = MIN_COVERAGE,
    check_coverage: bool = True,
) -> str | None:
    """Why the question should be declined, or None when the articles may answer it.
    `check_coverage=False` skips rule 2 (the model found the question's meaning in them)."""
    if not tokens:
        return "no searchable words"
    if all(token.term.isdigit() for token in tokens):
        return "only numbers"
    if check_coverage:
        shortfall = coverage_shortfall(tokens, index, min_coverage)
        if shortfall:
            return shortfall
    for token in tokens:
        if token.bigram:
            continue
        word = question[token.start : token.end]
        name_like = (
            _NAME_LIKE.match(word)
            or _is_proper_noun(question, token.start, word)
            or (chinese_question and word.isascii() and word.isalpha())
        )
        if name_like and index.idf_of(token.term) is None and not _known_without_accents(word.lower(), index):
            return f"the articles never mention {word!r}"
    return None


def coverage_shortfall(tokens: list[Token], index: SearchIndex, min_coverage: float = MIN_COVERAGE) -> str | None:
    """Rule 2: why the words the articles hold carry too little of the question's weight, or None."""
    unseen = index.unseen_idf()
    total = found = 0.0
    for token in _content_words(tokens):
        idf = _word_idf(token.term, index)
        total += unseen if idf is None else idf
        found += 0.0 if idf is None else idf
    if total and found < min_coverage * total:
        return f"only {found / total:.0%} of the question's weight is in the articles"
    return None


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


MIN_WORDS_FOR_OVERLAP_CHECK = 3


def loosely_related(tokens: list[Token], quoted_terms: set[str]) -> bool:
    """True when a question of MIN_WORDS_FOR_OVERLAP_CHECK words or more shares at most one of
    them with the quote whose terms are `quoted_terms` (rule 4 above)."""
    words = _whole_words(_content_words(tokens))
    if len(words) < MIN_WORDS_FOR_OVERLAP_CHECK:
        return False
    shared = sum(1 for parts in words if any(_shares(part, parts, quoted_terms) for part in parts))
    return shared <= 1


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
