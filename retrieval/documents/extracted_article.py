"""What a reader of a web page or a PDF makes of it: the text as a reader sees it, and its details.

Both readers (`retrieval/documents/html_articles.py`, `retrieval/documents/pdf_articles.py`) return this record. The
corpus turns it into an `Article`: a PDF's text is `text` unchanged; a web page's `markdown` is read
as a Markdown file is, so its headings stay headings (and are never quoted). Either way a quote is
verbatim from the extracted text.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractedArticle:
    """One extracted article.

    `text` holds the body as a reader sees it: blocks (paragraphs, headings, list items, table
    rows, code) separated by blank lines, the title left out. Unknown details are "" (`url` None).
    `markdown` is the same body written as Markdown ("" when the reader has none, as for PDFs).
    `page_starts` is, for a PDF, the offset in `text` where each page starts (page 1 first).
    """

    text: str
    title: str = ""
    author: str = ""
    published: str = ""
    publisher: str = ""
    url: str | None = None
    markdown: str = ""
    page_starts: tuple[int, ...] = ()


def page_at(page_starts: tuple[int, ...], offset: int) -> int | None:
    """The page number (from 1) holding `offset` in a text whose pages start at `page_starts`;
    None when the text has no pages."""
    if not page_starts:
        return None
    return max(1, bisect_right(page_starts, offset))
