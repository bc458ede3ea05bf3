"""Stage 3 of answering: the candidates' quotes in order, best first.

Lexical evidence first: a passage's BM25 score times (COVERAGE_BASE + the share of the
question's weight its excerpt quotes), so that passages whose matches sit together win, and
times NUMBERLESS_FACTOR when the question asks for a number or a date and the excerpt states
none. Without the model that is the order (a translation whose original is in the question's
language counts OTHER_LANGUAGE_FACTOR less, so the question's language wins when both hold the
passage). With the model it is fused with the model's closeness:

- "blend" (the default; see FUSION): (1 - SEMANTIC_SHARE) × the lexical evidence relative to the
  best of its language + SEMANTIC_SHARE × the passage's closeness z-score within its language,
  saturating at CLOSENESS_SATURATION;
- "rrf": reciprocal-rank fusion, 1 / (RRF_K + lexical rank) + 1 / (RRF_K + closeness rank).

Either way the question's language is preferred: passages of the other language count
CROSS_LANGUAGE_FACTOR less unless that language holds a clearly closer passage (by
CROSS_LANGUAGE_MARGIN z-scores, or UNTRANSLATED_MARGIN when that passage's article is neither in
the question's language nor translated into it: then only the other language says it, and the
question's language has no copy of it to prefer; `in_question_language` tells). Both fusions were measured on the same questions
(README.md, "Answer quality", the fusion table); FUSION names the one that won. Quotes scoring under
MIN_SHARE_OF_BEST of the best one are loosely related and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.answering.quotes import Quote
from retrieval.semantic.semantic_index import Closeness, pool_of_language

log = logging.getLogger(__name__)

COVERAGE_BASE = 0.5
NUMBERLESS_FACTOR = 0.7
OTHER_LANGUAGE_FACTOR = 0.8
SEMANTIC_SHARE = 0.5
CLOSENESS_SATURATION = 5.0
CROSS_LANGUAGE_MARGIN = 1.5
CROSS_LANGUAGE_FACTOR = 0.8
UNTRANSLATED_MARGIN = 1.0
RRF_K = 60
MIN_SHARE_OF_BEST = 0.4
FUSION = "blend"


@dataclass(frozen=True)
class Ranked:
    """A quote and its score in the final order (comparable within one question only)."""

    quote: Quote
    score: float


def lexical_evidence(quote: Quote, wants_number: bool, language_factor: float = 1.0) -> float:
    """The quote's BM25 score, weighed by what its excerpt quotes (see the module's docstring)."""
    score = quote.candidate.bm25 * language_factor * (COVERAGE_BASE + quote.coverage)
    return score * NUMBERLESS_FACTOR if wants_number and not quote.states_quantity else score


def rank_quotes(
    head: list[Quote],
    tail: list[Quote],
    lexical: dict[int, float],
    closeness: Closeness | None,
    lang: str,
    fusion: str | None = None,
    weight: Callable[[Quote], float] | None = None,
    in_question_language: Callable[[int], bool] | None = None,
) -> list[Ranked]:
    """`head` fused and ordered, then `tail` in BM25's order, all above the MIN_SHARE_OF_BEST
    floor; `lexical` holds each quote's lexical evidence by passage id; `weight` (if given)
    scales each head quote's score before the order and the floor (the articles a question
    names: retrieval/answering/article_naming.py); `in_question_language(passage id)` (if given) says whether the
    passage's article is in the question's language or translated into it."""
    if closeness is None:
        ranked = sorted(_weighed([Ranked(q, lexical[q.candidate.passage]) for q in head], weight), key=_order)
        ranked += _weighed([Ranked(q, lexical[q.candidate.passage]) for q in tail], weight)
        return [r for r in ranked if ranked and r.score >= ranked[0].score * MIN_SHARE_OF_BEST]
    fused = (_reciprocal_rank_fusion(head, lexical, closeness, lang, in_question_language) if (fusion or FUSION) == "rrf"
             else _blend(head, lexical, closeness, lang, in_question_language))
    fused = _weighed(fused, weight)
    fused.sort(key=_order)
    if fused:
        fused = [r for r in fused if r.score >= fused[0].score * MIN_SHARE_OF_BEST]
    # Deeper BM25 passages follow in BM25's order, below every fused one.
    last = fused[-1].score if fused else 1.0
    top = max((lexical[q.candidate.passage] for q in tail), default=0.0) or 1.0
    return fused + [Ranked(q, last * 0.99 * lexical[q.candidate.passage] / top) for q in tail]


def _weighed(ranked: list[Ranked], weight: Callable[[Quote], float] | None) -> list[Ranked]:
    return ranked if weight is None else [Ranked(r.quote, r.score * weight(r.quote)) for r in ranked]


def _order(ranked: Ranked) -> tuple[float, int]:
    quote = ranked.quote
    rank = quote.candidate.lexical_rank
    return (-ranked.score, 10**6 + (quote.candidate.dense_rank or 0) if rank is None else rank)


def _language_factors(quotes: list[Quote], closeness: Closeness, lang: str,
                      in_question_language: Callable[[int], bool] | None) -> tuple[dict[int, float], bool]:
    own = pool_of_language(lang)
    other = closeness.nearest_other(own)
    margin = CROSS_LANGUAGE_MARGIN if in_question_language is None or other is None or in_question_language(other) else UNTRANSLATED_MARGIN
    preferred = closeness.preferred_pool(own, margin)
    factors = {q.candidate.passage: 1.0 if pool_of_language(q.article.info.lang) == preferred else CROSS_LANGUAGE_FACTOR
               for q in quotes}
    return factors, preferred != own


def _blend(quotes: list[Quote], lexical: dict[int, float], closeness: Closeness, lang: str,
           in_question_language: Callable[[int], bool] | None = None) -> list[Ranked]:
    factors, separate = _language_factors(quotes, closeness, lang, in_question_language)
    own = pool_of_language(lang)
    # Lexical scores of two languages are comparable only where the question's words are in
    # both (names, mixed questions); when the other language is preferred, each counts within
    # its own language.
    best: dict[int, float] = {}
    for quote in quotes:
        pool = pool_of_language(quote.article.info.lang) if separate else own
        best[pool] = max(best.get(pool, 0.0), lexical[quote.candidate.passage])
    pids = [quote.candidate.passage for quote in quotes]
    meaning = dict(zip(pids, closeness.passage_zs(pids).tolist()))
    fused = []
    for quote in quotes:
        pid = quote.candidate.passage
        top = best[pool_of_language(quote.article.info.lang) if separate else own]
        relative = lexical[pid] / top if top > 0 else 0.0
        z = meaning[pid]
        near = min(max(z, 0.0) / CLOSENESS_SATURATION, 1.0)
        log.debug("passage %d: lexical %.3f, closeness z %.2f", pid, relative, z)
        fused.append(Ranked(quote, factors[pid] * ((1 - SEMANTIC_SHARE) * relative + SEMANTIC_SHARE * near)))
    return fused


def _reciprocal_rank_fusion(quotes: list[Quote], lexical: dict[int, float], closeness: Closeness, lang: str,
                            in_question_language: Callable[[int], bool] | None = None) -> list[Ranked]:
    factors, _ = _language_factors(quotes, closeness, lang, in_question_language)
    pids = [q.candidate.passage for q in quotes]
    by_lexical = sorted(pids, key=lambda pid: -lexical[pid])
    meaning = dict(zip(pids, closeness.passage_zs(pids).tolist()))
    by_meaning = sorted(pids, key=lambda pid: -meaning[pid])
    lexical_rank = {pid: rank for rank, pid in enumerate(by_lexical)}
    meaning_rank = {pid: rank for rank, pid in enumerate(by_meaning)}
    return [Ranked(q, factors[q.candidate.passage] * (1 / (RRF_K + lexical_rank[q.candidate.passage])
                                                      + 1 / (RRF_K + meaning_rank[q.candidate.passage])))
            for q in quotes]
