"""What the code that walks every article of a collection needs of each (its info, what it
translates, the text of its detail lines), without its text: a warm start keeps these for all
the articles and reads an article's text only when a question quotes it
(retrieval/cache/lazy_articles.py)."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.answer import ArticleInfo


@dataclass(frozen=True)
class ArticleSummary:
    """One article without its text: `stated_details` is the text of each of its detail lines
    (`Article.details`), as the text has it."""

    info: ArticleInfo
    translation_of: str = ""
    stated_details: tuple[str, ...] = ()


def summarize(article) -> ArticleSummary:
    """The summary of an `Article` (retrieval/documents/corpus.py)."""
    return ArticleSummary(article.info, article.translation_of,
                          tuple(article.text[start:end] for start, end in article.details))
