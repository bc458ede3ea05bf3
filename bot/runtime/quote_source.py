"""Where a quote comes from, as every front end shows it: the article's title with the section
the quote stands in, the facts known about the article, and, when there is no link, the place
in the collection where a reader finds the quote. Plain text: each renderer escapes it."""

from __future__ import annotations

from retrieval import ArticleInfo, Hit

SECTION_SEPARATOR = " › "


def section_headings(hit: Hit) -> list[str]:
    """The headings above the quote, outermost first, without one that repeats the article's
    title (a chapter's first heading is usually its title): said once, not twice."""
    headings = [part.strip() for part in hit.section.split(SECTION_SEPARATOR) if part.strip()]
    if headings and headings[0] == hit.article.display_title.strip():
        headings = headings[1:]
    return headings


def titled_section(hit: Hit) -> str:
    """The title, then the headings above the quote: "Fearless Concurrency › Shared-State Concurrency"."""
    return SECTION_SEPARATOR.join([hit.article.display_title, *section_headings(hit)])


def hit_link(hit: Hit) -> str | None:
    """The link to the quote (a text fragment), else to its article; None without a URL."""
    return hit.quote_url or hit.article.url


def place_without_link(hit: Hit) -> str | None:
    """Where to find the quote when it has no link: its location in the source ("src/ch16.md:42",
    "report.pdf, page 3"), else the article's path in the collection, else its id. None when
    there is a link: then the link says where."""
    if hit_link(hit):
        return None
    return hit.location or hit.article.path or hit.article.id


def article_file(article: ArticleInfo) -> str | None:
    """For the list of sources: the article's file in the collection when it has no link (a
    reader can open it there); None with a link, or when it was not read from a file."""
    return None if article.url else article.path or None


def article_facts(article: ArticleInfo, with_author: bool = False) -> list[str]:
    """The publisher (unless it stands in for the title), the author when asked for, the date."""
    facts = []
    if article.publisher and article.publisher != article.display_title:
        facts.append(article.publisher)
    if with_author and article.author:
        facts.append(article.author)
    if article.published:
        facts.append(article.published)
    return facts


def code_lines(excerpt: str) -> list[str]:
    """A code excerpt's lines as they stand (line ends of any kind; trailing blank lines dropped)."""
    return excerpt.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
