"""The answer engine: a question in, an `Answer` of verbatim excerpts (or an honest no) out."""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from retrieval.answer import Answer, ArticleInfo, Hit
from retrieval.corpus import Corpus, load_corpus
from retrieval.decline import MIN_COVERAGE, decline_reason, loosely_related
from retrieval.excerpts import choose_excerpt
from retrieval.index_cache import load_or_build_index
from retrieval.language import detect_language, same_family
from retrieval.links import quote_url
from retrieval.passages import Passage
from retrieval.tokenizer import Token, has_chinese, tokenize

log = logging.getLogger(__name__)

DEFAULT_TOP_K = 3
# Longer questions are answered on their beginning; the answer says so (`truncated`).
MAX_QUESTION_CHARS = 1000
# Passages fetched from the index per hit wanted: room for overlaps and language preference.
CANDIDATES_PER_HIT = 4
# A hit from a translation whose original is in the question's language ranks as if it scored
# this much less, so the question's language wins when both hold the passage.
OTHER_LANGUAGE_FACTOR = 0.8
# The best RERANK_DEPTH passages are re-ranked by BM25 score times (COVERAGE_BASE + the share
# of the question's weight that the chosen excerpt itself quotes): passages whose matches sit
# close together win. Deeper ones keep BM25's order, so every page of "more" agrees.
RERANK_DEPTH = 16
COVERAGE_BASE = 0.5
# Hits scoring under this share of the best one are loosely related: they are not quoted.
MIN_SHARE_OF_BEST = 0.4

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class PreparedQuestion:
    """A question cleaned for searching: `text` is what was searched."""

    text: str
    truncated: bool


def prepare_question(question: str) -> PreparedQuestion:
    """Control characters and lone surrogates removed, whitespace folded, length capped."""
    text = _SURROGATE.sub("", question)
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = " ".join(text.split())
    truncated = len(text) > MAX_QUESTION_CHARS
    return PreparedQuestion(text[:MAX_QUESTION_CHARS] if truncated else text, truncated)


class Engine:
    """Answers questions from one corpus. Thread-safe: it holds no per-question state."""

    def __init__(self, corpus: Corpus, cache_dir: str | Path | None = None, min_coverage: float = MIN_COVERAGE):
        self.corpus = corpus
        self.min_coverage = min_coverage
        self.passages, self.index = load_or_build_index(corpus, cache_dir)
        self._translations = _translation_languages(corpus)

    @classmethod
    def from_directory(
        cls, directory: str | Path, cache_dir: str | Path | None = None, min_coverage: float = MIN_COVERAGE
    ) -> "Engine":
        """Load the articles in `directory` (CorpusError if any is bad) and index them, keeping
        the index in `cache_dir` (None: the default cache directory)."""
        return cls(load_corpus(directory), cache_dir, min_coverage)

    @property
    def articles(self) -> tuple[ArticleInfo, ...]:
        """What is known about each article, in corpus order."""
        return tuple(article.info for article in self.corpus.articles)

    def warm_up(self) -> None:
        """Load what the first questions would otherwise load (jieba's dictionary, OpenCC), so a
        server pays for it before going online, not while a user waits."""
        for question in ("What is it about?", "這篇文章講什麼？"):
            self.answer(question)

    def answer(self, question: str, top_k: int = DEFAULT_TOP_K, offset: int = 0) -> Answer:
        """Up to `top_k` hits for `question`, skipping the first `offset` (for "more results")."""
        prepared = prepare_question(question)
        lang = detect_language(prepared.text)
        tokens = tokenize(prepared.text)
        declined = decline_reason(prepared.text, tokens, self.index, lang.startswith("zh"), self.min_coverage)
        if declined:
            log.debug("declined %r: %s", prepared.text[:80], declined)
            return Answer(prepared.text, False, lang, truncated=prepared.truncated)

        query_terms = [token.term for token in tokens]
        wanted = offset + top_k + 1
        hits = self._hits(query_terms, lang, wanted)
        if not hits or (not lang.startswith("zh") and loosely_related(tokens, self._terms_of(hits[0].excerpt))):
            return Answer(prepared.text, False, lang, truncated=prepared.truncated)
        return Answer(
            question=prepared.text,
            answered=True,
            lang=lang,
            hits=tuple(hits[offset : offset + top_k]),
            offset=offset,
            has_more=len(hits) > offset + top_k,
            truncated=prepared.truncated,
        )

    def _hits(self, query_terms: list[str], lang: str, wanted: int) -> list[Hit]:
        weights = {term: self.index.idf_of(term) or 0.0 for term in query_terms}
        total_weight = math.fsum(weights.values()) or 1.0
        query_has_chinese = any(has_chinese(term) for term in query_terms)
        candidates = []
        ranked = self.index.search(query_terms, max(RERANK_DEPTH, wanted * CANDIDATES_PER_HIT))
        for rank, (pid, score) in enumerate(ranked):
            passage = self.passages[pid]
            article = self.corpus.articles[passage.article]
            matches = self._matches(article.text, (passage.start, passage.end), weights, query_has_chinese)
            if not matches:
                continue
            excerpt = choose_excerpt(article.text, passage.start, passage.end, matches, weights)
            quoted = {t.term for t in matches if excerpt.start <= t.start and t.end <= excerpt.end}
            coverage = math.fsum(weights[term] for term in quoted) / total_weight  # exact: set order can't matter
            final = score * self._language_factor(passage, lang) * (COVERAGE_BASE + coverage)
            candidates.append((final, rank, article, excerpt))
        reranked = sorted((c for c in candidates if c[1] < RERANK_DEPTH), key=lambda item: (-item[0], item[1]))
        candidates = reranked + [c for c in candidates if c[1] >= RERANK_DEPTH]
        if reranked:
            floor = reranked[0][0] * MIN_SHARE_OF_BEST
            candidates = [candidate for candidate in candidates if candidate[0] >= floor]

        hits: list[Hit] = []
        taken: dict[str, list[tuple[int, int]]] = {}
        for final, _, article, excerpt in candidates:
            spans = taken.setdefault(article.info.id, [])
            if any(excerpt.start < e and s < excerpt.end for s, e in spans):
                continue
            spans.append((excerpt.start, excerpt.end))
            hits.append(
                Hit(
                    article=article.info,
                    excerpt=excerpt.text,
                    highlights=excerpt.highlights,
                    score=final,
                    quote_url=quote_url(article.info.url, excerpt.text),
                )
            )
            if len(hits) >= wanted:
                break
        return hits

    @staticmethod
    def _terms_of(excerpt: str) -> set[str]:
        return {token.term for token in tokenize(excerpt, segment_chinese=False)}

    @staticmethod
    def _matches(text: str, span: tuple[int, int], weights: dict[str, float], segment_chinese: bool) -> list[Token]:
        """The tokens of `text[span]` that are query terms, with spans in the whole text."""
        start, end = span
        return [
            token._replace(start=token.start + start, end=token.end + start)
            for token in tokenize(text[start:end], segment_chinese=segment_chinese)
            if token.term in weights
        ]

    def _language_factor(self, passage: Passage, lang: str) -> float:
        article = self.corpus.articles[passage.article]
        if same_family(article.info.lang, lang):
            return 1.0
        siblings = self._translations.get(article.info.id, ())
        return OTHER_LANGUAGE_FACTOR if any(same_family(other, lang) for other in siblings) else 1.0


def _translation_languages(corpus: Corpus) -> dict[str, tuple[str, ...]]:
    """For each article, the languages of the articles that are translations of it (or it of)."""
    by_id = {article.info.id: article for article in corpus.articles}
    pairs: dict[str, list[str]] = {}
    for article in corpus.articles:
        original = by_id.get(article.translation_of)
        if original is not None:
            pairs.setdefault(article.info.id, []).append(original.info.lang)
            pairs.setdefault(original.info.id, []).append(article.info.lang)
    return {key: tuple(value) for key, value in pairs.items()}
