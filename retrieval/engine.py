"""The answer engine: a question in, an `Answer` of verbatim excerpts (or an honest no) out."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.answer import Answer, ArticleInfo, Hit
from retrieval.answering.answer_kind import wants_quantity
from retrieval.answering.candidates import LEXICAL_DEPTH, LEXICAL_DEPTH_SEMANTIC, Candidates, gather_candidates
from retrieval.documents.corpus import Corpus
from retrieval.cache.corpus_cache import load_corpus_cached
from retrieval.answering.answerability import Evidence, Outcome, load_model
from retrieval.answering.article_details import ArticleAnswer, answer_about_article, article_source, asks_which_article
from retrieval.answering.article_naming import NamedArticles, content_terms, name_articles, named_candidates, named_weight
from retrieval.answering.definitions import DEFINITION_DEPTH, DEFINITION_FACTOR, defined_subject, defines, defining_candidates, names_title
from retrieval.answering.decline import MIN_COVERAGE, coverage_shortfall, unknown_names, unreadable
from retrieval.answering.evidence import gather_evidence
from retrieval.semantic.embedder import Embedder
from retrieval.semantic.background_embedding import BackgroundEmbedding, EmbeddingProgress
from retrieval.answering.follow_up import question_to_search
from retrieval.answering.how_to import HOW_TO_CODE_FACTOR, asks_how_to, shows_how
from retrieval.cache.index_cache import embedding_progress_path, load_index, load_or_build_semantic_index, load_vector_store
from retrieval.text.language import detect_language, same_family
from retrieval.cache.naming_cache import build_article_headers, load_or_build_article_headers
from retrieval.answering.links import quote_url
from retrieval.answering.source_location import quote_link, quote_location
from retrieval.answering.question import MAX_QUESTION_CHARS, PreparedQuestion, QuestionTerms, prepare_question, question_terms
from retrieval.answering.quotes import Quote, quote_candidates
from retrieval.answering.ranking import OTHER_LANGUAGE_FACTOR, Ranked, lexical_evidence, rank_quotes
from retrieval.answering.section_evidence import SectionEvidence
from retrieval.semantic.semantic_index import Closeness, sentence_texts
from retrieval.answering.small_talk import is_small_talk
from retrieval.text.tokenizer import has_chinese
from retrieval.semantic.vector_store import EmbeddingNeedsMemory, EmbeddingTooSlow, Progress, text_key

__all__ = ["Engine", "MAX_QUESTION_CHARS", "PAGED_HITS", "DEFAULT_TOP_K", "PreparedQuestion", "prepare_question"]

log = logging.getLogger(__name__)

DEFAULT_TOP_K = 3
# "More" pages through at most this many hits of a question, all chosen at once.
PAGED_HITS = 30
# Passages fetched from the index per hit wanted: room for overlaps and language preference.
CANDIDATES_PER_HIT = 4

# Computing the vectors of a collection's sentences at start-up is worth at most this long
# (estimated before starting); larger collections are answered lexically until `python -m bot
# embed` has computed them.
DEFAULT_EMBED_BUDGET_SECONDS = 120.0
# The vectors written beside a corpus: read by whoever uses the articles, written by their owner.
SHIPPED_VECTORS_MODE = 0o644


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
        # The words naming each article, made with the index and cached beside it: see _article_headers.
        build_article_headers(corpus, self.passages, cache_dir)
        self._named_headers = {}
        self._translations = _translation_languages(corpus)
        self._sections = SectionEvidence(self.passages, self._heading_terms)
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
            except EmbeddingNeedsMemory as short:
                self.semantic_status = f"lexical only for these articles: {short}"

    def _embed_in_the_background(self, embedder: Embedder, progress: Progress | None) -> None:
        """Use the vectors already known (cached or shipped), or answer lexically while the
        missing ones are computed in the background."""
        # A bot warms up before going online anyway: what that loads (jieba's dictionary, 60 MB)
        # must be in memory before what fits beside it is counted.
        self.warm_up()
        try:  # a budget of 0: gather the known vectors, embed nothing (but count the memory as the background would)
            self.semantic = load_or_build_semantic_index(self.corpus, self.passages, embedder, self._cache_dir,
                                                         budget_seconds=0.0, low_priority=True)
            self.semantic_status = f"semantic re-ranking on ({embedder.identity})"
            return
        except EmbeddingTooSlow:
            pass
        except EmbeddingNeedsMemory as short:
            self.semantic_status = f"lexical only for these articles: {short}"
            return
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
        retrieval/documents/source_links.py) and index them, keeping the index in `cache_dir` (None: the
        default cache directory); see `Engine`."""
        corpus = load_corpus_cached(directory, cache_dir, url_template, with_model=embedder is not None)
        return cls(corpus, cache_dir, min_coverage, embedder, progress, embed_budget_seconds, background_embedding)

    def save_vectors(self, path: str | Path) -> int:
        """Write the vectors of this corpus's sentences (and no others) to `path`,
        where `Engine` looks for vectors a corpus ships; returns how many were written.
        The file is readable by everyone, as the articles beside it are meant to be: a
        container's own user reads them from a mounted directory (the temporary file the
        atomic write starts from is the owner's alone)."""
        if self.semantic is None:
            raise ValueError("no embedding model: there are no vectors to save")
        store = load_vector_store(self.corpus, self.semantic.identity, self._cache_dir)
        keys = [text_key(text) for text in self.semantic_texts()]
        store.save(path, only=keys)
        Path(path).chmod(SHIPPED_VECTORS_MODE)
        return len(set(keys))

    def semantic_texts(self) -> list[str]:
        """Every text the semantic index holds a vector of: the passages' sentences."""
        return sentence_texts(self.corpus, self.passages)[0]

    @property
    def articles(self) -> tuple[ArticleInfo, ...]:
        """What is known about each article, in corpus order."""
        return tuple(summary.info for summary in self.corpus.summaries)

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
        """Up to `top_k` hits for `question`, skipping the first `offset` (for "more results"):
        a confident answer, a "not sure" one (`uncertain`: the closest quotes), or a decline.
        `earlier`: the question whose answer this one replies to; a follow-up ("and in China?")
        is searched with it, and the Answer's question is the one searched."""
        question = question_to_search(question, earlier)
        prepared = prepare_question(question)
        lang = detect_language(prepared.text)
        if is_small_talk(prepared.text):
            return Answer(prepared.text, False, lang, truncated=prepared.truncated, small_talk=True)
        found = self.assess(prepared, lang, offset + top_k + 1)
        if isinstance(found, str):
            return self._declined(prepared, lang, found)
        verdict = load_model(self.semantic.identity if found.semantic else None).judge(found.evidence)
        hits = self._distinct_hits(found.ranked, offset + top_k + 1)
        if found.about is not None:
            hits = [self._about_hit(found.about)] + (hits if verdict.outcome is not Outcome.DECLINE else [])
        else:
            # A question no passage shares a word with is about something else, whatever the
            # model finds nearest; an operator may also ask for a floor on the words held.
            lexical = any(r.quote.candidate.lexical_rank is not None for r in found.ranked)
            floor = coverage_shortfall(found.evidence.collection_coverage, self.min_coverage)
            if not hits or not lexical:
                return self._declined(prepared, lang, "no passage holds the question's words")
            if floor or verdict.outcome is Outcome.DECLINE:
                return self._declined(prepared, lang, floor or self._why(prepared.text, lang, found, verdict))
            if asks_which_article(prepared.text) and verdict.outcome is Outcome.CONFIDENT:
                # "Which article says …": the best quote's article, shown by its details, then the
                # quote (a "not sure" answer shows only the closest quotes: no article is named).
                hits = [self._about_hit(article_source(found.ranked[0].quote.article))] + hits
        log.debug("%r: %s", prepared.text[:80], verdict.reason())
        return Answer(
            question=prepared.text,
            answered=True,
            lang=lang,
            hits=tuple(hits[offset : offset + top_k]),
            offset=offset,
            has_more=len(hits) > offset + top_k,
            truncated=prepared.truncated,
            uncertain=found.about is None and verdict.outcome is Outcome.NOT_SURE,
        )

    def assess(self, prepared: PreparedQuestion, lang: str, wanted: int = DEFAULT_TOP_K + 1) -> "Assessment | str":
        """The stages up to the answerability score for a prepared question: its candidates
        (candidates.py), each one's excerpt (quotes.py), the fused ranking (ranking.py), the
        evidence for the score (evidence.py) and, for a question about an article itself, its
        details (article_details.py). A string says why it cannot be searched at all."""
        # The model embeds the question on its own thread while the words are matched here.
        pending = self._embed_in_background(prepared.text)
        terms = question_terms(prepared.text, self.index)
        refused = unreadable(terms.tokens)
        if refused:
            if pending is not None:
                pending.result()  # the model's thread stays in step with the questions
            return refused
        closeness = self._closeness(pending)
        # A question naming an article ("that 霞光社 piece") searches its content words in it first.
        headers = self._article_headers(has_chinese(prepared.text))
        named = name_articles(prepared.text, terms, headers, self.index)
        content = content_terms(prepared.text, terms, named)
        subject = defined_subject(prepared.text)
        candidates = self._candidates(content, closeness, wanted, named, subject)
        head, tail = (quote_candidates(group, prepared.text, content, self.corpus, self.passages, self.tokens.matching,
                                       closeness, keep_unmatched=closeness is not None,
                                       title_terms=lambda article: headers.title[headers.position[article.info.id]])
                      for group in (candidates.head, candidates.tail))
        wants_number = wants_quantity(prepared.text)
        how_to = asks_how_to(prepared.text)
        lexical = {q.candidate.passage: lexical_evidence(q, wants_number, self._language_factor(q, lang, closeness))
                   * self._structure_factor(q, terms, subject, how_to) for q in head + tail}
        ranked = rank_quotes(head, tail, lexical, closeness, lang, weight=named_weight(named, headers),
                             in_question_language=lambda pid: self._in_language(pid, lang))
        evidence = gather_evidence(prepared.text, content, lang, ranked, closeness, self.index)
        about = answer_about_article(prepared.text, terms, lang, self.corpus, ranked[0].quote.article if ranked else None)
        return Assessment(content, ranked, evidence, about, closeness is not None, named)

    def _candidates(self, terms: QuestionTerms, closeness: Closeness | None, wanted: int,
                    named: NamedArticles | None, subject: tuple[str, ...]) -> Candidates:
        """BM25's and the model's candidates (candidates.py), the passages defining what a
        definitional question asks about (definitions.py), and the named articles' best passages."""
        candidates = gather_candidates(self.index, terms.terms, closeness, wanted * CANDIDATES_PER_HIT,
                                       lambda ids: self._lexical_scores(terms.terms, ids))
        if subject:
            candidates = self._with_definitions(candidates, terms, subject)
        if named is None:
            return candidates
        known = [term for term in terms.terms if self.index.idf_of(term) is not None]
        bm25 = self.index.scores(known) if known else None
        present = {c.passage for c in candidates.head + candidates.tail}
        depth = LEXICAL_DEPTH if closeness is None else LEXICAL_DEPTH_SEMANTIC
        extra = named_candidates(named, self.passages, bm25, closeness, present, depth)
        return Candidates(candidates.head + tuple(extra), candidates.tail)

    def _with_definitions(self, candidates: Candidates, terms: QuestionTerms, subject: tuple[str, ...]) -> Candidates:
        def passage_text(pid: int) -> tuple[str, int, int]:
            passage = self.passages[pid]
            return self.corpus.articles[passage.article].text, passage.start, passage.end

        present = {c.passage for c in candidates.head + candidates.tail}
        found = defining_candidates(self.index.search(terms.terms, DEFINITION_DEPTH), present, subject, passage_text,
                                    lambda pid: self.tokens.matching(pid, terms.weights))
        return Candidates(candidates.head + tuple(found), candidates.tail) if found else candidates

    @staticmethod
    def _about_hit(about: ArticleAnswer) -> Hit:
        info = about.article.info
        link = quote_url(info.url, about.excerpt) if about.from_text else info.url
        return Hit(article=info, excerpt=about.excerpt, highlights=about.highlights, score=1.0, quote_url=link,
                   about_article=True)

    def _why(self, question: str, lang: str, found: "Assessment", verdict) -> str:
        """The score, and what weighed most against it, for logs and the operator's report."""
        parts = [verdict.reason()]
        names = unknown_names(question, list(found.terms.tokens), self.index, lang.startswith("zh"))
        if names:
            parts.append(f"the articles never mention {names[0]!r}")
        if found.evidence.collection_coverage < 0.5:
            parts.append(f"only {found.evidence.collection_coverage:.0%} of the question's weight is in the articles")
        return "; ".join(parts)

    def _declined(self, prepared: PreparedQuestion, lang: str, reason: str) -> Answer:
        log.debug("declined %r: %s", prepared.text[:80], reason)
        return Answer(prepared.text, False, lang, truncated=prepared.truncated, decline_reason=reason)

    def _article_headers(self, segment_chinese: bool):
        """The words naming each article (its title, outlet, author, details), with Chinese cut
        into words only for a question holding Chinese (the others cannot name by Chinese words),
        read from the cache at the first question that needs them."""
        if segment_chinese not in self._named_headers:
            self._named_headers[segment_chinese] = load_or_build_article_headers(
                self.corpus, self.passages, segment_chinese, self._cache_dir)
        return self._named_headers[segment_chinese]

    def _embed_in_background(self, question: str) -> Future | None:
        if self.semantic is None or self.embedder is None:
            return None
        return self._embedding_thread.submit(self.embedder.embed_queries, [question])

    def _closeness(self, pending: Future | None) -> Closeness | None:
        return None if pending is None else self.semantic.closeness(pending.result()[0])

    def _distinct_hits(self, ranked: list[Ranked], wanted: int) -> list[Hit]:
        """Up to `wanted` hits, skipping excerpts that overlap one already taken."""
        hits: list[Hit] = []
        taken: dict[str, list[tuple[int, int]]] = {}
        for item in ranked:
            article, excerpt = item.quote.article, item.quote.excerpt
            spans = taken.setdefault(article.info.id, [])
            if any(excerpt.start < e and s < excerpt.end for s, e in spans):
                continue
            spans.append((excerpt.start, excerpt.end))
            hits.append(
                Hit(
                    article=article.info,
                    excerpt=excerpt.text,
                    highlights=excerpt.highlights,
                    score=item.score,
                    quote_url=quote_link(article, excerpt.text, excerpt.start),
                    section=self.passages[item.quote.candidate.passage].section,
                    location=quote_location(article, excerpt.start),
                    code=excerpt.code,
                )
            )
            if len(hits) >= wanted:
                break
        return hits

    def _lexical_scores(self, query_terms: list[str], passages: list[int]) -> list[float]:
        if not passages:
            return []
        scores = self.index.scores([term for term in query_terms if self.index.idf_of(term) is not None])
        return [float(scores[pid]) for pid in passages]

    def _structure_factor(self, quote: Quote, terms: QuestionTerms, subject: tuple[str, ...], how_to: bool) -> float:
        """What the document's structure says of a quote: it opens the section the question
        names (section_evidence.py), it defines what a definitional question asks about
        (definitions.py), and for a question asking how, it shows code, while a section's
        opening counts nothing more (how_to.py)."""
        pid = quote.candidate.passage
        excerpt = quote.excerpt
        if how_to:
            code = quote.article.code_spans(excerpt.start, excerpt.end) if excerpt.code else []
            factor = HOW_TO_CODE_FACTOR if shows_how(excerpt.start, excerpt.code, code) else 1.0
        else:
            factor = self._sections.factor(pid, terms.weights, terms.total_weight)
        if subject and (defines(quote.article.text, excerpt.start, excerpt.end, self.tokens.matching(pid, terms.weights), subject)
                        or (self._leads_article(pid) and names_title(subject, quote.article.info.title))):
            factor *= DEFINITION_FACTOR
        return factor

    def _heading_terms(self, pid: int, weights: dict[str, float]) -> set[str]:
        """Which of `weights`' terms the heading right above passage `pid` holds."""
        start = self.passages[pid].start
        return {token.term for token in self.tokens.matching(pid, weights) if token.end <= start}

    def _leads_article(self, pid: int) -> bool:
        """Whether passage `pid` is its article's first."""
        return pid == 0 or self.passages[pid - 1].article != self.passages[pid].article

    def _in_language(self, pid: int, lang: str) -> bool:
        """Whether passage `pid`'s article is in `lang`, or has a translation in it."""
        article = self.corpus.summaries[self.passages[pid].article]  # its text is not needed
        return same_family(article.info.lang, lang) or any(
            same_family(other, lang) for other in self._translations.get(article.info.id, ()))

    def _language_factor(self, quote: Quote, lang: str, closeness: Closeness | None) -> float:
        """Without the model, a translation whose original is in the question's language counts
        OTHER_LANGUAGE_FACTOR less (with the model, ranking.py weighs languages)."""
        article = quote.article
        if closeness is not None or same_family(article.info.lang, lang):
            return 1.0
        siblings = self._translations.get(article.info.id, ())
        return OTHER_LANGUAGE_FACTOR if any(same_family(other, lang) for other in siblings) else 1.0


@dataclass(frozen=True)
class Assessment:
    """What the stages found for one question, before its outcome is decided."""

    terms: QuestionTerms
    ranked: list[Ranked]
    evidence: Evidence
    about: ArticleAnswer | None
    semantic: bool
    # The articles the question names, whose passages the ranking prefers (None: it names none).
    named: NamedArticles | None = None


def _translation_languages(corpus: Corpus) -> dict[str, tuple[str, ...]]:
    """For each article, the languages of the articles that are translations of it (or it of)."""
    by_id = {article.info.id: article for article in corpus.summaries}
    pairs: dict[str, list[str]] = {}
    for article in corpus.summaries:
        original = by_id.get(article.translation_of)
        if original is not None:
            pairs.setdefault(article.info.id, []).append(original.info.lang)
            pairs.setdefault(original.info.id, []).append(article.info.lang)
    return {key: tuple(value) for key, value in pairs.items()}
