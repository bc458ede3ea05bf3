"""The features of a question and its best candidates that the answerability score weighs.

In: the question, its terms, the ranked quotes, the model's closeness (None without it), the
index. Out: `Evidence` (retrieval/answering/answerability.py says what each feature is).
"""

from __future__ import annotations

import math


from retrieval.answering.answer_kind import wants_quantity
from retrieval.answering.answerability import Evidence
from retrieval.answering.decline import collection_coverage, content_word_count, shared_word_share, unknown_names
from retrieval.index.bm25 import SearchIndex
from retrieval.answering.question import QuestionTerms
from retrieval.answering.ranking import Ranked
from retrieval.semantic.semantic_index import Closeness, pool_of_language

# Unknown names beyond this many say nothing more.
MAX_UNKNOWN_NAMES = 2


def gather_evidence(
    question: str,
    terms: QuestionTerms,
    lang: str,
    ranked: list[Ranked],
    closeness: Closeness | None,
    index: SearchIndex,
) -> Evidence:
    """The evidence for the best of `ranked` (all zeros but the question's own features when
    nothing was found)."""
    tokens = list(terms.tokens)
    chinese = lang.startswith("zh")
    known = math.fsum(w for w in terms.weights.values())
    unseen = index.unseen_idf() * sum(1 for w in terms.weights.values() if w == 0.0)
    question_weight = (known + unseen) or 1.0
    wants = wants_quantity(question)
    features = dict(
        collection_coverage=collection_coverage(tokens, index),
        unknown_names=float(min(len(unknown_names(question, tokens, index, chinese)), MAX_UNKNOWN_NAMES)),
        wants_kind=float(wants),
        question_words=math.log1p(content_word_count(tokens)),
        chinese_question=float(chinese),
    )
    if not ranked:
        return Evidence(quote_coverage=0.0, quote_word_share=0.0, kind_missing=float(wants), cross_language=0.0,
                        lexical_strength=0.0, lexical_margin=0.0, **features)
    best = ranked[0].quote
    # BM25+'s most a passage can score for the known terms is about idf × (k1 + 1 + delta) each.
    ceiling = known * (index.k1 + 1 + index.delta) or 1.0
    second = ranked[1].score if len(ranked) > 1 else 0.0
    features.update(
        quote_coverage=best.coverage * terms.total_weight / question_weight,
        quote_word_share=shared_word_share(tokens, best.quoted_terms),
        kind_missing=float(wants and not best.states_quantity),
        cross_language=float(pool_of_language(best.article.info.lang) != pool_of_language(lang)),
        lexical_strength=min(best.candidate.bm25 / ceiling, 1.0),
        lexical_margin=(ranked[0].score - second) / ranked[0].score if ranked[0].score > 0 else 0.0,
    )
    if closeness is not None:
        pid = best.candidate.passage
        second, top = closeness.top_zs()
        features.update(
            best_cosine=closeness.passage_cosine(pid),
            best_z=closeness.passage_z(pid),
            top_z=top,
            dense_margin=top - second,
            best_dense_rank=math.log1p(best.candidate.dense_rank if best.candidate.dense_rank is not None else 20),
        )
    return Evidence(**features)
