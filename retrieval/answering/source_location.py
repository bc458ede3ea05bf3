"""Where a quote stands in its source, for a reader without a link, and the link that opens it
there: a PDF's page ("report.pdf, page 3", and `#page=3`, which PDF viewers open at that page), or
a local file's line ("src/ch16-03-shared-state.md:42") when the file has no address."""

from __future__ import annotations

from retrieval.documents.corpus import Article
from retrieval.documents.extracted_article import page_at
from retrieval.answering.links import quote_url


def quote_location(article: Article, start: int) -> str | None:
    """Where the quote starting at offset `start` of `article`'s text stands: "path, page N" in
    a PDF; "path:line" in a file without an address (a reader has no link to follow); else None."""
    page = page_at(article.page_starts, start)
    if page is not None:
        return f"{article.info.path or article.info.id}, page {page}"
    if article.info.url or not article.info.path:
        return None
    line = article.source_line(start)
    return f"{article.info.path}:{line}" if line is not None else article.info.path


def quote_link(article: Article, excerpt: str, start: int) -> str | None:
    """The address that opens `article` at the quote `excerpt` (starting at offset `start`): a
    PDF at its page (viewers do not find text fragments in a PDF), a page at the highlighted
    quote. None when the article has no address."""
    page = page_at(article.page_starts, start)
    if page is not None and article.info.url:
        return f"{article.info.url.split('#')[0]}#page={page}"
    return quote_url(article.info.url, excerpt)
