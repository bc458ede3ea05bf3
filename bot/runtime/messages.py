"""Words the front ends say around the quotes, in English and Chinese."""

from __future__ import annotations

import math


def pick(lang: str, en: str, hant: str, hans: str) -> str:
    """The variant for a language tag ("en", "zh-Hant", "zh-Hans"; "zh..." guesses by script)."""
    if lang.startswith("zh"):
        return hans if lang in ("zh-Hans", "zh-CN", "zh-SG", "zh-cn", "zh-sg", "zh") else hant
    return en


def not_in_articles(lang: str) -> str:
    """Said when the articles do not hold the answer."""
    return pick(
        lang,
        "Sorry, the articles I know don't answer that. See the list of sources for what they cover.",
        "抱歉，我手上的文章沒有回答這個問題。可以看看來源清單，了解它們涵蓋哪些內容。",
        "抱歉，我手上的文章没有回答这个问题。可以看看来源清单，了解它们涵盖哪些内容。",
    )


def small_talk_reply(lang: str) -> str:
    """Said to a greeting, thanks or a question about the bot itself: what it does, how to ask."""
    return pick(
        lang,
        "Hi! I answer questions about my articles by quoting them, with links to the sources. "
        "Ask me anything about them, for example: What is Sora 2?",
        "你好！我會逐字引用我手上的文章來回答問題，並附上來源連結。歡迎提問，例如：Sora 2 是什麼？",
        "你好！我会逐字引用我手上的文章来回答问题，并附上来源链接。欢迎提问，例如：Sora 2 是什么？",
    )


def empty_question(lang: str = "en") -> str:
    """Said when there is no question at all."""
    return pick(
        lang,
        "Please ask a question, for example: What is Sora 2?",
        "請提出一個問題，例如：Sora 2 是什麼？",
        "请提出一个问题，例如：Sora 2 是什么？",
    )


def question_truncated(lang: str, limit: int) -> str:
    """Said when only part of a long question was read (`limit`: the characters the engine reads;
    which part it keeps is the engine's choice, so the wording does not name it)."""
    return pick(
        lang,
        f"(Your question was long: I read {limit} characters of it.)",
        f"（問題太長，我只讀了其中 {limit} 個字元。）",
        f"（问题太长，我只读了其中 {limit} 个字符。）",
    )


def not_sure_intro(lang: str) -> str:
    """Introduces the quotes of an answer the engine is not sure of (`Answer.uncertain`)."""
    return pick(
        lang,
        "The articles may not answer this directly; the closest passages:",
        "文章可能沒有直接回答這個問題；以下是最接近的段落：",
        "文章可能没有直接回答这个问题；以下是最接近的段落：",
    )


def article_label(lang: str) -> str:
    """Stands before an article shown as the answer itself (`Hit.about_article`): who wrote it,
    which outlet, when; what follows is its details line, not a quote of its body. The title
    follows it directly (the English label ends in a space, the Chinese in a full-width colon)."""
    return pick(lang, "Article: ", "文章：", "文章：")


def too_fast(lang: str, retry_after: float) -> str:
    """Said when a user asks faster than the per-user limit allows."""
    seconds = max(1, math.ceil(retry_after))
    return pick(
        lang,
        f"You're asking faster than I can keep up with. Please try again in {seconds} s.",
        f"你問得太快了，請 {seconds} 秒後再試。",
        f"你问得太快了，请 {seconds} 秒后再试。",
    )


def apology(lang: str) -> str:
    """Said when something went wrong on our side."""
    return pick(
        lang,
        "Sorry, something went wrong on my side. Please try again in a moment.",
        "抱歉，我這邊出了點問題，請稍後再試。",
        "抱歉，我这边出了点问题，请稍后再试。",
    )


def button_expired(lang: str) -> str:
    """Said when a "More" button can no longer recover its question."""
    return pick(
        lang,
        "This button has expired: please ask your question again.",
        "這個按鈕已失效，請重新提問。",
        "这个按钮已失效，请重新提问。",
    )


def no_more_results(lang: str) -> str:
    """Said when "More" is pressed but there is nothing further."""
    return pick(lang, "That was everything the articles hold.", "文章裡就只有這些了。", "文章里就只有这些了。")


def vote_recorded(lang: str, label: str) -> str:
    """The private note after a 👍 / 👎 press, seen only by the person who pressed (`label`: the emoji)."""
    return pick(lang, f"Thanks — your {label} is recorded", f"謝謝，已記下你的 {label}", f"谢谢，已记下你的 {label}")
