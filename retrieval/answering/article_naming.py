"""Questions that name an article while asking about its content ("that 霞光社 piece", "the Node
Finance article", "what does Er Feng say about …").

An article is named by words of its outlet, author or details lines (`ArticleInfo.publisher`,
`.author`, `.details`, `Article.details`) that few articles' headers share (in English only
capitalised ones: an outlet or a person is written so; "focus" as a verb is not "Focus One"), and,
when the question speaks of an article ("piece", "article", "那篇"…), by such words of its title
or its file's name. Both scripts of Chinese meet through the tokenizer (OpenCC). A translation
(`Article.translation_of`) is named with its original, and the original with it.

The naming words are not what the quote must hold: outlet and author words, and the words for an
article ("piece", "那篇"), are taken out of the question's content terms (title words stay, since
titles restate their articles' words). In: the
question, its terms, the corpus. Out: `NamedArticles`, or None when the question names none.
Then `named_weight` weighs the fused ranking towards them, and `named_candidates` makes sure
their best passages are weighed at all.
"""

from __future__ import annotations

import math
import re
from pathlib import PurePosixPath
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from retrieval.answering.article_details import ARTICLE_NOUN, asks_which_article
from retrieval.answering.candidates import Candidate
from retrieval.documents.corpus import Corpus
from retrieval.index.bm25 import SearchIndex
from retrieval.index.passage_table import passage_articles
from retrieval.documents.passages import Passage
from retrieval.answering.question import QuestionTerms
from retrieval.answering.quotes import Quote
from retrieval.semantic.semantic_index import Closeness
from retrieval.text.tokenizer import Token, has_chinese, tokenize

# A header word shared by more than this share of the collection's articles (counting an article
# and its translations once) names none of them: "Sora" in every title, one outlet for all.
MAX_SHARE_NAMED = 0.5
# A title word names an article only when at most this many times as many articles' texts hold
# it as titles do.
TITLE_TEXT_SPREAD = 2
# Passages of articles the question does not name count this much in the ranking.
UNNAMED_FACTOR = 0.3
# Of each named article, its best passages by BM25 and by closeness weighed in any case.
NAMED_PASSAGES = 6


@dataclass(frozen=True)
class NamedArticles:
    """The articles a question names (positions in the corpus, translations included), the
    question's terms that name them, and the question's terms without the outlet and author ones."""

    articles: frozenset[int]
    naming_terms: frozenset[str]
    content: QuestionTerms


@dataclass(frozen=True, eq=False)
class ArticleHeaders:
    """Each article's naming terms (outlet, author, details) and title terms, its id, and its
    group (the position of the original of which it is a translation, or its own)."""

    byline: tuple[frozenset[str], ...]
    title: tuple[frozenset[str], ...]
    group: tuple[int, ...]
    groups: int
    position: dict[str, int]
    # The group of each passage's article.
    passage_group: np.ndarray
    # Which articles hold each byline and each title term, and the articles of each group: a
    # question looks its words up instead of going through every article (27k at 100k passages).
    byline_holders: dict[str, tuple[int, ...]]
    title_holders: dict[str, tuple[int, ...]]
    members: dict[int, tuple[int, ...]]


def name_articles(question: str, terms: QuestionTerms, headers: ArticleHeaders, index: SearchIndex) -> NamedArticles | None:
    """The articles `question` names (see the module's docstring; `headers` from
    `article_headers`, `index` the collection's), or None."""
    if headers.groups < 2:
        return None
    speaks_of_article = ARTICLE_NOUN.search(question) is not None
    scores: dict[int, float] = {}
    byline_terms: set[str] = set()
    title_terms: set[str] = set()
    candidates = [(token, True) for token in _naming_tokens(question, terms.tokens)]
    if speaks_of_article:
        candidates += [(token, False) for token in terms.tokens if len(token.term) >= 3 or has_chinese(token.term)]
    for token, is_byline in candidates:
        holding = headers.byline_holders if is_byline else headers.title_holders
        holders = {headers.group[i] for i in holding.get(token.term, ())}
        if not holders or len(holders) > MAX_SHARE_NAMED * headers.groups:
            continue
        # A title word many articles' texts use ("video") says what they are about, not which.
        if not is_byline and len(_groups_whose_text_holds(token.term, index, headers)) > min(
                MAX_SHARE_NAMED * headers.groups, TITLE_TEXT_SPREAD * len(holders)):
            continue
        rarity = math.log(headers.groups / len(holders)) + (1.0 if is_byline else 0.0)
        for i in sorted(i for group in holders for i in headers.members[group]):
            scores[i] = scores.get(i, 0.0) + rarity
        (byline_terms if is_byline else title_terms).add(token.term)
    if not scores:
        return None
    best = max(scores.values())
    named_groups = {headers.group[i] for i, score in scores.items() if score >= best * 0.999}
    named = frozenset(i for group in named_groups for i in headers.members[group])
    return NamedArticles(named, frozenset(byline_terms | title_terms), _without(terms, byline_terms | _article_nouns(question, terms)))


def content_terms(question: str, terms: QuestionTerms, named: NamedArticles | None) -> QuestionTerms:
    """The question's terms a quote should hold: without the words naming an article, and
    without the words for an article ("piece", "文章") when the question names one or asks which
    article says something (a passage saying "in the same article" answers neither)."""
    if named is not None:
        return named.content
    return _without(terms, _article_nouns(question, terms)) if asks_which_article(question) else terms


def _article_nouns(question: str, terms: QuestionTerms) -> set[str]:
    spans = [m.span() for m in ARTICLE_NOUN.finditer(question)]
    # Overlapping, not within: jieba may read "哪篇文章" as "哪" + "篇文章".
    return {t.term for t in terms.tokens if any(t.start < e and s < t.end for s, e in spans)}


def named_weight(named: NamedArticles | None, headers: ArticleHeaders) -> Callable[[Quote], float] | None:
    """The weight of a quote in the ranking: 1 for the named articles' passages, UNNAMED_FACTOR
    for the others (None when the question names no article: the ranking is left as it is)."""
    if named is None:
        return None
    return lambda quote: 1.0 if headers.position[quote.article.info.id] in named.articles else UNNAMED_FACTOR


def named_candidates(
    named: NamedArticles | None,
    passages: list[Passage],
    bm25: np.ndarray | None,
    closeness: Closeness | None,
    present: set[int],
    lexical_depth: int,
) -> list[Candidate]:
    """The best NAMED_PASSAGES passages of the named articles by BM25 (`bm25`: every passage's
    score for the content terms) and by closeness, that are not `present` already."""
    if named is None:
        return []
    own = np.flatnonzero(np.isin(passage_articles(passages), np.fromiter(named.articles, dtype=np.int64))).tolist()
    chosen: dict[int, Candidate] = {}
    if bm25 is not None:
        for rank, pid in enumerate(sorted(own, key=lambda p: -float(bm25[p]))[:NAMED_PASSAGES]):
            if float(bm25[pid]) > 0:
                chosen[pid] = Candidate(pid, float(bm25[pid]), lexical_depth + rank, None)
    if closeness is not None:
        meaning = dict(zip(own, closeness.passage_zs(own).tolist()))
        for rank, pid in enumerate(sorted(own, key=lambda p: -meaning[p])[:NAMED_PASSAGES]):
            score = float(bm25[pid]) if bm25 is not None else 0.0
            lexical = chosen[pid].lexical_rank if pid in chosen else None
            chosen[pid] = Candidate(pid, score, lexical, rank)
    return [c for pid, c in chosen.items() if pid not in present]


def _naming_tokens(question: str, tokens: tuple[Token, ...]) -> list[Token]:
    """The question's tokens that could name: Chinese words of two characters or more, and
    capitalised Latin-script words (or ones with digits) of two letters or more."""
    chosen = []
    for token in tokens:
        word = question[token.start : token.end]
        if has_chinese(word):
            if len(word) >= 2:
                chosen.append(token)
        elif len(word) >= 2 and (word[0].isupper() or any(c.isdigit() for c in word)):
            chosen.append(token)
    return chosen


def _without(terms: QuestionTerms, dropped: set[str]) -> QuestionTerms:
    if not dropped:
        return terms
    tokens = tuple(t for t in terms.tokens if t.term not in dropped)
    weights = {term: weight for term, weight in terms.weights.items() if term not in dropped}
    return replace(terms, tokens=tokens, weights=weights, total_weight=math.fsum(weights.values()) or 1.0)


def article_headers(corpus: Corpus, passages: list[Passage], segment_chinese: bool = True) -> ArticleHeaders:
    """The naming terms of each article of `corpus` (read once per collection), and the group
    of each of its `passages`. Without `segment_chinese`, Chinese is not cut into jieba's words
    (what a question without Chinese needs: it cannot name them, and jieba stays unloaded)."""
    articles = corpus.summaries  # what names an article is all in its summary: no text is read
    position = {article.info.id: i for i, article in enumerate(articles)}
    group = [position.get(article.translation_of, i) for i, article in enumerate(articles)]
    byline, title = [], []
    for article in articles:
        info = article.info
        stated = " · ".join(article.stated_details)
        byline.append(_terms(" · ".join((info.publisher, info.author, info.details, stated)), segment_chinese))
        # A file's name is how its owner calls it ("003-those-chasing-sora2.md"), often its title.
        title.append(_terms(f"{info.title} · {PurePosixPath(info.path).stem.replace('-', ' ').replace('_', ' ')}",
                            segment_chinese))
    passage_group = np.asarray(group, dtype=np.int64)[passage_articles(passages)]
    members: dict[int, list[int]] = {}
    for i, g in enumerate(group):
        members.setdefault(g, []).append(i)
    return ArticleHeaders(tuple(byline), tuple(title), tuple(group), len(set(group)), position, passage_group,
                          _holders(byline), _holders(title), {g: tuple(m) for g, m in members.items()})


def _holders(fields: list[frozenset[str]]) -> dict[str, tuple[int, ...]]:
    """For each term, the positions of the articles whose field holds it, ascending."""
    holders: dict[str, list[int]] = {}
    for i, held in enumerate(fields):
        for term in held:
            holders.setdefault(term, []).append(i)
    return {term: tuple(positions) for term, positions in holders.items()}


def _groups_whose_text_holds(term: str, index: SearchIndex, headers: ArticleHeaders) -> set[int]:
    t = index.term_ids.get(term)
    if t is None:
        return set()
    return set(np.unique(headers.passage_group[index.passage_ids[index.offsets[t] : index.offsets[t + 1]]]).tolist())


def _terms(text: str, segment_chinese: bool) -> frozenset[str]:
    return frozenset(token.term for token in tokenize(text, segment_chinese=segment_chinese))
