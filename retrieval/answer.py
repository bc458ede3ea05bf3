"""The typed answer: the one contract between the engine and every front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ArticleInfo:
    """What a front end may show about an article (no text)."""

    id: str
    title: str
    publisher: str
    author: str
    published: str
    lang: str
    url: str | None
    # Where the article lives in its collection, relative to the collection's directory
    # ("src/ch16-03-shared-state.md"); "" when not read from a file.
    path: str = ""
    # The article's details as its text states them: the byline, dateline or source lines that
    # stand apart from the body ("10/09 2025 427 By Er Feng Source: Node Finance"), joined by " · ".
    details: str = ""

    @property
    def display_title(self) -> str:
        """The title, or the publisher when the title is unknown."""
        return self.title or self.publisher or self.id


@dataclass(frozen=True)
class Hit:
    """One quoted excerpt, where it comes from and how to link to it."""

    article: ArticleInfo
    excerpt: str
    highlights: tuple[tuple[int, int], ...]
    score: float
    quote_url: str | None
    # The headings above the quote, outermost first, joined by " › " ("" when none).
    section: str = ""
    # Where in its source the quote stands, for a reader without a link: "path:line" for a local
    # file, "path, page N" for a PDF; None when unknown.
    location: str | None = None
    # True when the excerpt is code (shown as code, never re-wrapped).
    code: bool = False
    # True when the hit answers a question about the article itself (who wrote it, which outlet,
    # when): `excerpt` is then the article's details line, not a quote of its body.
    about_article: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The hit as the JSON contract spells it."""
        return {
            "article_id": self.article.id,
            "title": self.article.display_title,
            "publisher": self.article.publisher or None,  # unknown is null, as for "url"
            "url": self.article.url,
            "quote_url": self.quote_url,
            "lang": self.article.lang,
            "excerpt": self.excerpt,
            "highlights": [list(span) for span in self.highlights],
            "score": round(self.score, 4),
            "section": self.section or None,
            "location": self.location,
            "code": self.code,
            "about_article": self.about_article,
        }


@dataclass(frozen=True)
class Answer:
    """The engine's reply to one question.

    `answered` is False when the articles do not hold the answer; `hits` is then empty.
    `small_talk` is True when the message was a greeting, thanks or a question about the bot
    itself (answered False too): a front end shows how to ask, not "the articles don't say".
    `lang` is the question's language ("en", "zh-Hant" or "zh-Hans"), for the reply's wording.
    `decline_reason` says why a question was declined (None when answered or small talk), for
    logs and the operator's feedback report; it is not part of the JSON contract.
    `truncated` is True when the question was longer than the engine reads and only its
    beginning was used. `has_more` tells whether asking again with a larger `offset`
    would give further hits. `total_hits`, set on a page of `Engine.answer_page`, counts the
    hits of every page, up to `engine.PAGED_HITS` (None when not counted); it is not part of the
    JSON contract either.
    """

    question: str
    answered: bool
    lang: str
    hits: tuple[Hit, ...] = field(default_factory=tuple)
    offset: int = 0
    has_more: bool = False
    truncated: bool = False
    small_talk: bool = False
    decline_reason: str | None = None
    total_hits: int | None = None
    uncertain: bool = False

    def to_dict(self, id: Any = None) -> dict[str, Any]:
        """The answer as the JSON contract spells it, with the caller's `id` echoed."""
        return {
            "id": id,
            "question": self.question,
            "answered": self.answered,
            "uncertain": self.uncertain,
            "truncated": self.truncated,
            "small_talk": self.small_talk,
            "hits": [hit.to_dict() for hit in self.hits],
        }
