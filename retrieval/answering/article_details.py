"""Questions about the articles themselves: who wrote one, which outlet published it, when.

Such a question is answered from what is known of the article, never invented: the details the
text states (its byline, dateline or "Source:" lines, as the collection's parser found them:
`Article.details`), or else the article's
header fields (author, publisher, published). The article meant is the one whose title, outlet,
author and details share the most of the question's weight (the question's language first on
a tie, then the article of the best quote). In: the question, its terms, the corpus, the best
quote's article; out: an `ArticleAnswer`, or None when the question is not about an article or no
article states what it asks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from retrieval.documents.article_summaries import ArticleSummary
from retrieval.documents.corpus import DETAILS_SEPARATOR, Article, Corpus
from retrieval.text.language import same_family
from retrieval.answering.question import QuestionTerms
from retrieval.text.tokenizer import tokenize

# What a question asks about an article, by the header field that answers it. 作者 is the author
# only as a word of its own: 創作者 (creator), 工作者 (worker), 合作者 (partner) are people in the text.
_ASKS = {
    "author": re.compile(
        r"\b(?:who\s+(?:wrote|writes|authored|edited|penned|is\s+the\s+(?:author|writer|editor))|written\s+by|"
        r"authored\s+by|edited\s+by|(?:the\s+)?(?:author|writer|editor|byline)s?\s+(?:of|for)|whose\s+(?:article|piece|story))\b"
        r"|(?<![創创工合操協协])作者|誰寫|谁写|誰撰|谁撰|編輯是|编辑是|撰稿",
        re.IGNORECASE,
    ),
    "publisher": re.compile(
        r"\b(?:which|what)\s+(?:outlet|publication|publisher|site|website|magazine|newspaper|media|source)\s+"
        r"(?:published|ran|posted|carried|put\s+out)|\bwho\s+published|\bpublished\s+by|\bpublisher\s+of"
        r"|哪(?:家|個|个)(?:媒體|媒体|網站|网站|出版)|出處|出处|來源是|来源是|發表在|发表在|刊登在",
        re.IGNORECASE,
    ),
    "published": re.compile(
        r"\b(?:when\s+(?:was|were|did)\b.{0,80}\b(?:published|posted|come\s+out|came\s+out|written|dated)|"
        r"(?:what|which)\s+(?:date|day)\b.{0,80}\b(?:published|posted|dated|written)|publication\s+date|date\s+of\s+publication)"
        r"|什麼時候(?:發布|發表|刊登)的|什么时候(?:发布|发表|刊登)的|何時(?:發布|發表)|何时(?:发布|发表)|發布日期|发布日期|發表日期|发表日期",
        re.IGNORECASE,
    ),
}
# Words by which a question speaks of an article. "When was … published" asks about one only when
# it says so ("the Node Finance piece"), since products are published and released too;
# article_naming.py lets title words name an article only then.
ARTICLE_NOUN = re.compile(
    r"\b(?:article|piece|story|post|report|write-?up|deep[- ]dive|column|essay|interview)s?\b"
    r"|文章|報導|报道|報道|那篇|這篇|这篇|該文|该文",
    re.IGNORECASE,
)
# "Which article says …": the answer is the article of the best quote, shown with its details,
# then the quote; it holds only when a quote says it.
_WHICH_ARTICLE = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+){0,2}?(?:article|piece|story|post|report|write-?up|outlet|publication|source)s?\b"
    r".{0,60}?\b(?:says?|said|mentions?|mentioned|reports?|reported|claims?|claimed|states?|stated|describes?|"
    r"described|covers?|covered|discuss(?:es|ed)?|argues?|argued|notes?|noted|quotes?|quoted|cites?|cited|"
    r"compares?|compared|calls?|called|explains?|explained|talks?\s+about|writes?\s+(?:about|that))\b"
    r"|\bin\s+(?:which|what)\s+(?:article|piece|story|report)\b"
    r"|哪(?:一)?篇(?:文章|報導|报道|報道)?(?:裡|里|中)?(?:說|说|提到|提及|寫|写|報導|报道|講|讲|談|谈|指出|認為|认为)"
    r"|哪(?:家|個|个)(?:媒體|媒体|網站|网站)(?:說|说|提到|提及|報導|报道|指出)",
    re.IGNORECASE,
)
# A header answer joins its fields as an article's details lines are joined, so one split reads both.
FIELD_SEPARATOR = DETAILS_SEPARATOR


@dataclass(frozen=True)
class ArticleAnswer:
    """The article a question is about, the details line that answers it, and whether that
    line is quoted from the text (`from_text`) or made of the header fields."""

    article: Article
    field: str
    excerpt: str
    highlights: tuple[tuple[int, int], ...]
    from_text: bool


def asked_field(question: str) -> str | None:
    """"author", "publisher" or "published" when the question asks that of an article, else None."""
    for field, pattern in _ASKS.items():
        if pattern.search(question) and (field != "published" or ARTICLE_NOUN.search(question)):
            return field
    return None


def asks_which_article(question: str) -> bool:
    """Whether the question asks which article says something (answered by that article's
    details and the quote that says it)."""
    return _WHICH_ARTICLE.search(question) is not None


def article_source(article: Article) -> ArticleAnswer:
    """The details line showing which article a quote comes from (field "article"): the first
    details line the text states, verbatim (whitespace folded), or else the header fields."""
    if article.details:
        start, end = article.details[0]
        return ArticleAnswer(article, "article", " ".join(article.text[start:end].split()), (), True)
    info = article.info
    parts = [part for part in (info.title, info.author, info.publisher, info.published) if part]
    return ArticleAnswer(article, "article", FIELD_SEPARATOR.join(parts) or info.id, (), False)


def answer_about_article(
    question: str, terms: QuestionTerms, lang: str, corpus: Corpus, best_article: Article | None
) -> ArticleAnswer | None:
    """The details answering a question about an article (see the module's docstring), or None."""
    field = asked_field(question)
    if field is None:
        return None
    # The articles' summaries hold all the choice needs: only the chosen article's text is read.
    best_id = best_article.info.id if best_article is not None else None
    stating = [(position, summary) for position, summary in enumerate(corpus.summaries)
               if getattr(summary.info, field) or _details_text(summary)]
    if not stating:
        return None
    position, _ = max(stating, key=lambda item: (_header_match(item[1], terms), same_family(item[1].info.lang, lang),
                                                 item[1].info.id == best_id))
    article = corpus.articles[position]
    value = getattr(article.info, field)
    line = _stating_line(article, field, value)
    if line is not None:
        return ArticleAnswer(article, field, line, _highlight(line, value), True)
    if not value:
        return None
    parts = [part for part in (article.info.author, article.info.publisher, article.info.published) if part]
    excerpt = FIELD_SEPARATOR.join(parts)
    return ArticleAnswer(article, field, excerpt, _highlight(excerpt, value), False)


def _header_match(article: ArticleSummary, terms: QuestionTerms) -> float:
    """The question's weight that the article's title, outlet, author and details hold."""
    info = article.info
    header = " ".join((info.title, info.publisher, info.author, info.details, _details_text(article)))
    held = {token.term for token in tokenize(header)}
    return math.fsum(weight for term, weight in terms.weights.items() if term in held)


def _details_text(article: ArticleSummary) -> str:
    """The details lines the text states (found by the collection's parser: `Article.details`),
    whitespace folded and joined by " · "."""
    if article.stated_details:
        return FIELD_SEPARATOR.join(" ".join(line.split()) for line in article.stated_details)
    return " ".join(article.info.details.split())


def _stating_line(article: Article, field: str, value: str) -> str | None:
    """The details line of the text that states the field, verbatim (whitespace folded): the
    one that mentions the header's value, else, with no header value, the one shaped like such
    a line (a date, "By …", "Source: …"). None when no line states it."""
    lines = [" ".join(article.text[s:e].split()) for s, e in article.details]
    if not lines and article.info.details:
        lines = [" ".join(part.split()) for part in article.info.details.split(FIELD_SEPARATOR)]
    if value:
        return next((line for line in lines if _mentions(line, value, field)), None)
    return next((line for line in lines if _LINE_SHAPES[field].search(line)), None)


# What a details line stating each field looks like, for an article whose header lacks it.
_LINE_SHAPES = {
    "author": re.compile(r"^(?:by|written by|author|text)\b|作者|撰文|記者|记者|編輯|编辑|文／|文/", re.IGNORECASE),
    "publisher": re.compile(r"^(?:source|via|from|published by)\b|來源|来源|出處|出处", re.IGNORECASE),
    "published": re.compile(r"\d{4}|\d{1,2}/\d{1,2}"),
}


def _mentions(details: str, value: str, field: str) -> bool:
    """Whether the details line states the field (a date counts when its year is there)."""
    if field == "published":
        year = re.search(r"\d{4}", value)
        return year is not None and year.group() in details
    names = [part for part in re.split(r"[()（）,，]| from | reposted by | editor ", value) if len(part.strip()) >= 2]
    return any(part.strip().lower() in details.lower() for part in names[:1])


def _highlight(text: str, value: str) -> tuple[tuple[int, int], ...]:
    """The span of the field's value (or of its first part) in `text`, if it is there."""
    for candidate in (value, re.split(r"\s*[(（,，]", value)[0]):
        at = text.find(candidate) if candidate else -1
        if at >= 0:
            return ((at, at + len(candidate)),)
    return ()
