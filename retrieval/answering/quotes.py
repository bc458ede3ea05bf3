"""Stage 2 of answering: each candidate passage's excerpt, and what of the question it quotes.

The excerpt is chosen before the final ranking because how much of the question's weight the
excerpt itself holds (`coverage`), and whether it states a number when one is asked for, are
what the ranking and the answerability score weigh: a passage whose matches sit far apart
quotes little of the question. Words of the article's title (and file name) count only
TITLE_TERM_WEIGHT as much when choosing the sentences: the title names what all of the article
is about ("白尾雀鲷的生活习性…", "What did Super Bowl 50 …"), so its words say which article, not
which of its sentences, while the other words say which ("生活习性", a date).

A heading is quoted only where it is what answers: when the heading right above a passage and
the passage's start quote at least HEADING_SHARE of the question's weight more than the
passage's own excerpt ("Sora 2被称为视频领域的GPT几点几时刻?" under "01 影片領域的GPT-3.5時刻"), the
quote is the two, as they stand in the article. An article's title never leads a quote.

In: candidates, the question's terms, the passages' tokens, the articles' title terms; out: one
`Quote` per candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from retrieval.answering.answer_kind import states_quantity
from retrieval.answering.candidates import Candidate
from retrieval.documents.corpus import Article, Corpus
from retrieval.answering.excerpts import MAX_EXCERPT_CHARS, Excerpt, choose_excerpt, folded, led_by
from retrieval.documents.passages import Passage
from retrieval.answering.question import QuestionTerms
from retrieval.semantic.semantic_index import Closeness
from retrieval.text.tokenizer import Token

# A sentence's closeness to the question (z) counts this much query weight when choosing the
# sentence an excerpt grows from.
SEED_CLOSENESS_WEIGHT = 0.3
# A question word in the article's title counts this much of its weight when choosing sentences:
# enough to break a tie (a passage found by a title word alone still quotes it), little else
# (1, 0.2, 0.01 and 0 were measured: README.md, "Answer quality").
TITLE_TERM_WEIGHT = 0.01
# The share of the question's weight a heading must add to its passage's quote to lead it.
HEADING_SHARE = 0.5


@dataclass(frozen=True)
class Quote:
    """A candidate with its excerpt: the share of the question's weight it quotes, the terms it
    quotes, and whether it states a number or date the question does not."""

    candidate: Candidate
    article: Article
    excerpt: Excerpt
    coverage: float
    quoted_terms: frozenset[str]
    states_quantity: bool


def quote_candidates(
    candidates: tuple[Candidate, ...],
    question: str,
    terms: QuestionTerms,
    corpus: Corpus,
    passages: list[Passage],
    matching: Callable[[int, dict[str, float]], list[Token]],
    closeness: Closeness | None,
    keep_unmatched: bool,
    title_terms: Callable[[Article], frozenset[str]] | None = None,
) -> list[Quote]:
    """The excerpt of each candidate (`matching` gives a passage's tokens of the question's
    terms, `title_terms` the terms of an article's title); without `keep_unmatched`, passages
    holding none of the question's terms are left out (the model's candidates are kept: they
    may say it in other words)."""
    quotes = []
    choosing: dict[int, dict[str, float]] = {}  # the weights sentences are chosen by, per article
    for candidate in candidates:
        passage = passages[candidate.passage]
        article = corpus.articles[passage.article]
        matches = matching(candidate.passage, terms.weights)
        # Only its own tokens make a passage quote the question (those of the heading above come first).
        if not keep_unmatched and not any(token.start >= passage.start for token in matches):
            continue
        bonus = _seed_bonus(closeness, candidate.passage) if closeness is not None else None
        if passage.article not in choosing:
            choosing[passage.article] = _choosing_weights(terms.weights, title_terms(article) if title_terms else frozenset())
        excerpt = choose_excerpt(article.text, passage.start, passage.end, matches, choosing[passage.article], bonus=bonus,
                                 code=article.code_spans(passage.start, passage.end))
        quoted = frozenset(t.term for t in matches if excerpt.start <= t.start and t.end <= excerpt.end)
        led = _led_by_heading(article, passage, excerpt, quoted, matches, choosing[passage.article], terms, bonus)
        if led is not None:
            excerpt, quoted = led
        coverage = math.fsum(terms.weights[term] for term in quoted) / terms.total_weight  # fsum: order can't matter
        quotes.append(Quote(candidate, article, excerpt, coverage, quoted, states_quantity(excerpt.text, question)))
    return quotes


def _led_by_heading(
    article: Article,
    passage: Passage,
    excerpt: Excerpt,
    quoted: frozenset[str],
    matches: list[Token],
    weights: dict[str, float],
    terms: QuestionTerms,
    bonus: dict[int, float] | None,
) -> tuple[Excerpt, frozenset[str]] | None:
    """The quote of the heading above `passage` and the passage's start, with the terms it
    quotes, when it quotes HEADING_SHARE of the question's weight more than `excerpt` does; else
    None. `matches` hold the heading's tokens before the passage's (retrieval/index/token_store.py)."""
    in_heading = {token.term for token in matches if token.end <= passage.start}
    needed = _weight_of(quoted, terms) + HEADING_SHARE * terms.total_weight
    if excerpt.code or _weight_of(in_heading | quoted, terms) < needed:
        return None
    span = article.heading_above(passage.start, kinds=("heading",))
    if span is None or folded(article.text[span[0] : span[1]]) == article.info.title:
        return None  # an article's title is shown with every quote of it
    # The passage's first sentence seeds what follows the heading, so that the two are contiguous.
    room = MAX_EXCERPT_CHARS - len(folded(article.text[span[0] : passage.start]))
    body = choose_excerpt(article.text, passage.start, passage.end, matches, weights, limit=room,
                          bonus={**(bonus or {}), passage.start: math.inf})
    if body.start != passage.start:
        return None
    led = led_by(article.text, span[0], body, matches)
    led_quoted = frozenset(t.term for t in matches if led.start <= t.start and t.end <= led.end)
    if _weight_of(led_quoted, terms) < needed:
        return None  # what the heading adds, the passage's start loses (the answer is further on)
    return led, led_quoted


def _weight_of(quoted: frozenset[str] | set[str], terms: QuestionTerms) -> float:
    return math.fsum(terms.weights[term] for term in quoted)  # fsum: the set's order cannot matter


def _choosing_weights(weights: dict[str, float], title: frozenset[str]) -> dict[str, float]:
    """The question's term weights, those of the title's terms times TITLE_TERM_WEIGHT."""
    if title.isdisjoint(weights):
        return weights
    return {term: weight * TITLE_TERM_WEIGHT if term in title else weight for term, weight in weights.items()}


def _seed_bonus(closeness: Closeness, passage: int) -> dict[int, float]:
    """Each sentence of the passage's closeness as extra query weight, by where it starts."""
    semantic = closeness.index
    return {
        int(semantic.sentence_spans[row][0]): SEED_CLOSENESS_WEIGHT * float(z)
        for row, z in zip(semantic.sentences_of(passage), closeness.sentence_zs(passage))
    }
