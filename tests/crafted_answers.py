"""Answers as the engine of answers v3 gives them (not sure, about the article, code, a quote with
a location and no link), built by hand, and a small engine that gives them to a bot under test.

The real engine decides when an answer is uncertain or a hit is code; the front ends only render
what they are given, so their tests build the Answer they render.
"""

from __future__ import annotations

from dataclasses import replace

from retrieval import Answer, ArticleInfo, Hit

# A chapter of a Markdown book read from a local folder: no URL, a path and line for each quote.
BOOK_CHAPTER = ArticleInfo(
    id="src/ch16-03-shared-state", title="Fearless Concurrency", publisher="", author="", published="",
    lang="en", url=None, path="src/ch16-03-shared-state.md",
)
# A news article with a link and a stated byline and dateline.
NEWS_ARTICLE = ArticleInfo(
    id="000", title="Sora 2 Release: Tool, Toy, or Industry Disruptor?", publisher="Node Finance",
    author="Er Feng", published="2025-10-09", lang="en", url="https://example.org/sora-2-release",
    path="000-sora-2-release.md", details="10/09 2025 · By Er Feng · Source: Node Finance",
)
NEWS_ARTICLE_ZH = replace(NEWS_ARTICLE, id="001", title="「Sora 2」發布：工具、玩具，還是產業顛覆者？", lang="zh-Hant",
                          url="https://example.org/sora-2-release-zh")

MUTEX_QUOTE = "Mutex is an abbreviation for mutual exclusion, as in a mutex allows only one thread to access some data."
MUTEX_CODE = "use std::sync::Mutex;\n\nfn main() {\n    let m = Mutex::new(5);\n    println!(\"m = {m:?} <ok> & `done`\");\n}"
CAMEO_QUOTE = "Cameo lets people put themselves into any scene after a one-time recording."
CAMEO_QUOTE_ZH = "Cameo 功能讓使用者錄製一次後，就能把自己放進任何場景。"


# What a user asks, in each language, and the words every front end shows for an answer it is not
# sure of and for a declined one (the English and Chinese of bot/runtime/messages.py, written out here so
# that a change of wording shows up in the tests).
NOT_SURE = {
    "en": "The articles may not answer this directly; the closest passages:",
    "zh-Hant": "文章可能沒有直接回答這個問題；以下是最接近的段落：",
    "zh-Hans": "文章可能没有直接回答这个问题；以下是最接近的段落：",
}
SORRY = {"en": "Sorry, the articles I know don't answer that.", "zh-Hant": "抱歉，我手上的文章沒有回答這個問題。",
         "zh-Hans": "抱歉，我手上的文章没有回答这个问题。"}
CONFIDENT = {"en": "What does Cameo do?", "zh-Hant": "Cameo 是什麼功能？", "zh-Hans": "Cameo 是什么功能？"}
UNSURE = {"en": "Is Cameo popular with teachers?", "zh-Hant": "老師喜歡 Cameo 嗎？", "zh-Hans": "老师喜欢 Cameo 吗？"}
OFF_TOPIC = {"en": "How do I bake bread?", "zh-Hant": "怎麼烤麵包？", "zh-Hans": "怎么烤面包？"}


def located_hit(excerpt: str = MUTEX_QUOTE, line: int = 42) -> Hit:
    """A quote from the local chapter: its section, and "path:line" for a reader without a link."""
    start = excerpt.find("mutex")
    return Hit(BOOK_CHAPTER, excerpt, ((start, start + 5),) if start >= 0 else (), 1.0, None,
               section="Fearless Concurrency › Shared-State Concurrency",
               location=f"{BOOK_CHAPTER.path}:{line}")


def code_hit(excerpt: str = MUTEX_CODE) -> Hit:
    """A code block quoted from the local chapter."""
    return Hit(BOOK_CHAPTER, excerpt, (), 0.9, None, section="Fearless Concurrency › Using Mutexes",
               location=f"{BOOK_CHAPTER.path}:57", code=True)


def details_hit(article: ArticleInfo = NEWS_ARTICLE) -> Hit:
    """The article itself as the answer to "who wrote…": its details line, not a body quote."""
    return Hit(article, article.details, ((article.details.find("Er Feng"), article.details.find("Er Feng") + 7),),
               1.0, article.url, about_article=True)


def quote_hit(article: ArticleInfo = NEWS_ARTICLE, excerpt: str = CAMEO_QUOTE) -> Hit:
    """An ordinary quote with a link."""
    return Hit(article, excerpt, ((0, 5),), 1.0, f"{article.url}#:~:text=Cameo")


def quote_for(lang: str) -> Hit:
    """The Cameo quote with a link, from the English article or from the Chinese one."""
    return quote_hit(NEWS_ARTICLE, CAMEO_QUOTE) if lang == "en" else quote_hit(NEWS_ARTICLE_ZH, CAMEO_QUOTE_ZH)


def confident(question: str, lang: str, *hits: Hit) -> Answer:
    return Answer(question, True, lang, tuple(hits))


def not_sure(question: str, lang: str, *hits: Hit) -> Answer:
    return Answer(question, True, lang, tuple(hits), uncertain=True)


def declined(question: str, lang: str) -> Answer:
    return Answer(question, False, lang, decline_reason="crafted: not in the articles")


class ScriptedEngine:
    """Stands in for `retrieval.Engine` in a bot under test: each question gets the Answer it was
    given (paged as the engine pages), any other question is declined in English. `earlier` (a
    follow-up's earlier question) is taken as the engine takes it, and ignored: the script is
    keyed by the question alone."""

    def __init__(self, answers: dict[str, Answer], articles: tuple[ArticleInfo, ...] = (NEWS_ARTICLE, BOOK_CHAPTER)):
        self._answers = answers
        self._articles = articles

    @property
    def articles(self) -> tuple[ArticleInfo, ...]:
        return self._articles

    def warm_up(self) -> None:
        return None

    def embedding_progress(self) -> None:
        return None  # no vectors being computed in the background

    def answer(self, question: str, top_k: int = 3, offset: int = 0, earlier: str | None = None) -> Answer:
        every = self._answer(question)
        if not every.answered:
            return every
        return replace(every, hits=every.hits[offset:offset + top_k], offset=offset,
                       has_more=offset + top_k < len(every.hits))

    def answer_page(self, question: str, page_size: int, offset: int, earlier: str | None = None) -> Answer:
        every = self._answer(question)
        if not every.answered:
            return every
        return replace(every, hits=every.hits[offset:offset + page_size], offset=offset,
                       has_more=offset + page_size < len(every.hits), total_hits=len(every.hits))

    def _answer(self, question: str) -> Answer:
        return self._answers.get(question.strip()) or declined(question.strip(), "en")
