"""The answer engine: a question in, an `Answer` of verbatim excerpts (or an honest no) out."""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.answer import Answer, ArticleInfo, Hit
from retrieval.answer_kind import states_quantity, wants_quantity
from retrieval.corpus import Corpus
from retrieval.corpus_cache import load_corpus_cached
from retrieval.decline import MIN_COVERAGE, coverage_shortfall, decline_reason, loosely_related
from retrieval.embedder import Embedder
from retrieval.excerpts import choose_excerpt
from retrieval.follow_up import question_to_search
from retrieval.background_embedding import BackgroundEmbedding, EmbeddingProgress
from retrieval.index_cache import embedding_progress_path, load_index, load_or_build_semantic_index, load_vector_store
from retrieval.language import detect_language, same_family
from retrieval.source_location import quote_link, quote_location
from retrieval.passages import Passage
from retrieval.semantic_index import Closeness, sentence_texts
from retrieval.semantic_rerank import SEMANTIC_DEPTH, Candidate, blend, seed_bonus, strongly_close, with_nearest
from retrieval.small_talk import is_small_talk
from retrieval.tokenizer import Token, tokenize
from retrieval.vector_store import EmbeddingTooSlow, Progress, text_key

log = logging.getLogger(__name__)

DEFAULT_TOP_K = 3
# "More" pages through at most this many hits of a question, all chosen at once.
PAGED_HITS = 30
# Longer questions are answered on their beginning; the answer says so (`truncated`).
MAX_QUESTION_CHARS = 1000
# Passages fetched from the index per hit wanted: room for overlaps and language preference.
CANDIDATES_PER_HIT = 4
# Without the model, a hit from a translation whose original is in the question's language ranks
# as if it scored this much less, so the question's language wins when both hold the passage.
# (With the model, retrieval/semantic_rerank.py weighs languages.)
OTHER_LANGUAGE_FACTOR = 0.8
# The best RERANK_DEPTH passages are re-ranked by BM25 score times (COVERAGE_BASE + the share
# of the question's weight that the chosen excerpt itself quotes): passages whose matches sit
# close together win. Deeper ones keep BM25's order, so every page of "more" agrees.
RERANK_DEPTH = 16
COVERAGE_BASE = 0.5
# Hits scoring under this share of the best one are loosely related: they are not quoted.
MIN_SHARE_OF_BEST = 0.4

# Computing the vectors of a collection's sentences at start-up is worth at most this long
# (estimated before starting); larger collections are answered lexically until `python -m bot
# embed` has computed them.
DEFAULT_EMBED_BUDGET_SECONDS = 120.0

# A question asking how many, how much or when ranks a quote that states no number or date
# as if it scored this much less.
NUMBERLESS_FACTOR = 0.7

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

    def __init__(
        self,
        corpus: Corpus,
        cache_dir: str | Path | None = None,
        min_coverage: float = MIN_COVERAGE,
        embedder: Embedder | None = None,
        progress: Progress | None = None,
        embed_budget_seconds: float | None = DEFAULT_EMBED_BUDGET_SECONDS,
        background_embedding: bool = False,
    ):
        """Index `corpus` (from the cache in `cache_dir` when it holds it). With an `embedder`,
        the vectors of its sentences are loaded or computed too (`progress(done, total)` hears
        how far), and answers are re-ranked by meaning; without one, or when computing the
        vectors would take over `embed_budget_seconds` (None: no limit), answers are lexical
        and `semantic_status` says why. With `background_embedding`, vectors not in the cache
        are computed on a thread of their own (no time limit) while answers are lexical, and
        answers turn semantic when they are ready (`embedding_progress()` says how far)."""
        self.corpus = corpus
        self.min_coverage = min_coverage
        self._cache_dir = cache_dir
        loaded = load_index(corpus, cache_dir)
        # Every passage's tokens, from the index: a question never tokenises a passage.
        self.passages, self.index, self.tokens = loaded.passages, loaded.index, loaded.tokens
        self._translations = _translation_languages(corpus)
        # One thread runs the model (one OpenMP thread too): questions queue for it.
        self._embedding_thread = ThreadPoolExecutor(1, thread_name_prefix="embedding")
        self.embedder = embedder
        self.semantic = None
        self.semantic_status = "lexical only: no embedding model"
        self._background: BackgroundEmbedding | None = None
        if embedder is not None and background_embedding:
            self._embed_in_the_background(embedder, progress)
        elif embedder is not None:
            try:
                self.semantic = load_or_build_semantic_index(
                    corpus, self.passages, embedder, cache_dir, progress, embed_budget_seconds
                )
                self.semantic_status = f"semantic re-ranking on ({embedder.identity})"
            except EmbeddingTooSlow as slow:
                self.semantic_status = (
                    f"lexical only for these articles: {slow}; `python -m bot embed --corpus DIR` "
                    "computes their vectors once, without a time limit"
                )

    def _embed_in_the_background(self, embedder: Embedder, progress: Progress | None) -> None:
        """Use the vectors already known (cached or shipped), or answer lexically while the
        missing ones are computed in the background."""
        try:  # a budget of 0: gather the known vectors, embed nothing
            self.semantic = load_or_build_semantic_index(self.corpus, self.passages, embedder, self._cache_dir,
                                                         budget_seconds=0.0)
            self.semantic_status = f"semantic re-ranking on ({embedder.identity})"
            return
        except EmbeddingTooSlow:
            pass
        self.semantic_status = "lexical until the articles' vectors are computed (in the background)"
        self._background = BackgroundEmbedding(
            lambda report: load_or_build_semantic_index(self.corpus, self.passages, embedder, self._cache_dir,
                                                        report, None, low_priority=True),
            self._switch_to_semantic, embedding_progress_path(self._cache_dir, self.corpus.directory), progress,
        ).start()

    def _switch_to_semantic(self, semantic) -> None:
        self.semantic_status = f"semantic re-ranking on ({semantic.identity})"
        self.semantic = semantic  # last: a question in flight sees both or neither
        log.info("answers: %s: the articles' vectors are ready", self.semantic_status)

    def embedding_progress(self) -> EmbeddingProgress | None:
        """How far the background embedding is; None when there is none (vectors were cached,
        computed at start, or no model)."""
        return None if self._background is None else self._background.progress()

    def wait_for_vectors(self, timeout: float | None = None) -> bool:
        """Block until background embedding has ended (True at once when there is none)."""
        return self._background is None or self._background.wait(timeout)

    @classmethod
    def from_directory(
        cls,
        directory: str | Path,
        cache_dir: str | Path | None = None,
        min_coverage: float = MIN_COVERAGE,
        embedder: Embedder | None = None,
        progress: Progress | None = None,
        embed_budget_seconds: float | None = DEFAULT_EMBED_BUDGET_SECONDS,
        background_embedding: bool = False,
        url_template: str | None = None,
    ) -> "Engine":
        """Load the articles in `directory` (CorpusError if any is bad; parsed once, then read
        from the cache; `url_template` links local files to their pages, see
        retrieval/source_links.py) and index them, keeping the index in `cache_dir` (None: the
        default cache directory); see `Engine`."""
        return cls(load_corpus_cached(directory, cache_dir, url_template), cache_dir, min_coverage, embedder, progress,
                   embed_budget_seconds, background_embedding)

    def save_vectors(self, path: str | Path) -> int:
        """Write the vectors of this corpus's sentences (and no others) to `path`,
        where `Engine` looks for vectors a corpus ships; returns how many were written."""
        if self.semantic is None:
            raise ValueError("no embedding model: there are no vectors to save")
        store = load_vector_store(self.corpus, self.semantic.identity, self._cache_dir)
        keys = [text_key(text) for text in self.semantic_texts()]
        store.save(path, only=keys)
        return len(set(keys))

    def semantic_texts(self) -> list[str]:
        """Every text the semantic index holds a vector of: the passages' sentences."""
        return sentence_texts(self.corpus, self.passages)[0]

    @property
    def articles(self) -> tuple[ArticleInfo, ...]:
        """What is known about each article, in corpus order."""
        return tuple(article.info for article in self.corpus.articles)

    def warm_up(self) -> None:
        """Load what the first questions would otherwise load (jieba's dictionary, OpenCC), so a
        server pays for it before going online, not while a user waits."""
        for question in ("What is it about?", "這篇文章講什麼？"):
            self.answer(question)

    def answer_page(self, question: str, page_size: int, offset: int, earlier: str | None = None) -> Answer:
        """The `page_size` hits after `offset` among the best PAGED_HITS for `question`, with
        `total_hits` counting them all: pages of one question never overlap and can say where
        they are ("4–6 of 9"). A declined question comes back as `answer` gives it."""
        every = self.answer(question, PAGED_HITS, earlier=earlier)
        if not every.answered:
            return every
        return replace(every, hits=every.hits[offset : offset + page_size], offset=offset,
                       has_more=offset + page_size < len(every.hits), total_hits=len(every.hits))

    def answer(self, question: str, top_k: int = DEFAULT_TOP_K, offset: int = 0, earlier: str | None = None) -> Answer:
        """Up to `top_k` hits for `question`, skipping the first `offset` (for "more results").
        `earlier`: the question whose answer this one replies to; a follow-up ("and in China?")
        is searched with it, and the Answer's question is the one searched."""
        question = question_to_search(question, earlier)
        prepared = prepare_question(question)
        lang = detect_language(prepared.text)
        if is_small_talk(prepared.text):
            return Answer(prepared.text, False, lang, truncated=prepared.truncated, small_talk=True)
        # The model embeds the question on its own thread while the words are matched here.
        pending = self._embed_in_background(prepared.text)
        tokens = tokenize(prepared.text)
        declined = decline_reason(prepared.text, tokens, self.index, lang.startswith("zh"), self.min_coverage,
                                  check_coverage=False)
        wanted = offset + top_k + 1
        closeness, ranked = None, []
        if not declined:
            depth = RERANK_DEPTH if pending is None else SEMANTIC_DEPTH
            ranked = self.index.search([t.term for t in tokens], max(depth, wanted * CANDIDATES_PER_HIT))
            closeness = self._closeness(pending)
            # A question the model finds very close to some sentence is not declined for using
            # words the articles lack: it may say in its own words what they say in theirs.
            if not strongly_close(closeness):
                declined = coverage_shortfall(tokens, self.index, self.min_coverage)
        if declined:
            log.debug("declined %r: %s", prepared.text[:80], declined)
            return Answer(prepared.text, False, lang, truncated=prepared.truncated, decline_reason=declined)

        candidates = self._ranked_candidates(prepared.text, tokens, lang, ranked, closeness)
        declined = self._unanswered_by(candidates, prepared.text, tokens, lang, closeness)
        if declined:
            log.debug("declined %r: %s", prepared.text[:80], declined)
            return Answer(prepared.text, False, lang, truncated=prepared.truncated, decline_reason=declined)
        hits = self._distinct_hits(candidates, wanted)
        return Answer(
            question=prepared.text,
            answered=True,
            lang=lang,
            hits=tuple(hits[offset : offset + top_k]),
            offset=offset,
            has_more=len(hits) > offset + top_k,
            truncated=prepared.truncated,
        )

    def _embed_in_background(self, question: str) -> Future | None:
        if self.semantic is None or self.embedder is None:
            return None
        return self._embedding_thread.submit(self.embedder.embed_queries, [question])

    def _closeness(self, pending: Future | None) -> Closeness | None:
        return None if pending is None else self.semantic.closeness(pending.result()[0])

    def _ranked_candidates(
        self, question: str, tokens: list[Token], lang: str, ranked: list[tuple[int, float]], closeness: Closeness | None
    ) -> list[Candidate]:
        """Passages worth quoting, best first, each with its excerpt: BM25's best (`ranked`, and,
        with the model, the closest passages of each language), the first `depth` re-ranked."""
        query_terms = [token.term for token in tokens]
        weights = {term: self.index.idf_of(term) or 0.0 for term in query_terms}
        total_weight = math.fsum(weights.values()) or 1.0
        depth = RERANK_DEPTH if closeness is None else SEMANTIC_DEPTH
        if closeness is not None:
            ranked, depth = with_nearest(ranked, closeness, lambda ids: self._lexical_scores(query_terms, ids))
        wants_number = wants_quantity(question)
        candidates = []
        for rank, (pid, score) in enumerate(ranked):
            passage = self.passages[pid]
            article = self.corpus.articles[passage.article]
            matches = self.tokens.matching(pid, weights)
            if not matches and closeness is None:
                continue
            bonus = seed_bonus(self.semantic, closeness, pid) if closeness and self.semantic else None
            excerpt = choose_excerpt(article.text, passage.start, passage.end, matches, weights, bonus=bonus,
                                     code=article.code_spans(passage.start, passage.end))
            quoted = {t.term for t in matches if excerpt.start <= t.start and t.end <= excerpt.end}
            coverage = math.fsum(weights[term] for term in quoted) / total_weight  # exact: set order can't matter
            # (With the model, the other language's handicap is applied once, in `blend`.)
            language = self._language_factor(passage, lang) if closeness is None else 1.0
            lexical = score * language * (COVERAGE_BASE + coverage)
            if wants_number and not states_quantity(excerpt.text, question):
                lexical *= NUMBERLESS_FACTOR
            candidates.append(Candidate(lexical, rank, pid, article, excerpt))

        reranked = sorted((c for c in candidates if c.rank < depth), key=Candidate.order)
        if closeness is not None and reranked:
            blend(reranked, closeness, lang)
            reranked.sort(key=Candidate.order)
        candidates = reranked + [c for c in candidates if c.rank >= depth]
        if not reranked:
            return candidates
        floor = reranked[0].score * MIN_SHARE_OF_BEST
        return [candidate for candidate in candidates if candidate.score >= floor]

    def _unanswered_by(
        self, candidates: list[Candidate], question: str, tokens: list[Token], lang: str, closeness: Closeness | None
    ) -> str | None:
        """Why the best candidate does not answer the question (decline rules 4 and 5), or None."""
        if not candidates:
            return "no passage holds the question's words"
        if self._loosely_related(tokens, lang, candidates[0], closeness):
            return "the best quote shares at most one of the question's words"
        if wants_quantity(question) and not states_quantity(candidates[0].excerpt.text, question):
            return "the question asks for a number or a date and the best quote states none"
        return None

    def _loosely_related(
        self, tokens: list[Token], lang: str, best: Candidate, closeness: Closeness | None
    ) -> bool:
        """Decline rule 4 (see retrieval/decline.py) for the best candidate, unless the model
        finds one of its sentences very close to the question."""
        if lang.startswith("zh") or best.article.info.lang.startswith("zh"):
            return False
        if strongly_close(closeness, best.passage):
            return False
        return loosely_related(tokens, self.tokens.terms_within(best.passage, best.excerpt.start, best.excerpt.end))

    def _distinct_hits(self, candidates: list[Candidate], wanted: int) -> list[Hit]:
        """Up to `wanted` hits, skipping excerpts that overlap one already taken."""
        hits: list[Hit] = []
        taken: dict[str, list[tuple[int, int]]] = {}
        for candidate in candidates:
            article, excerpt = candidate.article, candidate.excerpt
            spans = taken.setdefault(article.info.id, [])
            if any(excerpt.start < e and s < excerpt.end for s, e in spans):
                continue
            spans.append((excerpt.start, excerpt.end))
            hits.append(
                Hit(
                    article=article.info,
                    excerpt=excerpt.text,
                    highlights=excerpt.highlights,
                    score=candidate.score,
                    quote_url=quote_link(article, excerpt.text, excerpt.start),
                    section=self.passages[candidate.passage].section,
                    location=quote_location(article, excerpt.start),
                    code=excerpt.code,
                )
            )
            if len(hits) >= wanted:
                break
        return hits

    def _lexical_scores(self, query_terms: list[str], passages: list[int]) -> list[float]:
        scores = self.index.scores([term for term in query_terms if self.index.idf_of(term) is not None])
        return [float(scores[pid]) for pid in passages]

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
